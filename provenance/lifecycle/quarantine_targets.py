"""What a user names among quarantined copies: a hash prefix, a path, a folder or a sequence.

``restore`` and ``purge --delete`` take the same targets. The frames of a
sequence are in quarantine, not on disk, so only an explicit frame range names
them; a hash prefix names one asset, as everywhere else, and one shared by
copies of several is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from fileseq.exceptions import FileSeqException
from fileseq.filesequence import FileSequence

from provenance.errors import AmbiguousTarget, TargetNotFound
from provenance.files.hashing import is_sha256_prefix
from provenance.files.sequences import expand_target
from provenance.files.walk import absolute
from provenance.lifecycle.context import Lifecycle
from provenance.store import CANDIDATES_SHOWN, QuarantineRecord, require_prefix_length
from provenance.targets import SEQUENCE_MARKS


def select_entries(
    lc: Lifecycle, targets: Sequence[str], *, this_host: bool
) -> list[QuarantineRecord]:
    """Held quarantine entries named by hash, original or quarantine path, folder or sequence."""
    held = lc.ledger.quarantine.list(host=lc.ledger.host if this_host else None)
    if not targets:
        return held
    chosen: dict[int, QuarantineRecord] = {}
    for text in targets:
        matches = [e for e in held if _matches(e, text, lc)]
        if not matches:
            raise TargetNotFound(
                "nothing in quarantine matches",
                where=text,
                fix="give a hash, an original path, a folder or a sequence",
            )
        _refuse_ambiguous(text, matches)
        chosen.update((e.id, e) for e in matches)
    return sorted(chosen.values(), key=lambda e: e.id)


def _refuse_ambiguous(text: str, matches: Sequence[QuarantineRecord]) -> None:
    # A prefix names one asset, as everywhere else: `purge --delete` must not take two.
    shas = sorted({e.asset_sha256 for e in matches})
    if len(shas) > 1 and _is_prefix(text):
        listed = ", ".join(sha[:16] for sha in shas[:CANDIDATES_SHOWN])
        more = ", and more" if len(shas) > CANDIDATES_SHOWN else ""
        raise AmbiguousTarget(
            f"this hash prefix matches copies of several assets in quarantine: {listed}{more}",
            where=text,
            fix="give more digits; nothing was done",
        )


def _is_prefix(text: str) -> bool:
    return is_sha256_prefix(text) and not os.path.lexists(Path(text).expanduser())


def _matches(entry: QuarantineRecord, text: str, lc: Lifecycle) -> bool:
    path = Path(text).expanduser()
    if _is_prefix(text):
        require_prefix_length(text)
        return entry.asset_sha256.startswith(text.lower())
    wanted = {str(absolute(p)) for p in _named_paths(path)}
    folder = str(absolute(path)).rstrip("/") + "/"
    originals = (entry.original_path, entry.quarantine_path)
    return any(p in wanted or p.startswith(folder) for p in originals)


def _named_paths(path: Path) -> Iterable[Path]:
    # The frames are in quarantine, not on disk: only an explicit range can name them.
    if not any(mark in path.name for mark in SEQUENCE_MARKS):
        return [path]
    try:
        ranged = FileSequence(str(path)).frameSet() is not None
    except FileSeqException:
        return [path]
    return [Path(frame) for frame in expand_target(str(path))] if ranged else [path]
