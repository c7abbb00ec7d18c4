"""Hostile packages, built when a test runs: never a bomb committed to the repository.

Each generator writes the smallest input that shows the attack: a folder the
auditor cannot list, a tree deeper than PATH_MAX, archives nested in
archives, a zip whose end record claims a million entries, a sparse tar that
declares gigabytes in a few kilobytes.
"""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from provenance.files.walk import PATH_MAX

Members = Mapping[str, bytes]


def zip_bytes(members: Members) -> bytes:
    """A zip holding ``members`` (name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: Members, compressed: bool = True) -> bytes:
    """A tar (gzipped unless told not to) holding ``members``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compressed else "w") as package:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            package.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    """``data`` written at ``path``, its folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def nested_zips(levels: int, members: Members, name: str = "inner.zip") -> bytes:
    """``members`` inside a zip inside a zip ..., ``levels`` zips in all, each named ``name``."""
    data = zip_bytes(members)
    for _ in range(levels - 1):
        data = zip_bytes({name: data})
    return data


def zip_claiming(entries: int, members: Members) -> bytes:
    """A small zip whose zip64 end record claims ``entries`` entries (the real ones stay)."""
    data = zip_bytes(members)
    end = data.rfind(b"PK\x05\x06")
    fields = struct.unpack_from("<4s4H2LH", data, end)
    size, offset = fields[5], fields[6]
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, size, offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    short = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, size, offset, 0)
    return data[:end] + record + locator + short


def zip_lying_count(count: int, claimed: int) -> bytes:
    """A zip of ``count`` tiny entries whose end record says there are ``claimed``."""
    data = bytearray(zip_bytes({f"f{i}.txt": b"" for i in range(count)}))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<2H", data, end + 8, claimed, claimed)
    return bytes(data)


def sparse_tar(declared: int, name: str = "zeros.bin") -> bytes:
    """An uncompressed tar of a few kilobytes whose one sparse member unpacks to ``declared`` bytes.

    GNU sparse format 0.1 in PAX headers: the map says one 512-byte block of
    data is stored, and the member's real size is ``declared``; a reader fills
    the rest with zeros.
    """
    info = tarfile.TarInfo(name)
    info.size = 512
    info.pax_headers = {
        "GNU.sparse.size": str(declared),
        "GNU.sparse.numblocks": "1",
        "GNU.sparse.map": "0,512",
        "GNU.sparse.name": name,
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as package:
        package.addfile(info, io.BytesIO(b"\x01" * 512))
    return buffer.getvalue()


def deep_tree(top: Path, leaf: bytes = b"deep") -> Path:
    """Folders below ``top`` nested past PATH_MAX, with ``leaf.txt`` at the bottom; the first one.

    Made through folder descriptors, since no path that long can be opened.
    """
    top.mkdir(parents=True, exist_ok=True)
    name = "d" * 200
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(PATH_MAX // len(name) + 2):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        leaf_fd = os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(leaf_fd, leaf)
        os.close(leaf_fd)
    finally:
        os.close(fd)
    return top / name


def chain(top: Path, levels: int) -> None:
    """``levels`` folders named ``d``, each in the last, below ``top``, with a file ``leaf``."""
    fd = os.open(top, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    os.close(fd)


def unchain(top: Path, levels: int) -> None:
    """Remove what :func:`chain` made (shutil.rmtree recurses, and would run out of stack)."""
    fds = [os.open(top, os.O_RDONLY)]
    for _ in range(levels):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("leaf", dir_fd=fds.pop())
    while fds:
        fd = fds.pop()
        os.rmdir("d", dir_fd=fd)
        os.close(fd)


@contextmanager
def unlistable(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``folder`` with mode 000, so its files cannot be listed; restored afterwards.

    Root lists any folder whatever its mode, so there listing it is refused
    as the system would refuse anyone else.
    """
    folder.chmod(0)
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "scandir", _refusing(os.scandir, folder))
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def _refusing(scandir: Callable[..., object], folder: Path) -> Callable[..., object]:
    def refuse(path: object = ".") -> object:
        if isinstance(path, str | os.PathLike) and Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(folder))
        return scandir(path)

    return refuse


# A `provenance audit` that stops for good after unpacking its first member:
# the moment a signal is most costly. It says so by creating <TMPDIR>/unpacking.
STALLED_AUDIT = """
import sys, threading
from pathlib import Path
from provenance.cli import main
from provenance.files import archives

copy = archives._copy
said = Path(sys.argv[1]) / "unpacking"

def stalled(*args):
    copy(*args)
    said.touch()
    threading.Event().wait()

archives._copy = stalled
sys.argv = ["provenance", "audit", *sys.argv[2:]]
main()
"""
