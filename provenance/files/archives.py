"""Reading a hand-off archive safely.

Deliverables often arrive as ``.zip``, ``.tar`` or ``.tar.gz``. An archive is
hostile until proven otherwise: member names can climb out of the target
(``../../etc/passwd``, absolute paths), links can point anywhere, and a small
file can inflate to terabytes. So an archive is unpacked only into a private
temporary folder, member by member, after checks:

* a name that is absolute or climbs with ``..`` refuses the whole archive;
* symbolic and hard links are never created: they are reported instead;
* devices, FIFOs and other special members are reported and skipped;
* the number of members and the total uncompressed size are capped, and the
  size is counted while copying, not trusted from the header.
"""

from __future__ import annotations

import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from provenance.errors import ProvenanceError

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 256 * 1024**3
COPY_CHUNK = 1024 * 1024
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
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


@contextmanager
def unpack(archive: Path, limit_bytes: int = MAX_TOTAL_BYTES) -> Iterator[Unpacked]:
    """Unpack ``archive`` into a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="provenance-audit-") as tmp:
        result = Unpacked(Path(tmp) / "package")
        result.root.mkdir()
        try:
            _unpack_into(archive, result, limit_bytes)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise UnsafeArchive(
                f"cannot read archive ({exc})",
                where=archive,
                fix="check the file is a complete .zip or .tar(.gz)",
            ) from exc
        yield result


def _unpack_into(archive: Path, result: Unpacked, limit: int) -> None:
    budget = _Budget(archive, limit)
    if archive.name.lower().endswith(".zip"):
        _unpack_zip(archive, result, budget)
    else:
        _unpack_tar(archive, result, budget)


@dataclass
class _Budget:
    archive: Path
    limit: int
    members: int = 0
    written: int = 0

    def member(self) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise UnsafeArchive(
                f"archive holds more than {MAX_MEMBERS} members",
                where=self.archive,
                fix="audit it unpacked, or split the package",
            )

    def spend(self, count: int) -> None:
        self.written += count
        if self.written > self.limit:
            raise UnsafeArchive(
                f"archive unpacks to more than {self.limit} bytes",
                where=self.archive,
                fix="audit it unpacked on a volume you trust",
            )


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


def _unpack_zip(archive: Path, result: Unpacked, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as package:
        for info in package.infolist():
            budget.member()
            target = safe_member_path(result.root, info.filename, archive)
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:
                result.skipped.append((info.filename, "symbolic link in archive (not followed)"))
            elif info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                with package.open(info) as source:
                    _copy(source, target, budget)


def _unpack_tar(archive: Path, result: Unpacked, budget: _Budget) -> None:
    with tarfile.open(archive, mode="r:*") as package:
        for member in package:
            budget.member()
            target = safe_member_path(result.root, member.name, archive)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.issym() or member.islnk():
                result.skipped.append(
                    (member.name, f"link to '{member.linkname}' in archive (not followed)")
                )
            elif not member.isfile():
                result.skipped.append((member.name, "special member (device or FIFO), not content"))
            else:
                source = package.extractfile(member)
                if source is not None:
                    with source:
                        _copy(source, target, budget)


def _copy(source: IO[bytes], target: Path, budget: _Budget) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise UnsafeArchive(
            f"archive holds two members named '{target.name}'",
            where=budget.archive,
            fix="the package is ambiguous; ask the vendor for a clean one",
        )
    with target.open("xb") as sink:
        while chunk := source.read(COPY_CHUNK):
            budget.spend(len(chunk))
            sink.write(chunk)
