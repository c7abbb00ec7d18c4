"""A second task on the ordered pool's workers (the audit's known files' markers)."""

from __future__ import annotations

import os

import pytest

from provenance.util.workpool import OrderedPool, processes_available


def _square(items: list[int]) -> list[int | None]:
    return [i * i for i in items]


def _negate(items: list[int]) -> list[int | None]:
    return [-i for i in items]


def _die_on_seven(items: list[int]) -> list[int | None]:
    if 7 in items:
        os._exit(3)  # a native crash, as a hostile file may cause
    return [-i for i in items]


def _lost(item: int) -> int | None:
    return None


@pytest.mark.parametrize("processes", [False, True])
def test_also_runs_on_the_same_workers_in_order(processes: bool) -> None:
    if processes and not processes_available():
        pytest.skip("forked workers are Linux-only")
    with OrderedPool(_square, range(20), 2, on_crash=_lost, window=20, chunk=4,
                     processes=processes) as pool:  # fmt: skip
        assert list(pool) == [i * i for i in range(20)]
        assert pool.also(_negate, list(range(10)), on_crash=_lost) == [-i for i in range(10)]


@pytest.mark.skipif(not processes_available(), reason="forked workers are Linux-only")
def test_a_chunk_whose_worker_dies_gets_on_crash() -> None:
    with OrderedPool(_square, range(4), 2, on_crash=_lost, window=4, chunk=4,
                     processes=True) as pool:  # fmt: skip
        assert list(pool) == [0, 1, 4, 9]
        done = pool.also(_die_on_seven, list(range(12)), on_crash=_lost)
    assert done[4:8] == [None] * 4  # the chunk holding 7
    assert done[:4] in ([0, -1, -2, -3], [None] * 4)  # lost too if it shared the dying pool
    assert len(done) == 12


def _square_or_die_on_thirteen(items: list[int]) -> list[int | None]:
    if 13 in items:
        os._exit(3)
    return [i * i for i in items]


@pytest.mark.parametrize("processes", [False, True])
def test_a_second_pass_queued_while_the_first_runs_is_collected_in_order(
    processes: bool,
) -> None:
    if processes and not processes_available():
        pytest.skip("forked workers are Linux-only")
    with OrderedPool(_square, range(40), 2, on_crash=_lost, window=40, chunk=4,
                     processes=processes) as pool:  # fmt: skip
        first = iter(pool)
        seen = [next(first) for _ in range(8)]
        later = pool.start_also(_negate, list(range(8)), on_crash=_lost)  # still hashing
        rest = list(first)
        assert seen + rest == [i * i for i in range(40)]
        assert later.results() == [-i for i in range(8)]


@pytest.mark.skipif(not processes_available(), reason="forked workers are Linux-only")
def test_a_second_pass_lost_to_a_restart_after_a_crash_gets_on_crash() -> None:
    # Queued behind the pool's own work, the second pass dies with the pool
    # when one of the pool's own items kills its worker; the pool's items are
    # redone, and the second pass's items are reported lost, never dropped.
    with OrderedPool(_square_or_die_on_thirteen, range(24), 2, on_crash=_lost, window=24,
                     chunk=4, processes=True) as pool:  # fmt: skip
        first = iter(pool)
        seen = [next(first) for _ in range(4)]
        later = pool.start_also(_negate, list(range(8)), on_crash=_lost)
        rest = list(first)
        done = later.results()
    assert seen + rest == [i * i if i != 13 else None for i in range(24)]
    assert len(done) == 8
    assert all(d in (-i, None) for i, d in zip(range(8), done, strict=True))


def _sizes(items: list[int]) -> list[int | None]:
    return [len(items)] * len(items)


def test_a_second_pass_may_go_in_chunks_of_its_own() -> None:
    """The audit's markers cost a tenth of a task's round trip: they go in larger shares."""
    with OrderedPool(_square, range(4), 2, on_crash=_lost, window=4, chunk=2) as pool:
        assert list(pool) == [0, 1, 4, 9]
        assert pool.start_also(_sizes, list(range(10)), on_crash=_lost).results() == [2] * 10
        shares = pool.start_also(_sizes, list(range(10)), on_crash=_lost, chunk=5).results()
    assert shares == [5] * 10
