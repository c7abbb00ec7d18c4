"""What this machine has already checked of a ledger's signed ranges, for the audit's quick look.

``verify`` checks every checkpoint's signature and names every event no
signed transaction wrote (:func:`provenance.lifecycle.anchors.unsigned_ranges`).
The audit cannot afford that on every run: a studio's ledger has a
checkpoint for every write transaction, tens of thousands of them, each a
signature to check. Yet an event chained by an insider without a key, once
an honest writer has signed a head above it, is seen by nothing else.

So this machine remembers, outside the database (next to its anchor, in
its key's folder, which the database's writers cannot touch), which events
the ranges it has already checked cover: merged spans, where the ranges
begin, and the seq of the last checkpoint it checked. Each audit checks
only the checkpoints signed since (a few, between two audits), adds their
ranges, and blocks when an event from where the ranges begin to the newest
valid checkpoint lies in no span. ``verify``, which checks every
checkpoint anyway, leaves the memory what it checked, so a machine's first
audit need not check every signature the ledger holds.

Checkpoints are only appended (each inside the write transaction that
holds the chain lock, so in seq order), and a checkpoint that counts
cannot be forged, so what was checked stays checked. Three things make the
memory start again from nothing: a change of the machine keys this machine
trusts (a checkpoint it passed over may count now), a ledger whose event at
the last seq checked no longer has the hash remembered (another ledger made
at the same place, or a rewrite, which the head checks name), and a memory
that cannot be read. Each only costs time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.lifecycle.memory_file import MemoryFile
from provenance.signing.allowed import AllowedSigners
from provenance.signing.checkpoints import Checkpoint

MAX_SPANS = 10_000
"""Spans kept: a ledger with more holes than this is named by ``verify`` long before."""
MAX_FILE_BYTES = 4 * 1024 * 1024

Span = tuple[int, int]


@dataclass(frozen=True)
class Ranges:
    """The merged spans of events that valid ranged checkpoints cover, and where ranges begin."""

    since: int | None = None
    spans: tuple[Span, ...] = ()
    checked: int = 0  # the seq of the last checkpoint looked at
    checked_hash: str = ""  # the hash of the event at that seq: the same ledger still?

    def plus(self, valid: Iterable[Checkpoint], checked: tuple[int, str] | None = None) -> Ranges:
        """These ranges and the ranges of ``valid``, looked at up to ``checked`` (the seq of
        the last checkpoint looked at, and the hash its event has)."""
        ranged = [(int(c.first or 0), c.seq, int(c.since or 0)) for c in valid if c.ranged]
        sinces = [s for s in (self.since, *(r[2] for r in ranged)) if s is not None]
        spans = merged([*self.spans, *((first, last) for first, last, _ in ranged)])
        seq, digest = (self.checked, self.checked_hash) if checked is None else checked
        return Ranges(min(sinces, default=None), spans, seq, digest)

    def gaps(self) -> list[Span]:
        """The events from ``since`` to the last covered one that no span holds."""
        if self.since is None:
            return []
        found, covered = [], self.since - 1
        for first, last in self.spans:
            if first > covered + 1:
                found.append((covered + 1, first - 1))
            covered = max(covered, last)
        return found


def merged(spans: Iterable[Span]) -> tuple[Span, ...]:
    """``spans`` sorted, with touching and overlapping ones joined."""
    out: list[Span] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return tuple(out)


class RangeMemory:
    """This machine's memory of one ledger's checked ranges (a small JSON file)."""

    def __init__(self, path: Path, trusted: AllowedSigners) -> None:
        self.path = path
        self._file = MemoryFile(path, trusted, "the ranges checked", MAX_FILE_BYTES)

    def recall(self) -> Ranges:
        """The ranges checked before, or none when there is no memory it can use."""
        return self._file.recall(_ranges, Ranges())

    def keep(self, ranges: Ranges) -> None:
        """Remember ``ranges`` (atomically); a memory that cannot be written is only said."""
        if len(ranges.spans) <= MAX_SPANS:
            self._file.write({"since": ranges.since, "checked": ranges.checked,
                              "checked_hash": ranges.checked_hash,
                              "spans": [list(s) for s in ranges.spans]})  # fmt: skip


def _ranges(data: dict[str, Any]) -> Ranges:
    since, checked, spans = data["since"], data["checked"], data["spans"]
    checked_hash = data["checked_hash"]
    if not (since is None or _seq(since)) or not _seq(checked) or not isinstance(spans, list):
        raise ValueError("not a memory of ranges")
    pairs = [tuple(s) for s in spans]
    if not isinstance(checked_hash, str) or not all(
        len(p) == 2 and _seq(p[0]) and _seq(p[1]) and p[0] <= p[1] for p in pairs
    ):
        raise ValueError("not a memory of ranges")
    return Ranges(since, merged((int(p[0]), int(p[1])) for p in pairs), checked, checked_hash)


def _seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
