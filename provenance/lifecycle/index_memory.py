"""What this machine has already checked of a ledger's index of generated pictures.

The audit finds generated pictures inside delivered ones (reframed,
flopped, composited) through two indexes it loads from the ledger: the
fingerprints and the local features of every asset whose verdict is
``genai``. Both are read from tables an insider can write: flip a generated
asset's verdict, or edit its fingerprint, and its reframed copies no longer
match. ``verify`` would name the row, but the gate must not rest on it.

So the audit checks what it loads (:mod:`.index_check`) against what the
chain vouches for, and this machine remembers what it checked, per index:
the head it checked up to (seq and hash, so that another ledger at the same
place, or a rewritten history, starts it again) and, for every asset in the
index, a digest of the rows it had. An audit then checks only the assets
whose rows differ from the memory, and those whose verdict an event since
may have set; an unchanged index costs one digest per generated asset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.lifecycle.memory_file import MemoryFile
from provenance.signing.allowed import AllowedSigners

MAX_FILE_BYTES = 256 * 1024 * 1024
"""About two million generated assets; a larger index is checked afresh by every audit."""


@dataclass(frozen=True)
class Vouched:
    """An index as checked up to the event ``checked`` (whose hash was ``checked_hash``):
    each asset's digest of its rows (:func:`digest`)."""

    checked: int = 0
    checked_hash: str = ""
    digests: Mapping[str, str] = field(default_factory=dict)


def digest(parts: Iterable[bytes]) -> str:
    """The digest of an asset's rows in the index, each given as canonical bytes, in order."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()[:32]


class IndexMemory:
    """This machine's memory of one index of one ledger (a JSON file)."""

    def __init__(self, path: Path, trusted: AllowedSigners) -> None:
        self.path = path
        self._file = MemoryFile(path, trusted, "the generated pictures checked", MAX_FILE_BYTES)

    def recall(self) -> Vouched:
        """The index checked before, or an empty one when there is no memory it can use."""
        return self._file.recall(_vouched, Vouched())

    def keep(self, vouched: Vouched) -> None:
        """Remember ``vouched`` (atomically; a memory that cannot be written is only said)."""
        self._file.write({"checked": vouched.checked, "checked_hash": vouched.checked_hash,
                          "digests": dict(sorted(vouched.digests.items()))})  # fmt: skip


def _vouched(data: dict[str, Any]) -> Vouched:
    checked, checked_hash, digests = data["checked"], data["checked_hash"], data["digests"]
    if not isinstance(checked, int) or isinstance(checked, bool) or checked < 0:
        raise ValueError("not a memory of an index")
    if not isinstance(checked_hash, str) or not isinstance(digests, dict):
        raise ValueError("not a memory of an index")
    # Types only: an entry that is not an asset's digest differs from what is loaded, and is
    # checked again like any other.
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items()):
        raise ValueError("not a memory of an index")
    return Vouched(checked, checked_hash, digests)
