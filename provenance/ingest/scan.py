"""Scan: ingest whole trees and say what was found.

A scan walks its roots (see :mod:`provenance.files.walk`), ingests every file
through :func:`provenance.ingest.record.ingest_many`, and, for each root folder it
could list, records as ``removed`` the files the ledger thought were present
below it but that no longer exist. Files that cannot be read are reported
and skipped; they never abort the scan.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.files.walk import Skipped, absolute, file_size, walk
from provenance.ingest.record import Examined, IngestResult, ingest_many, record_all
from provenance.settings import Settings
from provenance.util.file_kinds import may_exist
from provenance.util.stages import Stage, StageTally
from provenance.vocab import VERDICTS

if TYPE_CHECKING:
    from provenance.store import Ledger


@dataclass(frozen=True)
class ScanPlan:
    """The files a scan will ingest, with their total size, and what it skipped while walking."""

    files: Sequence[Path]
    total_bytes: int
    skipped: Sequence[Skipped]
    folders: Sequence[Path]
    seconds: float = 0.0  # the walk's time

    def walk_stage(self) -> Stage:
        """The walk, as a stage of the scan: the files found, their bytes, its time."""
        return Stage("walk", "files", len(self.files), self.total_bytes, len(self.files),
                     self.total_bytes, self.seconds)  # fmt: skip


@dataclass
class ScanSummary:
    """Counts of what a scan did, and the problems it met.

    ``problems`` are the paths not ingested: those the walk passed over
    (special files, broken or unfollowed links, folders it could not list)
    and files that could not be read when ingested; ``skipped`` counts them all.
    ``unreadable_files`` are files recorded whose content could not be read
    whole (damaged, truncated, too large to decode safely), with why: the
    audit blocks them (the policy's ``unreadable`` action), so a scan names them.
    ``stages`` time each stage in the order it ran: the walk, reading (hashing,
    classifying and recording), then each step of the likeness stage;
    ``wall_seconds`` is the whole scan's time, from the start of the walk.
    """

    files_seen: int = 0
    bytes: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    removed: int = 0
    identified: int = 0  # known assets whose empty media identity this scan filled in
    problems: list[tuple[str, str]] = field(default_factory=list)
    unreadable_files: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    fingerprinted: int = 0
    fingerprint_seconds: float = 0.0
    stages: list[Stage] = field(default_factory=list)
    wall_seconds: float = 0.0

    def add(self, result: IngestResult) -> None:
        """Count one ingested (or skipped) file."""
        self.files_seen += 1
        self.outcomes[result.outcome] += 1
        if result.outcome == "skipped":
            self.problems.append((str(result.path), result.error or "not readable"))
            return
        self.bytes += result.size
        self.identified += result.identified
        if result.verdict:
            self.verdicts[result.verdict] += 1
        if result.verdict == "unreadable":
            self.unreadable_files.append((str(result.path), result.reason or "not readable"))

    def to_dict(self) -> dict[str, object]:
        """The JSON summary printed by ``provenance scan --json``."""
        return {
            "files_seen": self.files_seen,
            "newly_ingested": self.outcomes["new"],
            "unchanged": self.outcomes["unchanged"],
            "copies": self.outcomes["seen"],
            "modified": self.outcomes["modified"],
            "moved": self.outcomes["moved"],
            "removed": self.removed,
            "identified": self.identified,
            "skipped": len(self.problems),
            **{key: self.verdicts[key] for key in VERDICTS},
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "fingerprinted": self.fingerprinted,
            "fingerprint_seconds": round(self.fingerprint_seconds, 3),
            "stages": [stage.to_dict() for stage in self.stages],
            "wall_seconds": round(self.wall_seconds, 3),
            "problems": [{"path": p, "reason": r} for p, r in self.problems],
            "unreadable_files": [{"path": p, "reason": r} for p, r in self.unreadable_files],
        }


def plan_scan(
    roots: Iterable[Path], settings: Settings, found: Callable[[int], None] | None = None
) -> ScanPlan:
    """Walk the roots once: the files to ingest, their total size, what was skipped.

    ``found``, for a progress bar, is told each file's size as the walk finds it.
    """
    started = time.monotonic()
    files: list[Path] = []
    skipped: list[Skipped] = []
    total = 0
    for item in walk(roots, settings):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        files.append(item)
        size = file_size(item)
        total += size
        if found is not None:
            found(size)
    folders = [absolute(r) for r in roots if r.is_dir() and os.access(r, os.R_OK | os.X_OK)]
    return ScanPlan(files, total, skipped, folders, time.monotonic() - started)


def run_scan(
    plan: ScanPlan,
    ledger: Ledger,
    settings: Settings,
    on_result: Callable[[IngestResult], None] | None = None,
    *,
    fingerprints: bool = True,
    examined: Iterable[Examined] | None = None,
    tick: Callable[[str], None] | None = None,
) -> ScanSummary:
    """Ingest the planned files, record what vanished, then fingerprint new images.

    ``examined``, when given, is the planned files already being examined
    (an :class:`~provenance.ingest.examine.Examiner` started before the ledger was
    opened); otherwise they are examined here. ``seconds`` covers hashing,
    classifying and recording; the fingerprint stage, which follows the
    ledger rows, is timed on its own, and ``tick`` is told of each asset it
    looks at, by step (see :func:`~provenance.likeness.stage.fingerprint_assets`).
    """
    started, tally = time.monotonic(), StageTally()
    summary = ScanSummary()
    summary.problems.extend((str(s.path), s.reason) for s in plan.skipped)
    new: list[str] = []
    results = (
        ingest_many(plan.files, ledger, settings, on_result)
        if examined is None
        else record_all(examined, ledger, settings, on_result)
    )
    for result in results:
        tally.item("reading", result.size)
        summary.add(result)
        if result.outcome == "new" and result.sha256:
            new.append(result.sha256)
    summary.removed = record_vanished(plan.folders, ledger)
    summary.seconds = tally.end("reading").seconds
    if new and fingerprints:
        timed = _timed_steps(tally, tick)
        summary.fingerprinted, summary.fingerprint_seconds = _fingerprint_stage(
            ledger, settings, new, timed
        )
    summary.stages = [plan.walk_stage(), *tally.stages.values()]
    summary.wall_seconds = plan.seconds + time.monotonic() - started
    return summary


def _timed_steps(tally: StageTally, tick: Callable[[str], None] | None) -> Callable[[str], None]:
    """``tick``, with each picture of each likeness step counted and timed in ``tally`` too."""

    def step(name: str) -> None:
        tally.item(name, unit="pictures")
        if tick is not None:
            tick(name)

    return step


def _fingerprint_stage(
    ledger: Ledger, settings: Settings, shas: list[str], tick: Callable[[str], None] | None
) -> tuple[int, float]:
    started = time.monotonic()
    # Imported here: the decoders (numpy, codecs) cost a tenth of a second
    # that commands without new images should not pay.
    from provenance.lifecycle.index_check import IndexCheck  # noqa: PLC0415
    from provenance.likeness.stage import fingerprint_assets  # noqa: PLC0415

    vouch = IndexCheck(ledger, settings)  # the region checks and sweeps it keeps, audits reuse
    stage = fingerprint_assets(ledger, shas, tick=tick, vouch=vouch)
    return stage.fingerprinted, time.monotonic() - started


def record_vanished(folders: Iterable[Path], ledger: Ledger) -> int:
    """Mark as removed the ledger's present files below ``folders`` that no longer exist.

    Only a file the system says is not there: one in a folder the scan could
    not enter (permission denied, a share's I/O error) may well still be
    there, and a ``removed`` event cannot be taken back (see :func:`may_exist`).
    """
    gone = [
        path
        for folder in folders
        for path in ledger.locations.under(str(folder))
        if not may_exist(path)
    ]
    return ledger.record_removed(gone) if gone else 0


def scan(roots: Iterable[Path], ledger: Ledger, settings: Settings) -> ScanSummary:
    """Plan and run a scan in one call (no progress reporting)."""
    return run_scan(plan_scan(list(roots), settings), ledger, settings)
