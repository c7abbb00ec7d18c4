"""Walking folders: which files a scan or an audit should look at.

Regular files are yielded; everything else a folder can hold is reported as
a :class:`Skipped` item with the reason, never silently dropped: special files
(FIFOs would block a reader forever, devices are not content), broken
symbolic links, links not followed, and folders that cannot be listed. Names
matching the ignore patterns (editor swap files, partial downloads, OS
litter) are passed over. Links to folders are never followed, so a loop of
links cannot make a walk endless.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from provenance.settings import Settings


@dataclass(frozen=True)
class Skipped:
    """A path that was not ingested, and why."""

    path: Path
    reason: str


def file_size(path: Path) -> int:
    """The file's size in bytes, or 0 when it cannot be stat'ed (it is reported later)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def absolute(path: Path) -> Path:
    """Absolute and normalized, without resolving symbolic links (the user's view of the path)."""
    return Path(os.path.normpath(path.absolute()))


def walk(roots: Iterable[Path], settings: Settings) -> Iterator[Path | Skipped]:
    """Yield every file below ``roots`` (or the roots themselves when they are files)."""
    for root in roots:
        yield from _walk_root(absolute(root), settings)


def _walk_root(root: Path, settings: Settings) -> Iterator[Path | Skipped]:
    try:
        info = root.lstat()
    except OSError as exc:
        yield Skipped(root, f"cannot access: {exc.strerror or exc}")
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk_dir(root, settings)
    else:
        yield _classify_entry(root, info, settings)


def _walk_dir(folder: Path, settings: Settings) -> Iterator[Path | Skipped]:
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        yield Skipped(folder, f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in listed:
        if settings.is_ignored(entry.name):
            continue
        path = folder / entry.name
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as exc:
            yield Skipped(path, f"cannot access: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(path, settings)
        else:
            yield _classify_entry(path, info, settings)


def check_file(path: Path, settings: Settings) -> Path | Skipped:
    """One path, judged as a walk would judge it: a file to ingest, or why it is skipped."""
    try:
        info = path.lstat()
    except OSError as exc:
        return Skipped(path, f"cannot access: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return Skipped(path, "a folder, not a file")
    return _classify_entry(path, info, settings)


def _classify_entry(path: Path, info: os.stat_result, settings: Settings) -> Path | Skipped:
    if stat.S_ISREG(info.st_mode):
        return path
    if stat.S_ISLNK(info.st_mode):
        return _link(path, settings)
    return Skipped(path, f"special file ({_kind_name(info.st_mode)}), not content")


def _link(path: Path, settings: Settings) -> Path | Skipped:
    try:
        target = path.stat()
    except OSError:
        return Skipped(path, "broken symbolic link")
    if stat.S_ISDIR(target.st_mode):
        return Skipped(path, "symbolic link to a folder (not followed)")
    if not stat.S_ISREG(target.st_mode):
        return Skipped(path, f"symbolic link to a special file ({_kind_name(target.st_mode)})")
    if not settings.follow_symlinks:
        return Skipped(path, "symbolic link (not followed; set follow_symlinks = true to follow)")
    return path


def _kind_name(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "named pipe"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return name
    return "unknown file type"
