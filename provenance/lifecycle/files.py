"""Moving files without losing a byte, and the quarantine folder's manifest.

:func:`move_verified` never overwrites and never leaves a file in two minds:

* on one filesystem it hard-links the file to its new name (which fails if
  that name exists, unlike a rename) and then unlinks the old name, so the
  bytes never move at all;
* across filesystems (or where hard links are not allowed) it copies into a
  new file opened exclusively, flushes it to disk, checks the copy's SHA-256,
  and only then unlinks the original.

Either way the file at the destination is hashed before the original name
goes, and a mismatch leaves the original where it was.

Only bytes move, never links. The source is opened with ``O_NOFOLLOW`` and
hashed through that descriptor; the copy is made from the same descriptor;
a hard link must turn out to share its inode; and the source's name is
removed only while it still names that inode. So a file swapped for a
symbolic link between ``expire`` and ``purge`` (or during the move) is
refused, never "moved" as a link while the bytes stay behind. A disk or
quota that fills up midway (``ENOSPC``, ``EDQUOT``) leaves no partial file
and raises :class:`~provenance.errors.OutOfSpace`.

The quarantine folder keeps ``manifest.jsonl``: one JSON line per move in or
out and per deletion (action, SHA-256, host, original path, quarantine path,
time, user), flushed to disk before the ledger records the change, so the
folder explains itself even if the ledger cannot be reached. A move in is
listed before it is made (and listed ``undone`` if it fails or its record
cannot be written), so a purge killed midway can be finished
(:mod:`provenance.lifecycle.interrupted`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import logging
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from provenance.errors import NO_ROOM, OutOfSpace, TransitionRefused, UnreadableFile
from provenance.files.hashing import sha256_file
from provenance.files.opening import open_fd
from provenance.settings import APP_NAME, Settings
from provenance.util.atomic import sync_folder
from provenance.util.file_kinds import kind_of
from provenance.util.names import escape_surrogates

log = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"
# Errors of os.link that mean "hard links cannot do this here": copy instead.
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK, errno.EACCES}


def quarantine_root(settings: Settings) -> Path:
    """The quarantine folder: the ``quarantine_dir`` setting, or one in the user data dir."""
    if settings.quarantine_dir:
        return Path(settings.quarantine_dir).expanduser().absolute()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "quarantine"


def quarantine_target(root: Path, sha256: str, original: Path, stamp: str) -> Path:
    """A new, unused place for a copy of ``sha256`` in the quarantine folder."""
    folder = root / sha256[:2] / sha256
    candidate = folder / f"{stamp}-{original.name}"
    number = 1
    while os.path.lexists(candidate):
        number += 1
        candidate = folder / f"{stamp}-{number}-{original.name}"
    return candidate


def content_hash(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read."""
    try:
        return sha256_file(path).sha256
    except UnreadableFile:
        return None


def move_verified(source: Path, destination: Path, sha256: str) -> None:
    """Move ``source`` to ``destination`` (which must not exist), checking the bytes arrived.

    Only a regular file is moved, never a link: the source is opened without
    following links, its bytes are hashed through that descriptor, and it is
    that very file (same device and inode) that is linked or copied and whose
    name is removed. A swap at any moment is refused, and the move undone.
    Running out of room (:class:`~provenance.errors.OutOfSpace`) leaves nothing
    behind at the destination.
    """
    with pinned(source, sha256) as pin:
        move_pinned(pin, destination)


def move_pinned(pin: Pinned, destination: Path) -> None:
    """:func:`move_verified` for a source already :func:`pinned` (and so already hashed)."""
    source = pin.source
    try:
        _make_folder(destination.parent)
        _link_or_copy(source, pin.descriptor, pin.info, destination)
    except FileExistsError as exc:
        raise TransitionRefused(
            "a file already exists there",
            where=destination,
            fix="move it away first; nothing was overwritten",
        ) from exc
    except OSError as exc:
        if exc.errno in NO_ROOM:
            raise _no_room(exc, destination) from exc
        raise _not_moved(exc, source, destination) from exc
    _check_arrived(source, destination, pin.sha256)
    _unlink_same(source, pin.info, destination)
    sync_folder(source.parent)
    sync_folder(destination.parent)


