"""Settling and delayed deletions, on a fake clock and a fake ``stat``."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.watchers.settle import (
    CLOSE_GRACE,
    DELETE_CEILING,
    OPEN_CEILING,
    DeleteBuffer,
    SettleTracker,
)


class FakeFiles:
    """File stamps the tracker reads through its ``stat`` seam."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}

    def stat(self, path: str) -> os.stat_result:
        if path not in self.sizes:
            raise FileNotFoundError(path)
        size = self.sizes[path]
        return os.stat_result((0o100644, 1, 1, 1, 0, 0, size, 0, size, 0))


@pytest.fixture
def files() -> FakeFiles:
    return FakeFiles()


def test_a_file_settles_after_an_unchanged_window(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["a"] = 10
    tracker.changed("a", 2.0, now=0.0)
    assert tracker.due(1.9) == []
    assert tracker.due(2.0) == ["a"]
    assert len(tracker) == 0


def test_a_growing_file_never_settles_until_it_stops(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["big"] = 1
    tracker.changed("big", 1.0, now=0.0)
    for second in range(1, 10):
        files.sizes["big"] += 1  # still being written, without events (a network mount)
        assert tracker.due(float(second)) == []
    assert tracker.due(10.0) == ["big"]


def test_a_closed_file_is_taken_after_the_grace(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["c"] = 5
    tracker.closed("c", 60.0, now=0.0)
    assert tracker.next_deadline() == pytest.approx(CLOSE_GRACE)
    assert tracker.due(CLOSE_GRACE) == ["c"]


def test_a_closed_file_written_again_waits_the_full_window(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["c"] = 5
    tracker.closed("c", 3.0, now=0.0)
    files.sizes["c"] = 6  # reopened and appended to
    assert tracker.due(1.0) == []
    assert tracker.due(3.9) == []
    assert tracker.due(4.0) == ["c"]


def test_a_file_written_and_still_open_waits_for_its_close(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["r"] = 5
    tracker.written("r", 1.0, now=0.0)  # the renderer pauses between tiles, the file open
    tracker.changed("r", 1.0, now=0.5)  # a reconcile's hint does not cut the wait short
    assert tracker.due(30.0) == []
    files.sizes["r"] = 9
    tracker.closed("r", 1.0, now=31.0)
    assert tracker.due(31.0 + CLOSE_GRACE) == ["r"]


def test_a_file_left_open_and_unchanged_is_taken_after_the_ceiling(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["log"] = 5
    tracker.written("log", 1.0, now=0.0)
    assert tracker.due(OPEN_CEILING - 0.1) == []
    assert tracker.due(OPEN_CEILING) == ["log"]


def test_gone_and_forgotten_files_are_dropped(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes.update({"gone": 1, "forgotten": 1})
    tracker.changed("gone", 1.0, now=0.0)
    tracker.changed("forgotten", 1.0, now=0.0)
    tracker.changed("never", 1.0, now=0.0)  # vanished before its first stat
    del files.sizes["gone"]
    tracker.forget("forgotten")
    assert tracker.due(5.0) == [] and len(tracker) == 0


def test_events_push_the_deadline(files: FakeFiles) -> None:
    tracker = SettleTracker(files.stat)
    files.sizes["f"] = 1
    tracker.changed("f", 2.0, now=0.0)
    tracker.changed("f", 2.0, now=1.5)
    assert tracker.due(2.0) == []
    assert tracker.due(3.5) == ["f"]


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.floats(0, 50)), max_size=40))
def test_every_tracked_file_settles_exactly_once(events: list[tuple[str, float]]) -> None:
    files = FakeFiles()
    tracker = SettleTracker(files.stat)
    for name, _ in events:
        files.sizes[name] = 1
    for name, at in sorted(events, key=lambda e: e[1]):
        tracker.changed(name, 1.0, now=at)
    settled = tracker.due(1_000.0)
    assert sorted(settled) == sorted({name for name, _ in events})
    assert tracker.due(2_000.0) == []


def test_deletions_wait_for_the_delay_and_for_quiet() -> None:
    buffer = DeleteBuffer(delay=2.0)
    buffer.file("x", now=0.0)
    buffer.folder("dir", now=0.0)
    assert buffer.due(1.0, idle=True) == ([], [])
    assert buffer.due(2.5, idle=False) == ([], [])  # busy: a re-create may be on its way
    assert buffer.due(2.5, idle=True) == (["x"], ["dir"])


def test_busy_deletions_wait_no_longer_than_the_ceiling() -> None:
    buffer = DeleteBuffer(delay=1.0)
    buffer.file("x", now=0.0)
    assert buffer.due(DELETE_CEILING - 0.1, idle=False) == ([], [])
    assert buffer.due(float(DELETE_CEILING), idle=False) == (["x"], [])


def test_recreated_files_are_not_deleted_and_final_flushes_all() -> None:
    buffer = DeleteBuffer(delay=5.0)
    buffer.file("back", now=0.0)
    buffer.file("gone", now=0.0)
    buffer.cancel("back")
    assert buffer.due(0.1, idle=False, final=True) == (["gone"], [])
    assert len(buffer) == 0
