"""Corrupt and hostile files dropped into a watched folder: recorded unreadable, daemon alive."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from provenance.ingest import record
from provenance.store import Ledger
from provenance.util.guard import WorkerStartFailed
from provenance.watchers import pipeline
from tests.support.files import unique_bytes
from tests.support.hostile import c2pa_uuid_mp4
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running, write_files


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    """A valid-looking PNG claiming 200,000 x 200,000 pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", 200_000, 200_000, 8, 2, 0, 0, 0)
    body = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 1000))
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b"")


CORRUPT = {
    "truncated.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 5,
    "empty.exr": b"",
    "bomb.png": png_bomb(),
    "cut.jpg": b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF",
}


def test_hostile_files_are_unreadable_and_the_daemon_lives(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        for name, data in CORRUPT.items():
            (root / name).write_bytes(data)
        os.mkfifo(root / "pipe.exr")  # reading it would block forever
        (root / "loop").symlink_to(root)  # a folder loop
        (root / "dangling.png").symlink_to(root / "nowhere")
        odd = Path(os.fsdecode(bytes(root) + b"/bad\xff name.png"))  # not valid UTF-8
        odd.write_bytes(unique_bytes("odd"))
        wanted = {str(root / name) for name in CORRUPT}
        wait_for(lambda: wanted <= present(ledger, root), message="the corrupt files recorded")
        wait_for(lambda: str(odd) in present(ledger, root), message="the non-UTF-8 name recorded")
        daemon.settled()
        after = root / "after.bin"
        after.write_bytes(unique_bytes("after"))
        wait_for(
            lambda: str(after) in present(ledger, root), message="a file after the hostile ones"
        )
        assert daemon.thread.is_alive()
    verdicts = {Path(p).name: ledger.assets.at(p).verdict for p in wanted}  # type: ignore[union-attr]
    assert set(verdicts.values()) == {"unreadable"}, verdicts
    assert str(root / "pipe.exr") not in present(ledger, root)


def test_a_detector_past_its_budget_is_stopped_and_the_file_recorded_unreadable(
    root: Path, ledger: Ledger, ledger_url: str
) -> None:
    settings = fast_settings(ledger_url, detector_seconds=0.1)
    with running(ledger, settings, [root]) as daemon:
        slow = c2pa_uuid_mp4(root / "boxes.mp4", 9_990)  # under the reader's 10,000-box limit
        wait_for(lambda: str(slow) in present(ledger, root), message="the slow MP4 recorded")
        assert daemon.thread.is_alive()
    asset = ledger.assets.at(str(slow))
    assert asset is not None
    assert (asset.verdict, asset.problem) == ("unreadable", "c2pa: gave up after 0.1 s")


def test_files_whose_examination_could_not_start_are_examined_again(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader process that cannot start (memory, process limits, a broken install) is no
    # file's fault: the files it would have read settle again instead of being dropped
    # until the next reconcile.
    failures = iter(range(3))
    real = record.examine

    def examine(*args: object) -> object:
        if next(failures, None) is not None:
            raise WorkerStartFailed("a worker process for reading files could not start")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "examine", examine)
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        wanted = write_files(root, "frame", 3)
        wait_for(lambda: present(ledger, root) == wanted, message="every file, examined again")
        daemon.settled()
    assert next(failures, None) is None  # the three failures all happened