def drop_moved_source(source: Path, destination: Path, sha256: str) -> None:
    """Remove the name ``source`` that a killed move left beside its copy at ``destination``.

    The copy must hold ``sha256`` (the caller checked it). The name is removed only while it
    still names a regular file holding those bytes, the file that was hashed: one
    written there since is another file, and is left.
    """
    try:
        with pinned(source, sha256) as pin:
            if not _still_names(source, pin.info):
                return  # replaced since it was hashed: a file of its own now
            source.unlink()
    except TransitionRefused:
        return  # no longer the bytes that were moved: a file of its own now
    except OSError as exc:
        raise TransitionRefused(
            f"cannot remove the original ({exc.strerror}); its copy in quarantine waits",
            where=source,
            fix="check the folder's permissions and purge again",
        ) from exc
    sync_folder(source.parent)


@dataclass(frozen=True)
class Pinned:
    """A source file held open (without following links) and hashed through that descriptor."""

    source: Path
    sha256: str
    descriptor: int
    info: os.stat_result


@contextmanager
def pinned(source: Path, sha256: str) -> Iterator[Pinned]:
    """The source opened without following links, a regular file holding ``sha256``.

    Refused (:class:`~provenance.errors.TransitionRefused`) when it is a link,
    not a regular file, missing, unreadable or other bytes: a caller that lists
    a move before making it pins first, so a refusal lists nothing.
    """
    refuse_links(source)
    try:
        descriptor, info = open_fd(source, follow=False)
    except FileNotFoundError as exc:
        raise TransitionRefused(
            "this copy is missing (deleted or moved since it was seen); nothing was moved",
            where=source,
            fix="rescan its folder",
        ) from exc
    except OSError as exc:
        raise TransitionRefused(
            f"cannot open the file ({exc.strerror or exc}); it was left where it is",
            where=source,
            fix="quarantine moves regular files only: rescan it",
        ) from exc
    try:
        try:
            same = _fd_hash(descriptor) == sha256
        except OSError as exc:
            raise TransitionRefused(
                f"cannot read the file ({exc.strerror or exc}); it was left where it is",
                where=source,
                fix="check the disk, then rescan it",
            ) from exc
        if not same:
            raise TransitionRefused(
                "this copy is no longer the recorded content",
                where=source,
                fix="rescan it; it was left where it is",
            )
        yield Pinned(source, sha256, descriptor, info)
    finally:
        os.close(descriptor)


def refuse_links(path: Path) -> None:
    """Raise :class:`TransitionRefused` unless ``path`` itself is a regular file (not a link)."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return  # missing: the caller's open says so
    if stat.S_ISLNK(mode):
        raise TransitionRefused(
            "this copy is a symbolic link, not the file; refused, nothing was moved",
            where=path,
            fix="quarantine moves files, never links: find and rescan the file it points to",
        )
    if not stat.S_ISREG(mode):
        raise TransitionRefused(
            f"this copy is not a regular file (it is {kind_of(mode)}); refused",
            where=path,
            fix="rescan it; nothing was moved",
        )


def _fd_hash(descriptor: int) -> str:
    digest = hashlib.sha256()
    os.lseek(descriptor, 0, os.SEEK_SET)
    while chunk := os.read(descriptor, 1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def _check_arrived(source: Path, destination: Path, sha256: str) -> None:
    if content_hash(destination) != sha256:
        destination.unlink()
        raise TransitionRefused(
            "the moved bytes do not match the ledger's hash; move undone",
            where=source,
            fix="rescan the file: it changed",
        )


def _unlink_same(source: Path, info: os.stat_result, destination: Path) -> None:
    """Remove the source's name, but only while it still names the file that was moved."""
    if not _still_names(source, info):
        destination.unlink()
        raise TransitionRefused(
            "the file was replaced while it was being moved; move undone",
            where=source,
            fix="rescan it and purge again",
        )
    try:
        source.unlink()
    except OSError as exc:
        destination.unlink()
        raise TransitionRefused(
            f"cannot remove the original ({exc.strerror}); move undone",
            where=source,
            fix="check the folder's permissions",
        ) from exc


def _still_names(source: Path, info: os.stat_result) -> bool:
    """Whether ``source`` still names the file ``info`` describes (the one that was hashed)."""
    try:
        now = source.lstat()
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file in the way: not "a file already exists there"
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) from exc


