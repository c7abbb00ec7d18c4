"""An ordered pool: one function over many files, on threads or forked processes.

Scan and audit both do per-file work whose floor is hashing. On threads,
hashing releases the GIL but must win it back for every chunk it reads, and
everything else the process does in Python (classifying, importing
SQLAlchemy, talking to the ledger) holds it; on two cores that contention
cost a scan a third of its time. Forked worker processes share nothing, so
the parent's own work overlaps theirs for free.

:class:`OrderedPool` submits items in chunks (a task's overhead is paid once
for several files), keeps at most ``window`` items in flight, and yields the
results in input order. Work starts when the pool is made, so the caller can
load modules or open the ledger while the first files are processed.

Forking is only safe where no other thread holds a lock the child might
need, which is why processes are opt-in (``processes=True``) and Linux-only
(:func:`processes_available`): the CLI asks for them before it starts any
thread; the watch daemon never does. A worker that dies (a native parser
crashing on a hostile file) costs only its item: the pool is restarted, the
items of the lost task are redone one at a time, and the one that kills a
worker again gets ``on_crash(item)`` as its result.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Generic, TypeVar

from provenance.util import starts
from provenance.util.collector import collector_paused

T = TypeVar("T")
R = TypeVar("R")
U = TypeVar("U")
V = TypeVar("V")

CHUNK = 8  # the default: items of fingerprinting cost milliseconds each
# Files a task for work whose floor is hashing (the scan's examiner, the
# audit's hashing), or fewer once they add up to FILE_CHUNK_BYTES.
FILE_CHUNK = 32
FILE_CHUNK_BYTES = 64 * 1024 * 1024


def processes_available() -> bool:
    """True where a pool may fork worker processes (Linux; fork elsewhere is unsafe)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _prepare_to_fork(warm: Callable[[], object] | None) -> None:
    # What every worker would import on its first item (``warm``) is
    # imported once here and shared by the forked copies; and the objects
    # alive now are moved out of the collector's reach (gc.freeze, as the gc
    # docs advise before fork), so no process walks them on every collection.
    # The collector waits while ``warm`` imports: the modules it loads live as
    # long as the process, and a full collection set off among them (the
    # audit's detectors: 100,000 objects, 0.05 s of CPU) walked what the
    # freeze just after takes out of its reach anyway.
    with collector_paused():
        if warm is not None:
            warm()
        gc.freeze()


class Later(Generic[U, V]):
    """Chunks of a second pass handed to a pool's workers, and their results once asked for."""

    def __init__(
        self, chunks: list[list[U]], futures: list[Future[list[V]]], on_crash: Callable[[U], V]
    ) -> None:
        self._chunks, self._futures, self._on_crash = chunks, futures, on_crash

    def results(self) -> list[V]:
        """One result per item, in order (``on_crash(item)`` for a chunk that was lost)."""
        done: list[V] = []
        for chunk, future in zip(self._chunks, self._futures, strict=True):
            try:
                done += future.result()
            except (BrokenProcessPool, CancelledError):
                done += [self._on_crash(item) for item in chunk]
        return done


