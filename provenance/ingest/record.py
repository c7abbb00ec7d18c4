"""Ingest: hash a file, read its facts, classify it, record it.

This is the one path by which files enter the ledger, used alike by ``scan``,
the watch daemon and the audit. It has two halves:

* :func:`~provenance.ingest.examine.examine` does the work that needs no ledger: one
  streaming pass for the SHA-256, header facts, and the detectors' verdict;
  an :class:`~provenance.ingest.examine.Examiner` does it for many files at once.
* :meth:`Ledger.record` writes a batch of examined files in one transaction.

:func:`ingest` does both for one file; :func:`ingest_many` examines files on
a thread pool and records them in batches, which is what makes a scan as fast
as hashing allows. Nothing here imports the database layer at run time, so a
scan can start examining while the ledger (and SQLAlchemy) are still loading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from provenance.classify import unreadable_reason
from provenance.ingest.examine import Examined, Examiner, examine
from provenance.settings import Settings
from provenance.vocab import IngestOutcome

if TYPE_CHECKING:
    from provenance.store import Ledger
    from provenance.store.records import Observation, RecordResult

__all__ = [
    "Examined",
    "IngestResult",
    "examine",
    "ingest",
    "ingest_many",
    "record_all",
    "record_examined",
]


@dataclass(frozen=True)
class IngestResult:
    """What ingesting one file did."""

    path: Path
    outcome: IngestOutcome
    sha256: str | None = None
    size: int = 0
    verdict: str | None = None
    tool: str | None = None
    error: str | None = None
    identified: bool = False  # a known asset's empty media identity was filled in
    reason: str | None = None  # why an ``unreadable`` file could not be read whole


def ingest(path: Path, ledger: Ledger, settings: Settings) -> IngestResult:
    """Examine one file and record it in the ledger."""
    return next(iter(ingest_many([path], ledger, settings)))


def ingest_many(
    paths: Iterable[Path],
    ledger: Ledger,
    settings: Settings,
    on_result: Callable[[IngestResult], None] | None = None,
) -> Iterator[IngestResult]:
    """Examine files on a thread pool and record them in batches, in input order."""
    with Examiner(paths, settings, ledger.host) as examined:
        yield from record_all(examined, ledger, settings, on_result)


def record_all(
    examined: Iterable[Examined],
    ledger: Ledger,
    settings: Settings,
    on_result: Callable[[IngestResult], None] | None = None,
) -> Iterator[IngestResult]:
    """Record examined files in transactions of ``settings.batch_size``, in order.

    The batches are one run (:meth:`~provenance.store.Ledger.recording`): a
    copy of a content one batch found at its place is not looked at again by
    the next, so a scan of thousands of copies of one content stays linear.
    """
    recording = ledger.recording()
    batch: list[Examined] = []
    for item in examined:
        batch.append(item)
        if len(batch) >= settings.batch_size:
            yield from _record(batch, recording.record, on_result)
            batch = []
    yield from _record(batch, recording.record, on_result)


class Records(Protocol):
    """Where examined files are recorded: a ledger, or one run of its batches."""

    def record(self, observations: Sequence[Observation]) -> list[RecordResult]:
        """Record a batch of observations in one transaction."""


def record_examined(batch: list[Examined], into: Records) -> list[IngestResult]:
    """Record files examined elsewhere (the watch daemon's workers) in one transaction.

    ``into`` is a ledger, or the watch daemon's :meth:`~provenance.store.Ledger.recording`
    that lasts its life: that one knows whether an old path is gone, which is
    what turns known content at a new path into a ``moved`` event.
    """
    return list(_record(batch, into.record, None))


def _record(
    batch: list[Examined],
    record: Callable[[list[Observation]], list[RecordResult]],
    on_result: Callable[[IngestResult], None] | None,
) -> Iterator[IngestResult]:
    observations = [e.observation for e in batch if e.observation is not None]
    outcomes = iter(record(observations))
    for examined in batch:
        result = _result(examined, next(outcomes) if examined.observation else None)
        if on_result is not None:
            on_result(result)
        yield result


def _result(examined: Examined, recorded: RecordResult | None) -> IngestResult:
    obs, cls = examined.observation, examined.classification
    if obs is None or cls is None or recorded is None:
        return IngestResult(examined.path, "skipped", error=examined.error)
    return IngestResult(
        examined.path, recorded.outcome, obs.asset.sha256, obs.size, cls.verdict, cls.tool,
        identified=recorded.identified, reason=unreadable_reason(cls),
    )  # fmt: skip
