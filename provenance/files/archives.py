"""Reading a hand-off archive safely.

Deliverables often arrive as ``.zip``, ``.tar`` or ``.tar.gz``. An archive is
hostile until proven otherwise: member names can climb out of the target
(``../../etc/passwd``, absolute paths), links can point anywhere, a small
file can inflate to terabytes, and an index can be larger than the memory
that reads it. So an archive is unpacked only into a private temporary folder
(:mod:`provenance.files.scratch`), member by member, after checks:

* a name that is absolute or climbs with ``..`` refuses the whole archive;
* symbolic and hard links are never created: they are reported instead;
* devices, FIFOs and other special members are reported and skipped, and so
  are members whose path would be longer than the system allows (PATH_MAX);
* the number of members is capped, and counted before anything is held in
  memory: a zip's index is measured before :mod:`zipfile` reads it
  (:mod:`provenance.files.zipdir`), a tar is read one header at a time;
* the total unpacked size is capped by a :class:`Budget` that is tied to the
  free space of the temporary folder: a member whose declared size does not
  fit is refused before a byte is written, and what is written is counted
  while copying, not trusted from the header (a sparse tar member of a few
  bytes can declare gigabytes of zeros).

One budget serves a package and every archive nested in it, so nesting does
not multiply the limits.
"""

from __future__ import annotations

import shutil
import tarfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from provenance.errors import ProvenanceError
from provenance.files.opening import open_regular
from provenance.files.scratch import TempArea
from provenance.files.walk import TOO_LONG, path_too_long
from provenance.files.zipdir import DirectoryTooLarge, check_directory

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 256 * 1024**3
MAX_INDEX_BYTES = 128 * 1024**2  # a zip's central directory, read whole by zipfile
MIN_RESERVE = 1024**3  # free space an unpack always leaves in the temporary folder
COPY_CHUNK = 1024 * 1024
# The unpacking clock: a base, plus time for every byte unpacked or passed over
# at the pace of the slowest honest codec (bzip2, about 20 MB/s). An archive
# that spends time without producing bytes (members skipped one after another,
# a decoder crawling through a crafted stream) runs out of it and is refused.
UNPACK_BASE_SECONDS = 60.0
UNPACK_BYTES_PER_SECOND = 20 * 1024**2
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")


class UnsafeArchive(ProvenanceError):
    """An archive that cannot be unpacked safely; the audit refuses it."""


@dataclass
class Unpacked:
    """An archive unpacked into ``root``, and the members that were not."""

    root: Path
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member, reason)


def is_archive(path: Path) -> bool:
    """True for the archive types the audit reads."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES) and path.is_file()


def free_bytes(folder: Path) -> int:
    """Free space on the volume that holds ``folder``."""
    return shutil.disk_usage(folder).free


def unpack_limit(folder: Path) -> int:
    """How many bytes may be unpacked into ``folder``: the cap, or the free space less a reserve.

    The reserve is a tenth of the free space, and at least :data:`MIN_RESERVE`,
    so an audit never fills the volume other work shares.
    """
    free = free_bytes(folder)
    return max(0, min(MAX_TOTAL_BYTES, free - max(MIN_RESERVE, free // 10)))


@dataclass
class Budget:
    """What unpacking may still spend: members and bytes, shared by nested archives."""

    limit: int
    members: int = 0
    written: int = 0
    started: float = field(default_factory=time.monotonic)

    def member(self, archive: Path) -> None:
        """Count one more member; refuse the archive past :data:`MAX_MEMBERS` or its clock."""
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise UnsafeArchive(
                f"archive holds more than {MAX_MEMBERS} members",
                where=archive,
                fix="audit it unpacked, or split the package",
            )
        self.on_time(archive)

    def on_time(self, archive: Path) -> None:
        """Refuse the archive once unpacking has taken longer than its bytes justify."""
        allowed = UNPACK_BASE_SECONDS + self.written / UNPACK_BYTES_PER_SECOND
        if time.monotonic() - self.started > allowed:
            raise UnsafeArchive(
                f"archive took longer than {allowed:.0f} s to unpack ({self.written} bytes"
                " so far): refused rather than waited for",
                where=archive,
                fix="audit it unpacked, or repack it without what is slow to read",
            )

    def claim(self, declared: int, archive: Path) -> None:
        """Refuse a member whose declared size does not fit, before writing it."""
        if self.written + declared > self.limit:
            self._refuse(archive)

    def spend(self, count: int, archive: Path) -> None:
        """Count bytes as they are written (or passed over)."""
        self.written += count
        if self.written > self.limit:
            self._refuse(archive)
        self.on_time(archive)

    def _refuse(self, archive: Path) -> None:
        raise UnsafeArchive(
            f"archive unpacks to more than {self.limit} bytes (the cap, or the temporary"
            " folder's free space less a reserve)",
            where=archive,
            fix="audit it unpacked, or point TMPDIR at a volume with more free space",
        )


@contextmanager
def unpack(archive: Path, limit_bytes: int | None = None) -> Iterator[Unpacked]:
    """Unpack ``archive`` into a temporary folder that is removed afterwards."""
    with TempArea() as area:
        root = area.folder("package")
        budget = Budget(unpack_limit(root) if limit_bytes is None else limit_bytes)
        yield Unpacked(root, unpack_into(archive, root, budget))


def unpack_into(archive: Path, root: Path, budget: Budget) -> list[tuple[str, str]]:
    """Unpack ``archive`` into the empty folder ``root``; the members skipped, with why.

    Raises :class:`UnsafeArchive` when the archive is refused as a whole.
    """
    skipped: list[tuple[str, str]] = []
    try:
        if archive.name.lower().endswith(".zip"):
            _unpack_zip(archive, root, budget, skipped)
        else:
            _unpack_tar(archive, root, budget, skipped)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise UnsafeArchive(
            f"cannot read archive ({exc})",
            where=archive,
            fix="check the file is a complete .zip or .tar(.gz)",
        ) from exc
    return skipped


def safe_member_path(root: Path, name: str, archive: Path) -> Path:
    """Where a member may be written below ``root``; raises for names that escape."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise UnsafeArchive(
            f"archive member '{name}' would be written outside the package",
            where=archive,
            fix="the package is refused; ask the vendor for a clean one",
        )
    target = root.joinpath(*[p for p in pure.parts if p not in ("", ".")])
    if target != root and root not in target.parents:
        raise UnsafeArchive(f"archive member '{name}' escapes the package", where=archive)
    return target


