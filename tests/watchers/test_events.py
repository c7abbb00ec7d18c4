"""Real observers, real files: what each kind of change becomes in the ledger."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from provenance.ingest.record import IngestResult
from provenance.store import Ledger
from provenance.watchers import Environment
from provenance.watchers.roots import Mount
from tests.support.files import sha256_of, unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import event_types, fast_settings, present, running


def _recorded(ledger: Ledger, path: Path) -> bool:
    asset = ledger.assets.at(str(path))
    return asset is not None and path.exists() and asset.sha256 == sha256_of(path)


def test_new_file_is_ingested_with_its_hash(root: Path, ledger: Ledger, ledger_url: str) -> None:
    results: list[IngestResult] = []
    with running(ledger, fast_settings(ledger_url), [root], on_recorded=results.append):
        target = root / "plate.0001.bin"
        target.write_bytes(unique_bytes("plate"))
        wait_for(lambda: _recorded(ledger, target), message="the new file in the ledger")
    assert event_types(ledger, target) == ["detected"]
    assert [(r.path, r.outcome, r.verdict) for r in results] == [(target, "new", "unknown")]


def test_each_recorded_file_is_one_info_line(
    root: Path, ledger: Ledger, ledger_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="provenance.watchers.daemon")
    with running(ledger, fast_settings(ledger_url), [root]):
        target = root / "plate.0002.bin"
        target.write_bytes(unique_bytes("plate two"))
        broken = root / "broken.png"
        broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5)
        wait_for(lambda: _recorded(ledger, target) and _recorded(ledger, broken),
                 message="the new files in the ledger")  # fmt: skip
        wait_for(lambda: str(target) in caplog.text and str(broken) in caplog.text,
                 message="the INFO lines naming them")  # fmt: skip
    lines = [r.getMessage() for r in caplog.records if str(root) in r.getMessage()]
    assert f"new {target}: unknown" in lines
    assert f"new {broken}: unreadable (damaged: file ends before IEND (truncated))" in lines


def test_atomic_save_is_recorded_under_the_final_name(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    final = root / "comp_v001.nk"
    final.write_bytes(unique_bytes("v1"))
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        wait_for(lambda: _recorded(ledger, final), message="the first version")
        temp = root / "comp_v001.nk.tmp"  # an ignored name, as editors use
        temp.write_bytes(unique_bytes("v2"))
        temp.replace(final)
        wait_for(lambda: _recorded(ledger, final), message="the saved version")
        daemon.settled()
    assert event_types(ledger, final) == ["detected", "detected", "modified"]
    assert not any(str(temp) == e.path for e in ledger.events.list())
    assert present(ledger, root) == {str(final)}


def test_rename_and_move_across_folders_are_moves(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    (root / "a").mkdir()
    (root / "b").mkdir()
    first = root / "a" / "one.bin"
    first.write_bytes(unique_bytes("one"))
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        wait_for(lambda: _recorded(ledger, first))
        renamed = root / "a" / "uno.bin"
        first.rename(renamed)
        wait_for(lambda: _recorded(ledger, renamed), message="the renamed file")
        moved = root / "b" / "uno.bin"
        renamed.rename(moved)
        wait_for(lambda: _recorded(ledger, moved), message="the moved file")
        daemon.settled()
    assert [e.type for e in ledger.events.list()] == ["detected", "moved", "moved"]
    assert present(ledger, root) == {str(moved)}


def test_folder_moved_in_the_tree_moves_its_files(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    shot = root / "sh010"
    shot.mkdir()
    frames = [shot / f"f.{n:04d}.bin" for n in range(1001, 1006)]
    for frame in frames:
        frame.write_bytes(unique_bytes(frame.name))
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        wait_for(lambda: len(present(ledger, root)) == 5)
        shot.rename(root / "sh020")
        wanted = {str(root / "sh020" / f.name) for f in frames}
        wait_for(lambda: present(ledger, root) == wanted, message="the frames at their new place")
        daemon.settled()
    assert sorted(e.type for e in ledger.events.list()) == ["detected"] * 5 + ["moved"] * 5


def test_delete_is_removed_after_the_delay(root: Path, ledger: Ledger, ledger_url: str) -> None:
    doomed = root / "doomed.bin"
    doomed.write_bytes(unique_bytes("doomed"))
    with running(ledger, fast_settings(ledger_url), [root]):
        wait_for(lambda: _recorded(ledger, doomed))
        doomed.unlink()
        wait_for(lambda: not present(ledger, root), message="the removal")
    assert event_types(ledger, doomed) == ["detected", "removed"]
    assert ledger.events.verify().ok


def test_delete_then_recreate_elsewhere_is_one_move(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    source = root / "in" / "frame.bin"
    source.parent.mkdir()
    data = unique_bytes("frame")
    source.write_bytes(data)
    settings = fast_settings(ledger_url, watch_delete_delay=2.0)
    with running(ledger, settings, [root]) as daemon:
        wait_for(lambda: _recorded(ledger, source))
        source.unlink()
        copy = root / "out" / "frame_v2.bin"
        copy.parent.mkdir()
        copy.write_bytes(data)
        wait_for(lambda: _recorded(ledger, copy), message="the re-created file")
        daemon.settled()
    assert [e.type for e in ledger.events.list()] == ["detected", "moved"]
    assert present(ledger, root) == {str(copy)}


def test_slow_writer_is_ingested_once_with_the_final_hash(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    target = root / "render.0001.bin"
    with running(ledger, fast_settings(ledger_url, watch_settle=1.0), [root]) as daemon:
        with target.open("wb") as stream:
            for chunk in range(8):  # written over ~3 s, in pieces, like a renderer
                stream.write(unique_bytes(f"chunk{chunk}", 64 * 1024))
                stream.flush()
                os.fsync(stream.fileno())
                time.sleep(0.4)  # the writer's pace: the scenario, not a wait for the daemon
                assert ledger.assets.at(str(target)) is None, "a partial file was ingested"
        wait_for(lambda: _recorded(ledger, target), message="the finished file")
        daemon.settled()
    assert event_types(ledger, target) == ["detected"]


def test_a_writer_pausing_longer_than_the_settle_is_ingested_once_when_it_closes(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    # A render pausing between tiles, a copy from a stalled share: the file stays open, and
    # each pause used to settle it, recording a partial file as an asset of its own.
    target = root / "render.0002.exr"
    local = Environment(mounts=lambda: [Mount("/", "ext4")])
    settings = fast_settings(ledger_url, watch_settle=0.3)
    with running(ledger, settings, [root], environment=local) as daemon:
        with target.open("wb") as stream:
            for chunk in range(3):
                stream.write(unique_bytes(f"tile{chunk}", 64 * 1024))
                stream.flush()
                time.sleep(1.2)  # the writer's pause, four settle windows: the scenario
                assert ledger.assets.at(str(target)) is None, "a partial file was ingested"
        wait_for(lambda: _recorded(ledger, target), message="the finished file")
        daemon.settled()
    assert event_types(ledger, target) == ["detected"]


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_ignored_names_are_never_ingested(
    root: Path, ledger: Ledger, ledger_url: str, polling: bool
) -> None:
    mode = "polling" if polling else "auto"
    with running(ledger, fast_settings(ledger_url), [root], modes=mode) as daemon:
        for name in ("x.tmp", ".DS_Store", "shot.nk~", "dl.crdownload", ".#lock"):
            (root / name).write_bytes(b"litter")
        keep = root / "keep.bin"
        keep.write_bytes(unique_bytes("keep"))
        wait_for(lambda: _recorded(ledger, keep))
        daemon.settled()
    assert present(ledger, root) == {str(keep)}
