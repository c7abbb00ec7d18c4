"""Unpacking hand-off archives safely: traversal refused, links reported, limits enforced."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from provenance.files import archives
from provenance.files.archives import UnsafeArchive, is_archive, unpack
from provenance.files.scratch import live_areas
from provenance.files.walk import PATH_MAX, TOO_LONG
from tests.support.hostile_archives import (
    sparse_tar,
    tar_bytes,
    write,
    zip_bytes,
    zip_claiming,
    zip_lying_count,
)


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


def test_a_zip_claiming_a_million_entries_is_refused_before_its_index_is_read(
    tmp_path: Path,
) -> None:
    archive = write(tmp_path / "million.zip", zip_claiming(1_000_000, {"a.txt": b"x"}))
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeArchive, match="claims 1000000 entries"), unpack(archive):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024**2  # one chunk of the index at most, not 577 MB of entries


@pytest.mark.parametrize(
    ("limit", "value", "match"),
    [
        ("MAX_MEMBERS", 50, "holds more than 50 entries"),  # counted, since the end record lies
        ("MAX_INDEX_BYTES", 1000, "index takes"),
    ],
)
def test_a_zip_index_past_a_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, match: str
) -> None:
    monkeypatch.setattr(archives, limit, value)
    archive = write(tmp_path / "liar.zip", zip_lying_count(60, claimed=1))
    with pytest.raises(UnsafeArchive, match=match), unpack(archive):
        pass


def test_a_zip_at_the_member_limit_still_unpacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "MAX_MEMBERS", 60)
    archive = write(tmp_path / "full.zip", zip_lying_count(60, claimed=60))
    with unpack(archive) as done:
        assert len(list(done.root.iterdir())) == 60


def test_a_tar_is_read_one_header_at_a_time(tmp_path: Path) -> None:
    archive = write(tmp_path / "many.tar", tar_bytes({f"f{i}": b"" for i in range(2000)}, False))
    seen = []
    with tarfile.open(archive) as package:
        for member in archives._headers(package):
            seen.append(len(vars(package)["members"]))
            assert member.name
    assert len(seen) == 2000 and max(seen) == 0


def test_unpacking_stops_at_the_free_space_of_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 kB that declare 50 MB of zeros; the volume has 20 MB free beyond the reserve.
    monkeypatch.setattr(archives, "free_bytes", lambda folder: archives.MIN_RESERVE + 20_000_000)
    archive = write(tmp_path / "sparse.tar", sparse_tar(50_000_000))
    assert archive.stat().st_size < 16_000
    with pytest.raises(UnsafeArchive, match="free space") as refused, unpack(archive):
        pass
    assert "TMPDIR" in str(refused.value)
    assert not live_areas()


def test_the_unpack_limit_leaves_a_reserve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archives, "free_bytes", lambda folder: 100 * 1024**3)
    assert archives.unpack_limit(tmp_path) == 90 * 1024**3
    monkeypatch.setattr(archives, "free_bytes", lambda folder: archives.MIN_RESERVE // 2)
    assert archives.unpack_limit(tmp_path) == 0


def test_a_member_past_path_max_is_skipped_with_the_reason(tmp_path: Path) -> None:
    deep = "/".join(["d" * 200] * (PATH_MAX // 200 + 1)) + "/gen.png"
    archive = write(tmp_path / "deep.zip", zip_bytes({"ok.txt": b"x", deep: b"png"}))
    with unpack(archive) as done:
        assert (done.root / "ok.txt").exists()
        assert [why for _, why in done.skipped] == [f"{TOO_LONG} once unpacked: not unpacked"]


def test_the_temporary_area_goes_on_an_exception(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pkg.zip", {"a.txt": b"x"})
    with pytest.raises(RuntimeError), unpack(archive) as done:
        raise RuntimeError
    assert not done.root.exists() and not live_areas()


def _fifo_with_data_tar(path: Path, size: int) -> Path:
    """A .tar.gz whose FIFO member declares ``size`` bytes of data (zeros): all of it must be
    decompressed to reach the next header, though a FIFO is never extracted."""
    info = tarfile.TarInfo("pipe")
    info.type, info.size = tarfile.FIFOTYPE, size
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as package:
        package.addfile(info)  # the header claims the data; write it as zeros behind it
        assert package.fileobj is not None
        zeros = b"\0" * (1024 * 1024)
        for _ in range(size // len(zeros)):
            package.fileobj.write(zeros)
        package.offset += size
        package.addfile(tarfile.TarInfo("after"), io.BytesIO(b""))
    return write(path, buffer.getvalue())


def test_data_behind_a_skipped_member_counts_against_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipping is not free: the bytes a reader passes over are counted like bytes written."""
    monkeypatch.setattr(archives, "free_bytes", lambda folder: archives.MIN_RESERVE + 8_000_000)
    archive = _fifo_with_data_tar(tmp_path / "pipe.tar.gz", 16 * 1024 * 1024)
    with pytest.raises(UnsafeArchive, match="free space"), unpack(archive):
        pass
    assert not live_areas()


def test_an_archive_that_takes_too_long_for_its_bytes_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock: a base plus time per byte; an archive past it is refused, not waited for."""
    monkeypatch.setattr(archives, "UNPACK_BASE_SECONDS", -1.0)
    archive = make_tar(tmp_path / "slow.tar", {"a.txt": b"a", "b.txt": b"b"})
    with pytest.raises(UnsafeArchive, match="took longer than"), unpack(archive):
        pass
    monkeypatch.setattr(archives, "UNPACK_BASE_SECONDS", 60.0)
    with unpack(archive) as unpacked:
        assert (unpacked.root / "b.txt").read_bytes() == b"b"
