"""A machine's memory of what it has already checked of a ledger: a small JSON file.

The audit cannot afford to check everything ``verify`` checks on every run,
so this machine remembers, outside the database (beside its anchor, in its
key's folder, which the database's writers cannot touch), what it has
checked: the signed ranges (:mod:`.range_memory`) and the indexes of
generated pictures (:mod:`.index_memory`). Each memory is a cache that is
only ever a subset of what could be said: it is replaced atomically without
``fsync`` (a memory lost costs only time), and one that cannot be read, or
was written while this machine trusted other keys (a checkpoint passed over
may count now), is as good as none.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from provenance.files.opening import read_regular
from provenance.signing.allowed import AllowedSigners
from provenance.util.atomic import write_atomically

log = logging.getLogger(__name__)

T = TypeVar("T")


class MemoryFile:
    """One memory: a JSON object, stamped with the trusted keys it was checked under."""

    def __init__(self, path: Path, trusted: AllowedSigners, what: str, limit: int) -> None:
        self.path = path
        self._trust = hashlib.sha256(repr(trusted.signers).encode()).hexdigest()
        self._what = what  # "the ranges checked": for the log
        self._limit = limit

    def read(self) -> dict[str, Any] | None:
        """The memory's fields, or None when there is none this machine can use."""
        try:
            data = json.loads(read_regular(self.path, self._limit))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError) as exc:
            log.info("starting the memory of %s again (%s): %s", self._what, exc, self.path)
            return None
        if not isinstance(data, dict) or data.get("trust") != self._trust:
            return None
        return data

    def recall(self, parse: Callable[[dict[str, Any]], T], nothing: T) -> T:
        """The memory as ``parse`` reads its fields, or ``nothing`` when there is no memory this
        machine can use (none, unreadable, other keys, or fields ``parse`` refuses)."""
        data = self.read()
        if data is None:
            return nothing
        try:
            return parse(data)
        except (ValueError, TypeError, KeyError) as exc:
            log.info("starting the memory of %s again (%s): %s", self._what, exc, self.path)
            return nothing

    def write(self, fields: dict[str, object]) -> None:
        """Remember ``fields`` (atomically); a memory that cannot be written is only said."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            data = {"trust": self._trust, **fields}
            text = json.dumps(data, separators=(",", ":")).encode() + b"\n"
            write_atomically(self.path, text, durable=False)
        except OSError as exc:
            log.warning(
                "%s were not remembered (%s): %s; the next audit checks them again",
                self._what, exc.strerror or exc, self.path,
            )  # fmt: skip
