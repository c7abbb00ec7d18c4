"""Examining files: the half of ingest that needs no ledger.

:func:`examine` hashes one file in one streaming pass, reads its header facts,
and runs the detectors; it never raises for a bad file. An :class:`Examiner`
examines many files at once and yields them in input order, for
:mod:`provenance.ingest` to record.

An examiner runs on threads (hashing releases the GIL) or, for a one-shot
scan on Linux, on forked worker processes: classifying is Python that holds
the GIL, and on threads the hashing threads wait for it at every chunk; in
processes nothing waits (``bench/bench_scan.py`` measured 2.2 s on threads
against 1.6 s on two processes for the same files). A worker process that
dies (a crash in a native parser on a hostile file) costs only that file: the
pool is restarted, the files it held are examined again one at a time, and
the one that kills a worker again is reported unreadable.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from provenance.classify import Classification, classify_file
from provenance.errors import UnreadableFile
from provenance.flagging import Assessment, assess
from provenance.hashing import sha256_file
from provenance.media import MediaFacts, read_facts
from provenance.settings import Settings
from provenance.store.records import AssetFacts, Observation
from provenance.walk import absolute

CHUNK = 8  # files per task: a task's overhead is paid once for several files
CRASHED = "examining this file crashed a worker process (a damaged or hostile file)"


@dataclass(frozen=True)
class Examined:
    """A file hashed and classified, ready to record; or the reason it could not be read."""

    path: Path
    observation: Observation | None
    classification: Classification | None
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


def examine_chunk(paths: Sequence[Path], settings: Settings, host: str) -> list[Examined]:
    """:func:`examine` each of ``paths`` (one task of an :class:`Examiner`)."""
    return [examine(path, settings, host) for path in paths]


def processes_available() -> bool:
    """True where an examiner may fork worker processes (Linux; fork elsewhere is unsafe)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Examiner:
    """Files examined on a pool of threads or processes, yielded in input order.

    Work starts when the examiner is made, and at most ``window`` files are
    in flight, so a walk of millions of files never queues millions of
    futures. The window is wide enough to keep both cores hashing through
    the time it takes to open the ledger (a few hundred milliseconds, a few
    hundred files); the results waiting in it are small. ``processes`` asks
    for worker processes, used where :func:`processes_available`; only a
    process with no other threads running should fork them (the CLI's scan,
    not the watch daemon).
    """

    WINDOW_PER_WORKER = 256

    def __init__(
        self, paths: Iterable[Path], settings: Settings, host: str, *, processes: bool = False
    ) -> None:
        self._workers = settings.effective_workers()
        self._settings, self._host = settings, host
        self._processes = processes and self._workers > 1 and processes_available()
        self._paths = iter(paths)
        self._window = max(1, self._workers * self.WINDOW_PER_WORKER // CHUNK)
        self._pending: deque[tuple[list[Path], Future[list[Examined]]]] = deque()
        self._pool = self._new_pool()
        self._fill()

    @property
    def uses_processes(self) -> bool:
        """True when the files are examined in forked worker processes."""
        return self._processes

    def _new_pool(self) -> Executor:
        if self._processes:
            context = multiprocessing.get_context("fork")
            return ProcessPoolExecutor(self._workers, mp_context=context)
        return ThreadPoolExecutor(self._workers, thread_name_prefix="ingest")

    def _submit(self, paths: list[Path]) -> Future[list[Examined]]:
        return self._pool.submit(examine_chunk, paths, self._settings, self._host)

    def _fill(self) -> None:
        while len(self._pending) < self._window:
            chunk = [path for _, path in zip(range(CHUNK), self._paths, strict=False)]
            if not chunk:
                return
            self._pending.append((chunk, self._submit(chunk)))

    def __iter__(self) -> Iterator[Examined]:
        while self._pending:
            paths, future = self._pending.popleft()
            try:
                done = future.result()
            except BrokenProcessPool:
                done = self._after_crash(paths)
            self._fill()
            yield from done

    def _after_crash(self, paths: list[Path]) -> list[Examined]:
        # Every task still queued died with the pool: examine the crashed
        # chunk one file at a time in fresh pools, then queue the rest again.
        done = [self._alone(path) for path in paths]
        waiting = [chunk for chunk, _ in self._pending]
        self._restart()
        self._pending = deque((chunk, self._submit(chunk)) for chunk in waiting)
        return done

    def _alone(self, path: Path) -> Examined:
        self._restart()
        try:
            return self._submit([path]).result()[0]
        except BrokenProcessPool:
            return Examined(absolute(path), None, None, CRASHED)

    def _restart(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self) -> None:
        """Stop: files not started are dropped, files being examined finish."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> Examiner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
