"""Walking folders: which files a scan or an audit should look at.

Regular files are yielded; everything else a folder can hold is reported as
a :class:`Skipped` item with the reason, never silently dropped: special files
(FIFOs would block a reader forever, devices are not content), broken
symbolic links, links not followed, folders that cannot be listed, and paths
longer than the system lets a program open (``PATH_MAX``, or one name past
``NAME_MAX``). Names matching the ignore patterns (editor swap files, partial
downloads, OS litter) are passed over. Links to folders are never followed,
so a loop of links cannot make a walk endless; folders are walked with a
stack, not recursion, so no depth of nesting can exhaust Python's.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from provenance.settings import Settings
from provenance.util.file_kinds import kind_of


def _system_limit(name: str, default: int) -> int:
    try:
        return os.pathconf("/", name)
    except (OSError, ValueError, AttributeError):  # not every system names every limit
        return default


PATH_MAX = _system_limit("PC_PATH_MAX", 4096)
NAME_MAX = _system_limit("PC_NAME_MAX", 255)
TOO_LONG = (
    f"path longer than the system allows (PATH_MAX {PATH_MAX} bytes, or a name past {NAME_MAX})"
)


def path_too_long(path: Path) -> bool:
    """True for a path no program can open by name: PATH_MAX bytes or more, or a name too long."""
    raw = os.fsencode(path)
    return len(raw) >= PATH_MAX or any(len(name) > NAME_MAX for name in raw.split(b"/"))


def cannot_list(exc: OSError) -> str:
    """Why a folder's files were not seen: the words scan, classify and the audit all use."""
    return f"cannot list folder: {exc.strerror or exc}"


def list_folder(folder: Path) -> Sequence[os.DirEntry[str]] | str:
    """The folder's entries sorted by name, or why they cannot be listed."""
    if path_too_long(folder):
        return TOO_LONG
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        return cannot_list(exc)


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
    """Yield every file below ``roots`` (or the roots themselves when they are files), once."""
    for root in distinct_roots(roots, settings.is_ignored):
        yield from _walk_root(root, settings)


def distinct_roots(
    roots: Iterable[Path], ignored: Callable[[str], bool] = lambda name: False
) -> list[Path]:
    """``roots`` made absolute, in the order given, less those the walk of another reaches.

    ``scan show show/sh010 show/sh010/plate.exr`` names one file three times:
    walked three times, it was counted, hashed and reported three times
    ("3 files seen, 2 unchanged"). A root stays when no walk would reach it:
    missing (its error is reported), behind a link to a folder (not walked),
    or under a name the ``ignored`` patterns pass over.
    """
    unique = list(dict.fromkeys(absolute(root) for root in roots))
    folders = {root for root in unique if _is_folder(root)}
    return [root for root in unique if not _reached_from(root, folders, ignored)]


def _reached_from(path: Path, folders: set[Path], ignored: Callable[[str], bool]) -> bool:
    if not os.path.lexists(path) or ignored(path.name):
        return False
    for parent in path.parents:  # nearest first: each step down must be a walked folder
        if parent in folders:
            return True
        if ignored(parent.name) or not _is_folder(parent):
            return False
    return False


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


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


def _walk_dir(top: Path, settings: Settings) -> Iterator[Path | Skipped]:
    for found in tree(top, settings.is_ignored):
        yield found if isinstance(found, Skipped) else _classify_entry(*found, settings)


def tree(
    top: Path, ignored: Callable[[str], bool] = lambda name: False
) -> Iterator[tuple[Path, os.stat_result] | Skipped]:
    """Everything below the folder ``top`` but folders, with its ``lstat``; or why it was not seen.

    Folders are descended, never yielded; an ``ignored`` name is passed over.
    A stack of listings is kept, not a recursion, so no depth of nesting
    exhausts Python's; the order is depth first, by name, so a folder's
    files come before its later siblings.
    """
    stack: list[Iterator[os.DirEntry[str]]] = []
    yield from _open(top, stack)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
        elif not ignored(entry.name):
            yield from _visit(Path(entry.path), entry, stack)


def _open(folder: Path, stack: list[Iterator[os.DirEntry[str]]]) -> Iterator[Skipped]:
    listed = list_folder(folder)
    if isinstance(listed, str):
        yield Skipped(folder, listed)
    else:
        stack.append(iter(listed))


def _visit(
    path: Path, entry: os.DirEntry[str], stack: list[Iterator[os.DirEntry[str]]]
) -> Iterator[tuple[Path, os.stat_result] | Skipped]:
    if path_too_long(path):
        yield Skipped(path, TOO_LONG)
        return
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        yield Skipped(path, f"cannot access: {exc.strerror or exc}")
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _open(path, stack)
    else:
        yield path, info


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
    return Skipped(path, f"special file ({kind_of(info.st_mode)}), not content")


def _link(path: Path, settings: Settings) -> Path | Skipped:
    try:
        target = path.stat()
    except OSError:
        return Skipped(path, "broken symbolic link")
    if stat.S_ISDIR(target.st_mode):
        return Skipped(path, "symbolic link to a folder (not followed)")
    if not stat.S_ISREG(target.st_mode):
        return Skipped(path, f"symbolic link to a special file ({kind_of(target.st_mode)})")
    if not settings.follow_symlinks:
        return Skipped(path, "symbolic link (not followed; set follow_symlinks = true to follow)")
    return path
