"""The ordered pool: results in input order, chunks bounded by count and by weight."""

from __future__ import annotations

import threading

import pytest

from provenance.util.workpool import OrderedPool


class Recorder:
    """A task that squares its items and remembers the chunks it was given."""

    def __init__(self) -> None:
        self.chunks: list[list[int]] = []
        self._lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        with self._lock:
            self.chunks.append(list(items))
        return [i * i for i in items]


def _crash(item: int) -> int:
    raise AssertionError(f"no item should crash a thread pool: {item}")


@pytest.mark.parametrize("workers", [1, 3])
def test_results_come_in_input_order(workers: int) -> None:
    task = Recorder()
    with OrderedPool(task, range(100), workers, on_crash=_crash, window=16, chunk=4) as pool:
        assert list(pool) == [i * i for i in range(100)]
    assert sorted(len(c) for c in task.chunks) == [4] * 25


def test_chunks_close_at_their_weight() -> None:
    task = Recorder()
    sizes = [1, 1, 1, 50, 1, 1, 30, 30, 1]  # e.g. file sizes
    with OrderedPool(
        task, range(len(sizes)), 2, on_crash=_crash, window=100, chunk=32,
        weigh=lambda i: sizes[i], chunk_weight=40,
    ) as pool:  # fmt: skip
        assert list(pool) == [i * i for i in range(len(sizes))]
    # 1+1+1+50 reaches 40 at the large item; 1+1+30+30 at the second 30.
    assert sorted(task.chunks) == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]


def test_without_weights_the_count_closes_chunks() -> None:
    task = Recorder()
    with OrderedPool(task, range(10), 1, on_crash=_crash, window=100, chunk=3) as pool:
        assert len(list(pool)) == 10
    assert task.chunks == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
