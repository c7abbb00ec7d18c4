"""A run of batches that lasts (a watch daemon's): copies of one content over hours of
batches, what its notices and other writers change between them, and work that grows
with the copies recorded, not with their square."""

from __future__ import annotations

import pytest

from provenance.store import Ledger, Observation, copies
from provenance.store.ledger import Recording
from tests.support.factories import fake_sha, observation
from tests.support.loaded_rows import count_loaded_rows, looking


def _always(_path: str) -> bool:
    return True


def _watched(path: str) -> bool:
    """The daemon's roots: it hears of every file that vanishes below ``/w/``."""
    return path.startswith("/w/")


def _black(paths: list[str]) -> list[Observation]:
    return [observation("black", p) for p in paths]


def _outcome(run: Recording, path: str) -> str:
    [result] = run.record(_black([path]))
    return result.outcome


def _moved_from(ledger: Ledger) -> object:
    return ledger.events.of(fake_sha("black"))[-1].details.get("from")


def _present(ledger: Ledger) -> set[str]:
    return {loc.path for loc in ledger.locations.of(fake_sha("black")) if loc.present}


def _run_with_frames(ledger: Ledger, gone: set[str]) -> Recording:
    """A lasting run that has recorded /w/a/0-2.exr and then a copy of them (remembered)."""
    run = ledger.recording(lambda path: path not in gone, _watched)
    run.record(_black([f"/w/a/{i}.exr" for i in range(3)]))
    assert _outcome(run, "/w/b/0.exr") == "seen"
    return run