def _not_moved(exc: OSError, source: Path, destination: Path) -> TransitionRefused:
    """Why a move could not start: the source vanished, or its new folder cannot take it."""
    if exc.errno == errno.ENOENT and not os.path.lexists(source):
        return TransitionRefused(
            "the file vanished while it was being moved (another purge or restore?)",
            where=source,
            fix="rescan its folder; nothing was moved",
        )
    return TransitionRefused(
        f"cannot create the file in this folder ({exc.strerror or exc}); nothing was moved",
        where=destination.parent,
        fix="make it a writable folder (for purge, or set quarantine_dir elsewhere), then run "
        "the command again",
    )


def _no_room(exc: OSError, destination: Path) -> OutOfSpace:
    return OutOfSpace(
        f"no room left ({exc.strerror or exc}); this copy was not moved (any moved before it "
        "are recorded)",
        where=destination.parent,
        fix="free space or quota there (or set quarantine_dir elsewhere), then run purge again: "
        "it finishes what is left",
    )


def _link_or_copy(source: Path, descriptor: int, info: os.stat_result, destination: Path) -> None:
    """A hard link where the filesystem allows one, else a copy; FileExistsError if taken.

    The link names whatever the source's name holds at that instant, so it
    must turn out to be the verified file (same inode), or it is undone.
    """
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in _NO_LINK:  # EEXIST included: the caller refuses
            raise
        _copy_exclusive(descriptor, destination)
        try:
            shutil.copystat(source, destination, follow_symlinks=False)
        except OSError:
            destination.unlink()
            raise
        return
    linked = destination.lstat()
    if (linked.st_dev, linked.st_ino) != (info.st_dev, info.st_ino):
        destination.unlink()
        raise TransitionRefused(
            "the file was replaced while it was being moved; move undone",
            where=source,
            fix="rescan it and purge again",
        )


def _copy_exclusive(descriptor: int, destination: Path) -> None:
    os.lseek(descriptor, 0, os.SEEK_SET)
    try:
        with os.fdopen(os.dup(descriptor), "rb") as src, destination.open("xb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
    except FileExistsError:
        raise  # someone else's file: never unlinked below
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def append_manifest(root: Path, entry: Mapping[str, object]) -> None:
    """Add one line to the quarantine manifest, flushed to disk.

    A line that cannot be written whole (the disk full) is cut off again, so
    the manifest never holds half a line, and :class:`OutOfSpace` is raised;
    a folder that cannot be written raises :class:`TransitionRefused`.
    """
    line = escape_surrogates(json.dumps(dict(entry), ensure_ascii=False, sort_keys=True)) + "\n"
    data = memoryview(line.encode("utf-8"))
    with _open_manifest(root) as stream:
        size = stream.seek(0, os.SEEK_END)
        try:
            while data:
                data = data[stream.write(data) or 0 :]
            os.fsync(stream.fileno())
        except OSError as exc:
            stream.truncate(size)
            if exc.errno in NO_ROOM:
                raise _no_room(exc, root / MANIFEST) from exc
            raise _unwritable(exc, root) from exc


@contextmanager
def holding(root: Path) -> Iterator[None]:
    """The quarantine folder held by this command alone: one purge, restore or delete at a time.

    Two at once would each take the other's copy, moved but not yet
    recorded, for one a killed command left behind (see
    :mod:`provenance.lifecycle.interrupted`) and record it twice. The lock
    is on the manifest, so checking that the folder can be written comes
    with it; the system drops it when the process ends, even by ``SIGKILL``.
    """
    with _open_manifest(root) as stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise TransitionRefused(
                "another purge, restore or delete is moving files in this quarantine folder now",
                where=root,
                fix="wait for it to finish, then run the command again; nothing was moved",
            ) from exc
        except OSError as exc:  # a filesystem without locks: go on, as before there were any
            log.warning("cannot lock %s (%s); going on unlocked", root / MANIFEST, exc.strerror)
        yield


def _open_manifest(root: Path) -> io.FileIO:
    try:
        root.mkdir(parents=True, exist_ok=True)
        return (root / MANIFEST).open("ab", buffering=0)
    except OSError as exc:
        if exc.errno in NO_ROOM:
            raise _no_room(exc, root / MANIFEST) from exc
        raise _unwritable(exc, root) from exc


def _unwritable(exc: OSError, root: Path) -> TransitionRefused:
    why = "it is a file" if root.exists() and not root.is_dir() else exc.strerror or exc
    return TransitionRefused(
        f"cannot write the quarantine folder or its {MANIFEST} ({why})",
        where=root,
        fix="make it a writable folder, or set quarantine_dir to one; nothing was moved",
    )