def _unpack_zip(archive: Path, root: Path, budget: Budget, skipped: list[tuple[str, str]]) -> None:
    with open_regular(archive) as source:
        try:
            check_directory(source, MAX_MEMBERS - budget.members, MAX_INDEX_BYTES)
        except DirectoryTooLarge as exc:
            raise UnsafeArchive(
                f"archive refused: its index {exc} (at most {MAX_MEMBERS} members in a"
                " package, counting every archive in it)",
                where=archive,
                fix="audit it unpacked, or split the package",
            ) from exc
        with zipfile.ZipFile(source) as package:
            for info in package.infolist():
                budget.member(archive)
                target = safe_member_path(root, info.filename, archive)
                mode = (info.external_attr >> 16) & 0o170000
                if mode == 0o120000:
                    skipped.append((info.filename, "symbolic link in archive (not followed)"))
                elif (why := _unwritable(target)) is not None:
                    skipped.append((info.filename, why))
                elif info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                else:
                    budget.claim(info.file_size, archive)
                    with package.open(info) as member:
                        _copy(member, target, budget, archive)


def _unpack_tar(archive: Path, root: Path, budget: Budget, skipped: list[tuple[str, str]]) -> None:
    with tarfile.open(archive, mode="r:*") as package:
        for member in _headers(package):
            budget.member(archive)
            target = safe_member_path(root, member.name, archive)
            if not member.isfile() and member.size:
                # Data behind a member that is not extracted is still read past
                # (decompressed, for .tar.gz): it counts like bytes written.
                budget.claim(member.size, archive)
                budget.spend(member.size, archive)
            if member.issym() or member.islnk():
                link = f"link to '{member.linkname}' in archive (not followed)"
                skipped.append((member.name, link))
            elif not (member.isdir() or member.isfile()):
                skipped.append((member.name, "special member (device or FIFO), not content"))
            elif (why := _unwritable(target)) is not None:
                skipped.append((member.name, why))
            elif member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                budget.claim(member.size, archive)
                source = package.extractfile(member)
                if source is not None:
                    with source:
                        _copy(source, target, budget, archive)


def _headers(package: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    # TarFile keeps every header it has read (a 200,000-member tar held
    # hundreds of megabytes of them); each is used once, so none is kept.
    while (member := package.next()) is not None:
        package.members.clear()  # type: ignore[attr-defined]  # not in typeshed's TarFile
        yield member


def _unwritable(target: Path) -> str | None:
    if path_too_long(target):
        return f"{TOO_LONG} once unpacked: not unpacked"
    return None


def _copy(source: IO[bytes], target: Path, budget: Budget, archive: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise UnsafeArchive(
            f"archive holds two members named '{target.name}'",
            where=archive,
            fix="the package is ambiguous; ask the vendor for a clean one",
        )
    with target.open("xb") as sink:
        while chunk := source.read(COPY_CHUNK):
            budget.spend(len(chunk), archive)
            sink.write(chunk)