def test_a_burst_over_many_batches_records_every_copy_looking_at_each_once(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch each arrival, each loading and stat'ing every earlier frame: 40 batches of
    # 25 identical frames loaded 19,500 rows with a fresh memory a batch.
    looked: list[str] = []
    loaded = count_loaded_rows(monkeypatch)
    run = ledger.recording(looking(looked), _watched)
    outcomes = [
        r.outcome
        for b in range(40)
        for r in run.record([observation("black", f"/w/sh{b:02d}/f{i:02d}.exr") for i in range(25)])
    ]
    assert outcomes == ["new"] + ["seen"] * 999
    assert len(looked) <= 25  # the first batch's own copies
    assert sum(loaded) <= 25
    assert len(_present(ledger)) == 1000
    assert ledger.events.verify().ok


def test_a_copy_the_daemon_is_told_vanished_is_a_move_source(ledger: Ledger) -> None:
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    gone.add("/w/a/1.exr")
    # Found at its place and not told of since: trusted, not looked at (the daemon
    # hears of every vanishing below its roots, and is told before the new name).
    assert _outcome(run, "/w/c/0.exr") == "seen"
    run.vanished("/w/a/1.exr")
    assert _outcome(run, "/w/c/1.exr") == "moved"
    assert _moved_from(ledger) == "/w/a/1.exr"
    assert "/w/a/1.exr" not in _present(ledger)
    assert _outcome(run, "/w/c/2.exr") == "seen"  # one vanished copy is one move


def test_a_folder_told_vanished_has_its_copies_looked_at(ledger: Ledger) -> None:
    ledger.record(_black(["/w/a/0.exr", "/w/a/1.exr", "/w/a/2.exr", "/w/b/0.exr"]), _always)
    gone = {"/w/a/0.exr", "/w/a/2.exr"}
    run = ledger.recording(lambda path: path not in gone, _watched)
    assert _outcome(run, "/w/b/1.exr") == "moved"  # a new run looks at every copy
    assert _moved_from(ledger) == "/w/a/0.exr"
    gone.add("/w/b/0.exr")
    run.vanished_below("/w/b")
    assert _outcome(run, "/w/d/0.exr") == "moved"
    assert _moved_from(ledger) == "/w/a/2.exr"  # still remembered as gone
    assert _outcome(run, "/w/d/1.exr") == "moved"
    assert _moved_from(ledger) == "/w/b/0.exr"  # told of
    assert _outcome(run, "/w/d/2.exr") == "seen"
    assert _present(ledger) == {"/w/a/1.exr", "/w/b/1.exr", *(f"/w/d/{i}.exr" for i in range(3))}


def test_forgetting_looks_at_every_copy_again(ledger: Ledger) -> None:
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    gone.add("/w/a/2.exr")  # a lost event: the daemon reconciles, and forgets
    run.forget()
    assert _outcome(run, "/w/c/0.exr") == "moved"
    assert _moved_from(ledger) == "/w/a/2.exr"


def test_a_removal_recorded_between_batches_is_no_move_source(ledger: Ledger) -> None:
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    gone.add("/w/a/0.exr")
    run.vanished("/w/a/0.exr")
    assert ledger.record_removed(["/w/a/0.exr"]) == 1  # the delete buffer's turn came first
    assert _outcome(run, "/w/c/0.exr") == "seen"
    assert "/w/a/0.exr" not in _present(ledger)
    types = [e.type for e in ledger.events.of(fake_sha("black"))]
    assert types == ["detected", "seen", "seen", "seen", "removed", "seen"]
    assert ledger.events.verify().ok


def test_a_copy_outside_the_watched_roots_is_looked_at_every_batch(ledger: Ledger) -> None:
    ledger.record(_black(["/archive/black.exr"]))
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    gone.add("/archive/black.exr")  # no daemon hears of it
    assert _outcome(run, "/w/c/0.exr") == "moved"
    assert _moved_from(ledger) == "/archive/black.exr"


def _second_writer_copy_vanishes(ledger_url: str, gone: set[str]) -> None:
    """Another writer (a second daemon) records /other/black.exr, and then it vanishes."""
    with Ledger(ledger_url, actor="second-daemon", host="testhost") as other:
        assert other.record(_black(["/other/black.exr"]), _always)[0].outcome == "seen"
    gone.add("/other/black.exr")


def test_a_copy_another_writer_adds_between_batches_is_not_missed(
    ledger: Ledger, ledger_url: str
) -> None:
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    _second_writer_copy_vanishes(ledger_url, gone)
    assert _outcome(run, "/w/c/0.exr") == "moved"
    assert _moved_from(ledger) == "/other/black.exr"
    assert _outcome(run, "/w/c/1.exr") == "seen"
    assert ledger.events.verify().ok


def test_a_copy_another_writer_puts_back_between_batches_is_not_missed(
    ledger: Ledger, ledger_url: str
) -> None:
    # Put back, the old location row is present again under its old id: only the
    # chain says another writer touched it.
    ledger.record(_black(["/other/black.exr"]))
    assert ledger.record_removed(["/other/black.exr"]) == 1
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    _second_writer_copy_vanishes(ledger_url, gone)
    assert _outcome(run, "/w/c/0.exr") == "moved"
    assert _moved_from(ledger) == "/other/black.exr"


def test_a_copy_the_run_records_outside_the_watched_roots_is_looked_at_again(
    ledger: Ledger,
) -> None:
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    assert _outcome(run, "/x/black.exr") == "seen"
    gone.add("/x/black.exr")  # no daemon hears of it
    assert _outcome(run, "/w/c/0.exr") == "moved"
    assert _moved_from(ledger) == "/x/black.exr"


def test_a_flood_of_notices_forgets_instead_of_holding_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(copies, "NOTICES_AT_MOST", 2)
    notices = copies.Notices()
    for path in ("/w/1", "/w/2", "/w/3"):
        notices.vanished(path)
    notices.vanished_below("/w/sh010/")
    assert notices.take() == (True, {"/w/1", "/w/2"}, {"/w/sh010/"})
    assert notices.take() == (False, set(), set())


def test_a_file_told_vanished_before_its_batch_recorded_it_is_looked_at_again(
    ledger: Ledger,
) -> None:
    # Deleted after it was examined: its notice comes before the batch that records it.
    gone: set[str] = set()
    run = _run_with_frames(ledger, gone)
    gone.add("/w/short_lived.exr")
    run.vanished("/w/short_lived.exr")
    assert _outcome(run, "/w/short_lived.exr") == "seen"
    assert _outcome(run, "/w/c/0.exr") == "moved"
    assert _moved_from(ledger) == "/w/short_lived.exr"


def test_many_events_by_others_since_the_last_batch_forget_instead_of_reading_them(
    ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(copies, "EVENTS_AT_MOST", 0)  # any event by another is too many
    looked: list[str] = []
    gone: set[str] = set()
    run = ledger.recording(looking(looked, gone), _watched)
    run.record(_black([f"/w/a/{i}.exr" for i in range(3)]))
    _second_writer_copy_vanishes(ledger_url, gone)
    looked.clear()
    assert _outcome(run, "/w/c/0.exr") == "moved"  # the other's copy, found gone
    assert _moved_from(ledger) == "/other/black.exr"
    assert set(looked) >= {f"/w/a/{i}.exr" for i in range(3)}  # forgot: every copy again


def test_a_chain_that_does_not_continue_from_the_remembered_head_forgets(ledger: Ledger) -> None:
    """A ledger put back from a backup: the head the memory knew is not in its chain."""
    looked: list[str] = []
    run = ledger.recording(looking(looked), _watched)
    run.record(_black([f"/w/a/{i}.exr" for i in range(3)]))
    memory = run._memory
    assert memory.head is not None
    memory.head = (memory.head[0], "0" * 64)
    looked.clear()
    assert _outcome(run, "/w/b/0.exr") == "seen"
    assert set(looked) >= {f"/w/a/{i}.exr" for i in range(3)}
