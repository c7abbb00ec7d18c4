"""Unpacking hand-off archives safely: traversal refused, links reported, limits enforced."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from provenance.files.archives import UnsafeArchive, is_archive, unpack


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return path


def make_tar(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as package:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            package.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            package.addfile(info)
    return path


def test_zip_unpacks_into_a_private_folder_that_goes_away(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pkg.zip", {"plates/a.exr": b"frame", "README.txt": b"hi"})
    assert is_archive(archive)
    with unpack(archive) as done:
        root = done.root
        assert (root / "plates" / "a.exr").read_bytes() == b"frame"
        assert tmp_path not in root.parents
    assert not root.exists()


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/passwd", "a/../../evil", "C:/win.ini", "..\\evil"]
)
def test_traversal_refuses_the_archive(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "bad.zip", {"ok.txt": b"x", name: b"evil"})
    with pytest.raises(UnsafeArchive, match=r"outside the package|escapes"), unpack(archive):
        pass
    assert not (tmp_path / "evil.txt").exists()


def test_tar_links_are_reported_not_created(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "pkg.tar.gz", {"a.png": b"png"}, {"escape": "/etc/passwd"})
    with unpack(archive) as done:
        assert not (done.root / "escape").exists()
        assert done.skipped and "not followed" in done.skipped[0][1]


def test_size_is_counted_not_trusted(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", {"zeros.bin": b"\x00" * 5_000_000})
    with pytest.raises(UnsafeArchive, match="more than"), unpack(archive, limit_bytes=1_000_000):
        pass


def test_duplicate_members_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("a.txt", b"one")
        with pytest.warns(UserWarning):
            package.writestr("a.txt", b"two")
    with pytest.raises(UnsafeArchive, match="two members"), unpack(archive):
        pass


def test_corrupt_archive_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsafeArchive, match="cannot read archive"), unpack(archive):
        pass
