"""Guarded workers: a step past its time is stopped, memory past the limit fails in the worker."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from provenance.util.guard import Budget, GuardedPool, MiB, Overrun, WorkerDied, WorkerStartFailed
from tests.support import guarded_work as work


@pytest.fixture
def pool() -> Iterator[GuardedPool]:
    guarded = GuardedPool(1, Budget(seconds=0.5, memory=400 * MiB))
    yield guarded
    guarded.close()


def test_a_call_returns_its_result_and_raises_its_error(pool: GuardedPool) -> None:
    assert pool.run(work.echo, {"a": 1}) == {"a": 1}
    with pytest.raises(ValueError, match="bad input"):
        pool.run(work.fail, "bad input")
    assert pool.run(work.echo, 2) == 2


def test_a_step_past_its_time_is_stopped_and_named(pool: GuardedPool) -> None:
    before = pool.run(work.pid)
    started = time.monotonic()
    with pytest.raises(Overrun, match=r"c2pa: gave up after 0\.5 s"):
        pool.run(work.spin, "c2pa", 60.0)
    assert time.monotonic() - started < 30  # stopped, not waited for
    assert pool.run(work.pid) != before  # a fresh worker took its place


def test_untimed_work_is_not_stopped(pool: GuardedPool) -> None:
    assert pool.run(work.spin, None, 1.0) == "done"


def test_a_worker_that_dies_is_named_by_its_step_and_replaced(pool: GuardedPool) -> None:
    with pytest.raises(WorkerDied, match="exif: the worker process died"):
        pool.run(work.die, "exif")
    assert pool.run(work.echo, "again") == "again"


def test_memory_past_the_limit_fails_in_the_worker_only(pool: GuardedPool) -> None:
    assert pool.run(work.memory_limit) == 400 * MiB
    assert pool.run(work.allocate, 64) == 64
    with pytest.raises(MemoryError):
        pool.run(work.allocate, 1024)
    assert pool.run(work.allocate, 64) == 64  # the same worker goes on


def test_threads_share_the_workers() -> None:
    guarded = GuardedPool(2, Budget())
    try:
        with ThreadPoolExecutor(4) as threads:
            assert list(threads.map(lambda n: guarded.run(work.echo, n), range(20))) == list(
                range(20)
            )
        assert len(guarded.pids()) == 2
    finally:
        guarded.close()
    assert guarded.pids() == []


def test_a_worker_that_cannot_start_is_an_error_not_an_unreadable_file() -> None:
    guarded = GuardedPool(1, Budget(), warm=work.cannot_start)
    try:
        with pytest.raises(WorkerStartFailed, match="could not start"):
            guarded.run(work.echo, 1)
    finally:
        guarded.close()


def test_a_failed_start_gives_its_place_back(tmp_path: Path) -> None:
    # The place a failed start took must return to the pool, or every later call waits forever
    # (a daemon whose two workers failed to start once recorded nothing more).
    warm = functools.partial(work.fails_first_start, str(tmp_path / "started"))
    guarded = GuardedPool(1, Budget(), warm=warm)
    try:
        with pytest.raises(WorkerStartFailed, match="could not start"):
            guarded.run(work.echo, 1)
        answers: list[object] = []
        call = threading.Thread(target=lambda: answers.append(guarded.run(work.echo, 2)))
        call.start()
        call.join(timeout=120)
        assert answers == [2]
    finally:
        guarded.close()
