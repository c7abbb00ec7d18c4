"""Ingest: hash a file, read its facts, classify it, record it.

This is the one path by which files enter the ledger, used alike by ``scan``,
the watch daemon and the audit. It has two halves:

* :func:`examine` does the work that needs no ledger: one streaming pass for
  the SHA-256, header facts, and the detectors' verdict. It is safe to run on
  many threads at once (hashing releases the GIL).
* :meth:`Ledger.record` writes a batch of examined files in one transaction.

:func:`ingest` does both for one file; :func:`ingest_many` runs ``examine``
on a thread pool and records in batches, which is what makes a scan as fast
as hashing allows.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from provenance.classify import Classification, classify_file
from provenance.errors import UnreadableFile
from provenance.flagging import Assessment, assess
from provenance.hashing import sha256_file
from provenance.media import MediaFacts, read_facts
from provenance.settings import Settings
from provenance.store import AssetFacts, Ledger, Observation
from provenance.walk import absolute

IngestOutcome = Literal["new", "unchanged", "seen", "modified", "moved", "skipped"]


@dataclass(frozen=True)
class Examined:
    """A file hashed and classified, ready to record; or the reason it could not be read."""

    path: Path
    observation: Observation | None
    classification: Classification | None
    error: str | None = None


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


def examine(path: Path, settings: Settings, host: str) -> Examined:
    """Hash, read facts and classify one file. Never raises for a bad file."""
    path = absolute(path)
    try:
        hashed = sha256_file(path)
        facts = _facts(path, hashed.stamp.size)
    except UnreadableFile as exc:
        return Examined(path, None, None, exc.what)
    facts, result = classify_file(path, settings, facts=facts)
    assessment = assess(path, result, settings, datetime.now(UTC))
    asset = _asset_facts(hashed.sha256, facts, result, assessment)
    stamp = hashed.stamp
    obs = Observation(asset, host, str(path), stamp.size, stamp.mtime_ns, stamp.inode)
    return Examined(path, obs, result)


def _facts(path: Path, size: int) -> MediaFacts:
    try:
        return read_facts(path, size)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})", where=path) from exc


def _asset_facts(
    sha256: str, facts: MediaFacts, result: Classification, assessment: Assessment
) -> AssetFacts:
    return AssetFacts(
        sha256=sha256,
        size=facts.size,
        kind=facts.kind,
        mime=facts.mime,
        format=facts.format,
        width=facts.width,
        height=facts.height,
        duration=facts.duration,
        verdict=result.verdict,
        tool=result.tool,
        confidence=result.confidence,
        evidence=[e.to_dict() for e in result.evidence],
        prompt=result.prompt,
        problem=facts.problem,
        expires_at=assessment.expires_at,
        flags=[flag.to_dict() for flag in assessment.flags],
    )


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
    workers = settings.effective_workers()
    batch: list[Examined] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool:
        for examined in _bounded_map(pool, paths, settings, ledger.host, workers * 16):
            batch.append(examined)
            if len(batch) >= settings.batch_size:
                yield from _record(batch, ledger, on_result)
                batch = []
        yield from _record(batch, ledger, on_result)


def _bounded_map(
    pool: ThreadPoolExecutor, paths: Iterable[Path], settings: Settings, host: str, window: int
) -> Iterator[Examined]:
    # At most `window` files are in flight, so a walk of millions of files
    # never queues millions of futures.
    pending: deque[Future[Examined]] = deque()
    for path in paths:
        pending.append(pool.submit(examine, path, settings, host))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def record_examined(
    batch: list[Examined], ledger: Ledger, exists: Callable[[str], bool] = os.path.lexists
) -> list[IngestResult]:
    """Record files examined elsewhere (the watch daemon's workers) in one transaction.

    ``exists`` tells the ledger whether an old path is gone, which is what
    turns known content at a new path into a ``moved`` event.
    """
    return list(_record(batch, ledger, None, exists))


def _record(
    batch: list[Examined],
    ledger: Ledger,
    on_result: Callable[[IngestResult], None] | None,
    exists: Callable[[str], bool] = os.path.lexists,
) -> Iterator[IngestResult]:
    observations = [e.observation for e in batch if e.observation is not None]
    outcomes = iter(ledger.record(observations, exists))
    for examined in batch:
        result = _result(examined, next(outcomes).outcome if examined.observation else None)
        if on_result is not None:
            on_result(result)
        yield result


def _result(examined: Examined, outcome: IngestOutcome | None) -> IngestResult:
    obs, cls = examined.observation, examined.classification
    if obs is None or cls is None or outcome is None:
        return IngestResult(examined.path, "skipped", error=examined.error)
    return IngestResult(examined.path, outcome, obs.asset.sha256, obs.size, cls.verdict, cls.tool)
