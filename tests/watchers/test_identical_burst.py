"""A burst of identical frames over many small batches: every copy recorded, and a move,
a delete-and-copy, or a copy another writer records between batches still seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.ingest.record import ingest
from provenance.store import Ledger
from tests.support.loaded_rows import count_loaded_rows
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running

BLACK = b"\0" * 4096  # one black frame's bytes, written into every shot
FRAMES = 240


def _write_black(root: Path, count: int) -> set[str]:
    paths = set()
    for n in range(count):
        folder = root / f"sh{n // 20:03d}0"
        folder.mkdir(exist_ok=True)
        path = folder / f"black.{1001 + n:04d}.bin"
        path.write_bytes(BLACK)
        paths.add(str(path))
    return paths


def _last_event(ledger: Ledger, path: Path) -> tuple[str, object] | None:
    events = [e for e in ledger.events.list() if e.path == str(path)]
    return (events[-1].type, events[-1].details.get("from")) if events else None


def _arrives(ledger: Ledger, path: Path, expected: tuple[str, object]) -> None:
    wait_for(lambda: _last_event(ledger, path) == expected, 60, f"{expected} at {path}")


@pytest.mark.slow
def test_identical_frames_over_many_batches_then_moves_are_seen(
    root: Path, ledger: Ledger, ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of 8: the burst reaches the ledger in 30 or more transactions, each of
    # which loaded every earlier frame (about 3,600 rows in all) before the daemon's
    # recording lasted its life.
    settings = fast_settings(ledger_url, batch_size=8)
    with running(ledger, settings, [root]) as daemon:
        loaded = count_loaded_rows(monkeypatch)
        frames = _write_black(root, FRAMES)
        wait_for(lambda: present(ledger, root) == frames, 120, "every black frame recorded")
        daemon.settled()
        kinds = [e.type for e in ledger.events.list()]
        assert sorted(kinds) == ["detected"] + ["seen"] * (FRAMES - 1)
        assert sum(loaded) < FRAMES  # a lost event would look at them all again, once

        source, renamed = root / "sh0000" / "black.1001.bin", root / "moved.bin"
        source.rename(renamed)
        _arrives(ledger, renamed, ("moved", str(source)))

        deleted, copied = root / "sh0010" / "black.1021.bin", root / "copied.bin"
        deleted.unlink()  # then the same bytes elsewhere: a move, not a copy and a removal
        wait_for(lambda: not deleted.exists(), 5, "the deletion")
        copied.write_bytes(BLACK)
        _arrives(ledger, copied, ("moved", str(deleted)))

        outside = tmp_path / "archive" / "black.bin"  # no root of the daemon's
        outside.parent.mkdir()
        outside.write_bytes(BLACK)
        with Ledger(ledger_url, actor="second-writer", host=ledger.host) as other:
            assert ingest(outside, other, settings).outcome == "seen"
        outside.unlink()
        fresh = root / "after_other.bin"
        fresh.write_bytes(BLACK)
        _arrives(ledger, fresh, ("moved", str(outside)))
        daemon.settled()
    assert str(source) not in present(ledger, root) and str(deleted) not in present(ledger, root)
    assert len(present(ledger, root)) == FRAMES + 1
    assert ledger.events.verify().ok
