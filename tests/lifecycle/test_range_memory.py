"""This machine's memory of the signed ranges it checked (the audit's incremental look)."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.lifecycle.range_memory import MAX_SPANS, RangeMemory, Ranges, merged
from provenance.signing.checkpoints import Checkpoint
from tests.support.memories import TRUSTED, WIDER, rewrite

SPANS = st.lists(
    st.tuples(st.integers(1, 60), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1]))
)


@given(SPANS)
def test_merged_spans_hold_the_same_events_apart_and_in_order(spans: list[tuple[int, int]]) -> None:
    joined = merged(spans)
    events = {n for a, b in spans for n in range(a, b + 1)}
    assert {n for a, b in joined for n in range(a, b + 1)} == events
    assert all(b + 1 < c for (_, b), (c, _) in pairwise(joined))


def _ranged(first: int, seq: int, since: int) -> Checkpoint:
    return Checkpoint(seq, "h", "at", "ws-01", "key", "sig", first, since)


def test_ranges_added_later_close_no_gap_they_do_not_cover() -> None:
    ranges = Ranges().plus([_ranged(1, 3, 1)], (3, "h3"))
    ranges = ranges.plus([_ranged(7, 9, 1)], (9, "h9"))
    assert ranges.gaps() == [(4, 6)] and (ranges.checked, ranges.checked_hash) == (9, "h9")
    assert ranges.plus([_ranged(4, 6, 1)]).gaps() == []


def test_heads_without_ranges_add_nothing() -> None:
    assert Ranges().plus([Checkpoint(5, "h", "at", "ws-01", "key", "sig")]).gaps() == []


def test_the_memory_is_read_back(tmp_path: Path) -> None:
    memory = RangeMemory(tmp_path / "anchors" / "x.ranges.json", TRUSTED)
    kept = Ranges(3, ((3, 9), (12, 20)), 20, "h20")
    memory.keep(kept)
    assert RangeMemory(memory.path, TRUSTED).recall() == kept
    assert oct(memory.path.parent.stat().st_mode & 0o777) == "0o700"


def test_another_set_of_trusted_keys_starts_again(tmp_path: Path) -> None:
    memory = RangeMemory(tmp_path / "x.ranges.json", TRUSTED)
    memory.keep(Ranges(3, ((3, 9),), 9))
    assert RangeMemory(memory.path, WIDER).recall() == Ranges()


@pytest.mark.parametrize(
    "text",
    ["{cut", "[" * 50_000, '{"trust": "%s", "since": 1, "checked": -1, "spans": []}',
     '{"trust": "%s", "since": 1, "checked": 9, "spans": [[5, 2]]}',
     '{"trust": "%s", "since": true, "checked": 9, "spans": []}',
     '{"trust": "%s", "since": 1, "checked": 9, "spans": [[1, 2, 3]]}',
     '{"trust": "%s", "since": 1, "checked": 9, "checked_hash": 7, "spans": []}',
     '{"trust": "%s"}'],
)  # fmt: skip
def test_a_damaged_memory_is_started_again(tmp_path: Path, text: str) -> None:
    memory = RangeMemory(tmp_path / "x.ranges.json", TRUSTED)
    memory.keep(Ranges(1, ((1, 2),), 2))
    rewrite(memory.path, text)
    assert memory.recall() == Ranges()


def test_a_memory_grown_too_large_or_not_a_file_is_started_again(tmp_path: Path) -> None:
    memory = RangeMemory(tmp_path / "x.ranges.json", TRUSTED)
    memory.path.write_bytes(b"")
    os.truncate(memory.path, 64 * 1024 * 1024)  # sparse
    assert memory.recall() == Ranges()
    memory.path.unlink()
    memory.path.mkdir()
    assert memory.recall() == Ranges()


def test_too_many_holes_are_not_remembered(tmp_path: Path) -> None:
    memory = RangeMemory(tmp_path / "x.ranges.json", TRUSTED)
    memory.keep(Ranges(1, tuple((3 * n, 3 * n) for n in range(1, MAX_SPANS + 2)), 10))
    assert not memory.path.exists()


def test_a_memory_that_cannot_be_written_is_only_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    RangeMemory(blocked / "x.ranges.json", TRUSTED).keep(Ranges(1, ((1, 2),), 2))
    assert "were not remembered" in caplog.text
