"""A run of batches (a scan) and the copies of one content: moves, copies, removals, and
work that grows with the copies recorded, not with their square."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from provenance.store import Ledger
from provenance.store.writer import ChainAppender
from tests.support.factories import fake_sha, observation
from tests.support.loaded_rows import count_loaded_rows, looking


def _always(_path: str) -> bool:
    return True


def _outcomes(
    ledger: Ledger, batches: list[list[str]], exists: Callable[[str], bool] = _always
) -> list[str]:
    run = ledger.recording(exists)
    return [
        r.outcome for paths in batches for r in run.record([observation("a", p) for p in paths])
    ]


def test_copies_recorded_over_many_batches_are_each_looked_at_once(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch loaded and looked at every copy the earlier ones recorded: a first
    # scan of 50,000 empty files took 88 s, six times the 20,000's 14 s.
    looked: list[str] = []
    loaded = count_loaded_rows(monkeypatch)
    run = ledger.recording(looking(looked))
    results = [
        r.outcome
        for b in range(20)
        for r in run.record([observation("empty", f"/show/sh{b:02d}/f{i:02d}") for i in range(50)])
    ]
    assert results == ["new"] + ["seen"] * 999
    assert len(looked) <= 50  # the first batch's own copies; every batch all earlier: 9,501
    assert sum(loaded) <= 50  # never an earlier batch's copies; every batch all earlier: 9,500
    assert len(ledger.locations.of(fake_sha("empty"))) == 1000
    assert ledger.events.verify().ok


def test_a_copy_found_gone_is_a_later_batch_move_source(ledger: Ledger) -> None:
    ledger.record([observation("a", "/old/1.png"), observation("a", "/old/2.png")], _always)
    gone = {"/old/1.png", "/old/2.png"}
    outcomes = _outcomes(ledger, [["/new/1.png"], ["/new/2.png"], ["/new/3.png"]],
                         lambda path: path not in gone)  # fmt: skip
    assert outcomes == ["moved", "moved", "seen"]
    events = ledger.events.of(fake_sha("a"))
    assert [e.details for e in events if e.type == "moved"] == [
        {"from": "/old/1.png"},
        {"from": "/old/2.png"},
    ]
    present = {loc.path for loc in ledger.locations.of(fake_sha("a")) if loc.present}
    assert present == {"/new/1.png", "/new/2.png", "/new/3.png"}


def test_a_copy_found_at_its_place_in_a_run_that_then_vanishes_is_removed_not_moved(
    ledger: Ledger,
) -> None:
    # What a scan can tell of a tree that changes under it: it listed /new/2.png
    # while /old.png was still there, so /new/2.png is a copy, /old.png removed.
    ledger.record([observation("a", "/old.png")])
    gone: set[str] = set()
    run = ledger.recording(lambda path: path not in gone)
    assert run.record([observation("a", "/new/1.png")])[0].outcome == "seen"
    gone.add("/old.png")
    assert run.record([observation("a", "/new/2.png")])[0].outcome == "seen"
    assert ledger.record_removed(["/old.png"]) == 1


def test_a_new_run_looks_again(ledger: Ledger) -> None:
    ledger.record([observation("a", "/old.png")])
    assert _outcomes(ledger, [["/new/1.png"]]) == ["seen"]
    assert _outcomes(ledger, [["/new/2.png"]], lambda path: path != "/old.png") == ["moved"]


def test_a_copy_another_writer_records_meanwhile_can_be_a_move_source(ledger: Ledger) -> None:
    ledger.record([observation("a", "/old.png")])
    gone: set[str] = set()
    run = ledger.recording(lambda path: path not in gone)
    assert run.record([observation("a", "/new/1.png")])[0].outcome == "seen"
    assert ledger.record([observation("a", "/daemon/d.png")], _always)[0].outcome == "seen"
    assert run.record([observation("b", "/new/b.png")])[0].outcome == "new"  # past d's row
    gone.add("/daemon/d.png")
    [moved] = run.record([observation("a", "/new/3.png")])
    assert moved.outcome == "moved"
    assert ledger.events.of(fake_sha("a"))[-1].details == {"from": "/daemon/d.png"}


def test_a_gone_copy_another_writer_closed_meanwhile_is_no_move_source(ledger: Ledger) -> None:
    ledger.record([observation("a", "/old/1.png"), observation("a", "/old/2.png")], _always)
    run = ledger.recording(lambda path: not path.startswith("/old/"))
    assert run.record([observation("a", "/new/1.png")])[0].outcome == "moved"
    assert ledger.record_removed(["/old/2.png"]) == 1  # remembered as gone, closed elsewhere
    assert run.record([observation("a", "/new/2.png")])[0].outcome == "seen"
    types = [e.type for e in ledger.events.of(fake_sha("a"))]
    assert types == ["detected", "seen", "moved", "removed", "seen"]
    assert ledger.events.verify().ok


def test_a_gone_copy_put_back_meanwhile_is_no_move_source(ledger: Ledger) -> None:
    ledger.record([observation("a", "/old/1.png"), observation("a", "/old/2.png")], _always)
    gone = {"/old/1.png", "/old/2.png"}
    run = ledger.recording(lambda path: path not in gone)
    assert run.record([observation("a", "/new/1.png")])[0].outcome == "moved"
    gone.clear()
    assert run.record([observation("a", "/new/2.png")])[0].outcome == "seen"


def test_a_batch_not_written_leaves_nothing_remembered(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Remembering the failed batch's claim of /old.png would make its retry a copy.
    ledger.record([observation("a", "/old.png")])
    run = ledger.recording(lambda path: path != "/old.png")
    flush = ChainAppender.flush

    def failing(self: ChainAppender) -> int:
        monkeypatch.setattr(ChainAppender, "flush", flush)
        raise OSError("disk gone")

    monkeypatch.setattr(ChainAppender, "flush", failing)
    with pytest.raises(OSError, match="disk gone"):
        run.record([observation("a", "/new.png")])
    assert [e.type for e in ledger.events.of(fake_sha("a"))] == ["detected"]
    assert run.record([observation("a", "/new.png")])[0].outcome == "moved"
    assert ledger.events.verify().ok