class OrderedPool(Generic[T, R]):
    """``task`` over chunks of ``items`` on ``workers`` threads or processes, results in order.

    ``task`` takes a list of items and returns one result per item; for
    processes it must be picklable (a module-level function, or a
    ``functools.partial`` of one). ``warm``, for processes, is called once
    before forking to load what every worker would otherwise load for itself.
    ``executor`` makes the pool instead (given the number of workers), for
    callers that need other processes than forked ones, such as a
    ``forkserver`` pool in a process with threads; restarts after a crash
    call it again.

    ``chunk`` items go to a worker at once. Each task is a round trip
    through the executor's threads in the parent (about 0.8 ms of its CPU
    on a process pool), so cheap items (hashing a file) go in larger chunks;
    costly ones (decoding a picture) in small ones, since the last chunk
    handed out decides when the pool ends. With ``weigh``, a chunk also
    closes once its items weigh ``chunk_weight`` (bytes, say): large files
    then go a few at a time, and stopping early never waits for many of them.
    """

    def __init__(
        self,
        task: Callable[[list[T]], list[R]],
        items: Iterable[T],
        workers: int,
        *,
        on_crash: Callable[[T], R],
        window: int,
        processes: bool = False,
        warm: Callable[[], object] | None = None,
        name: str = "pool",
        executor: Callable[[int], Executor] | None = None,
        chunk: int = CHUNK,
        weigh: Callable[[T], int] | None = None,
        chunk_weight: int = 0,
    ) -> None:
        self._task, self._on_crash, self._name = task, on_crash, name
        self._chunk = max(1, chunk)
        self._weigh, self._chunk_weight = weigh, chunk_weight
        self._workers = max(1, workers)
        self._executor = executor
        self._processes = processes and self._workers > 1 and processes_available()
        if self._processes and executor is None:
            _prepare_to_fork(warm)
        self._items = iter(items)
        self._window = max(1, window // self._chunk)
        self._pending: deque[tuple[list[T], Future[list[R]]]] = deque()
        self._pool = self._new_pool()
        self._fill()

    @property
    def uses_processes(self) -> bool:
        """True when the work runs in forked worker processes."""
        return self._processes

    def _new_pool(self) -> Executor:
        if self._executor is not None:
            return self._executor(self._workers)
        if self._processes:
            context = starts.context("fork")
            return ProcessPoolExecutor(self._workers, mp_context=context)
        return ThreadPoolExecutor(self._workers, thread_name_prefix=self._name)

    def _fill(self) -> None:
        while len(self._pending) < self._window:
            chunk = self._next_chunk()
            if not chunk:
                return
            self._pending.append((chunk, self._pool.submit(self._task, chunk)))

    def _next_chunk(self) -> list[T]:
        chunk: list[T] = []
        weight = 0
        for item in self._items:
            chunk.append(item)
            if self._weigh is not None:
                weight += self._weigh(item)
                if weight >= self._chunk_weight:
                    break
            if len(chunk) >= self._chunk:
                break
        return chunk

    def __iter__(self) -> Iterator[R]:
        while self._pending:
            chunk, future = self._pending.popleft()
            try:
                done: Sequence[R] = future.result()
            except BrokenProcessPool:
                done = self._after_crash(chunk)
            self._fill()
            yield from done

    def also(
        self, task: Callable[[list[U]], list[V]], items: Sequence[U], on_crash: Callable[[U], V]
    ) -> list[V]:
        """Another ``task`` over ``items`` on the same workers, results in order.

        For a second pass over what the pool's own work found (the audit runs
        the detectors on the files it hashed and found in the ledger): the
        workers were forked before any thread started, and are warm. A chunk
        whose worker died gets ``on_crash(item)`` for each of its items.
        """
        return self.start_also(task, items, on_crash).results()

    def start_also(
        self,
        task: Callable[[list[U]], list[V]],
        items: Sequence[U],
        on_crash: Callable[[U], V],
        chunk: int | None = None,
    ) -> Later[U, V]:
        """:meth:`also`, queued now behind the pool's own work; its results are asked for later.

        Queued while the pool's own items are still being processed, the
        second pass fills the workers that run out of them first. A pool
        restarted after a crash drops what was queued on it: those chunks get
        ``on_crash(item)`` too. ``chunk`` items go to a worker at once (by
        default the pool's own chunk).
        """
        size = max(1, chunk or self._chunk)
        chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
        return Later(chunks, [self._pool.submit(task, chunk) for chunk in chunks], on_crash)

    def _after_crash(self, chunk: list[T]) -> list[R]:
        # Every task still queued died with the pool: redo the lost chunk one
        # item at a time in fresh pools, then queue the rest again.
        done = [self._alone(item) for item in chunk]
        waiting = [items for items, _ in self._pending]
        self._restart()
        self._pending = deque((items, self._pool.submit(self._task, items)) for items in waiting)
        return done

    def _alone(self, item: T) -> R:
        self._restart()
        try:
            return self._pool.submit(self._task, [item]).result()[0]
        except BrokenProcessPool:
            return self._on_crash(item)

    def _restart(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self) -> None:
        """Stop: items not started are dropped, items being processed finish."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> OrderedPool[T, R]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
