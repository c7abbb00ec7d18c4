"""Finishing a purge or a restore that was killed between moving a copy and recording it.

A copy moves first and is recorded second. A process killed in between
(``SIGKILL``, a power cut: nothing runs to undo the move) leaves bytes that
moved while the ledger still says they did not:

* a purge's copy sits in the quarantine folder while the ledger says it is
  present at its place, which is now empty. The manifest line of a move into
  quarantine is written (and flushed) *before* the move, so it names where
  the copy went; :func:`moved_unrecorded` finds it there, and ``purge`` run
  again records it, as the README promises ("``purge`` again finishes the
  rest"), instead of calling the copy "missing" and losing it to ``restore``.
  Killed after the copy arrived but before the original's name was removed,
  it leaves the bytes in both places: the next purge removes the original's
  name (if it still holds those bytes) and records the copy, rather than
  quarantining a second one;
* a restore's copy is back at its place while the ledger says it is held in
  quarantine, whose file is gone. :func:`back_unrecorded` recognises it (the
  place holds exactly the asset's bytes, the quarantine path nothing else),
  and ``restore`` run again records it instead of refusing to overwrite it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from provenance.lifecycle.context import Lifecycle
from provenance.lifecycle.files import MANIFEST, content_hash
from provenance.store import QuarantineRecord


@dataclass(frozen=True)
class Manifest:
    """The quarantine manifest's moves on this host, as a command found them once it held the
    folder: read once, not once a copy (a studio's manifest holds thousands of lines)."""

    last: dict[str, object]  # quarantine path → the last action on it
    moves: dict[tuple[str, str], list[str]]  # (sha256, original path) → where it went, in order

    @classmethod
    def read(cls, root: Path, host: str) -> Manifest:
        """The moves the manifest in ``root`` lists for ``host``."""
        last: dict[str, object] = {}
        moves: dict[tuple[str, str], list[str]] = {}
        for line in _lines(root):
            if line.get("host") != host:
                continue
            held = str(line.get("quarantine_path"))
            last[held] = line.get("action")
            if line.get("action") == "quarantined":
                key = (str(line.get("sha256")), str(line.get("original_path")))
                moves.setdefault(key, []).append(held)
        return cls(last, moves)


def moved_unrecorded(lc: Lifecycle, manifest: Manifest, sha: str, source: Path) -> Path | None:
    """Where an interrupted purge put the copy of ``sha`` from ``source``, or None.

    That is a quarantine path the manifest last says the copy was moved to
    (no later line undoes, restores or deletes it), that no ledger entry
    names, and that holds exactly the asset's bytes.
    """
    moved_to = manifest.moves.get((sha, str(source)), [])
    unmoved = [h for h in reversed(moved_to) if manifest.last.get(h) == "quarantined"]
    if not unmoved:
        return None
    recorded = {e.quarantine_path for e in lc.ledger.quarantine.list(sha=sha, held_only=False)}
    unrecorded = (h for h in unmoved if h not in recorded)
    return next((Path(h) for h in unrecorded if content_hash(Path(h)) == sha), None)


def back_unrecorded(entry: QuarantineRecord) -> bool:
    """Whether a held copy is already back at its place: an interrupted restore's work."""
    if os.path.lexists(entry.quarantine_path):
        return False
    original = Path(entry.original_path)
    return not original.is_symlink() and content_hash(original) == entry.asset_sha256


def _lines(root: Path) -> list[dict[str, object]]:
    """The manifest's lines, oldest first; a line cut short by a crash is passed over."""
    try:
        text = (root / MANIFEST).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    lines = []
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict):
            lines.append(line)
    return lines
