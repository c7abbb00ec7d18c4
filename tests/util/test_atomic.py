"""A file is replaced whole or not at all, and durably: one helper for every such write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provenance.signing.checkpoints import Checkpoint, read_checkpoint, write_checkpoint
from provenance.util.atomic import write_atomically


def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each ``os.fsync`` flushed from now on: "file" or "folder"."""
    flushed: list[str] = []
    real = os.fsync

    def fsync(descriptor: int) -> None:
        is_folder = Path(f"/proc/self/fd/{descriptor}").is_dir()
        flushed.append("folder" if is_folder else "file")
        real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    return flushed


def test_the_content_replaces_the_file_and_both_are_flushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushed = synced(monkeypatch)
    target = tmp_path / "new" / "thumb.jpg"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["thumb.jpg"]  # no temporary file left
    assert flushed == ["file", "folder", "file", "folder"]


def test_a_cache_is_replaced_whole_without_flushing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushed = synced(monkeypatch)
    target = tmp_path / "x.ranges.json"
    write_atomically(target, b"first", durable=False)
    write_atomically(target, b"second", durable=False)
    assert target.read_bytes() == b"second" and [p.name for p in tmp_path.iterdir()] == [
        "x.ranges.json"
    ]
    assert flushed == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "head.json"
    target.write_bytes(b"old")

    def disk_full(_descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["head.json"]


def test_a_checkpoint_file_is_written_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushed = synced(monkeypatch)
    checkpoint = Checkpoint(
        7, "ab" * 32, "2026-12-06T00:00:00.000000Z", "host", "ssh-ed25519 K", ""
    )
    path = tmp_path / "anchors" / "head.json"
    write_checkpoint(path, checkpoint)
    assert read_checkpoint(path).seq == 7 and flushed == ["file", "folder"]
