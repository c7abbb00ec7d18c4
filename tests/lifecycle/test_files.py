"""Moving files into and out of quarantine: the original goes only once its bytes arrived."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from provenance.errors import OutOfSpace, TransitionRefused
from provenance.lifecycle.files import content_hash, move_verified, quarantine_target

CONTENT = b"frame data " * 1000
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "shots" / "a.exr"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return path


@pytest.fixture
def no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every link is refused as crossing devices, as for a quarantine on another disk."""

    def refuse(*_args: object, **_kw: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", refuse)  # the os.link that lifecycle.files calls


@pytest.mark.usefixtures("no_hard_links")
def test_across_devices_the_bytes_and_times_are_copied(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "quarantine" / "a.exr"
    move_verified(source, target, SHA)
    assert not source.exists() and target.read_bytes() == CONTENT
    assert target.stat().st_mtime_ns == 1_600_000_000_000_000_000


@pytest.mark.usefixtures("no_hard_links")
def test_a_copy_that_fails_midway_leaves_the_original_alone(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(src: object, dst: object, length: int = 0) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", full_disk)
    target = tmp_path / "quarantine" / "a.exr"
    with pytest.raises(OutOfSpace, match="no room left"):
        move_verified(source, target, SHA)
    assert source.read_bytes() == CONTENT and not target.exists()


def test_an_original_that_cannot_be_removed_undoes_the_move(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_unlink = Path.unlink

    def guarded(path: Path, missing_ok: bool = False) -> None:
        if path == source:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", guarded)
    target = tmp_path / "quarantine" / "a.exr"
    with pytest.raises(TransitionRefused, match="cannot remove the original"):
        move_verified(source, target, SHA)
    assert source.read_bytes() == CONTENT and not target.exists()


def test_quarantine_places_never_collide(tmp_path: Path) -> None:
    original = Path("/show/a.exr")
    first = quarantine_target(tmp_path, SHA, original, "20261125T000000Z")
    first.parent.mkdir(parents=True)
    first.write_bytes(b"taken")
    second = quarantine_target(tmp_path, SHA, original, "20261125T000000Z")
    second.write_bytes(b"taken too")
    third = quarantine_target(tmp_path, SHA, original, "20261125T000000Z")
    assert len({first, second, third}) == 3 and not third.exists()
    assert third.parent == tmp_path / SHA[:2] / SHA


def test_an_unreadable_file_has_no_hash(tmp_path: Path) -> None:
    assert content_hash(tmp_path / "missing.exr") is None
