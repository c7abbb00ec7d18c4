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

The quarantine folder keeps ``manifest.jsonl``: one JSON line per move in or
out and per deletion (action, SHA-256, host, original path, quarantine path,
time, user), flushed to disk before the ledger records the change, so the
folder explains itself even if the ledger cannot be reached.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from provenance.errors import TransitionRefused, UnreadableFile
from provenance.files.hashing import sha256_file
from provenance.settings import APP_NAME, Settings
from provenance.util.names import escape_surrogates

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
    """Move ``source`` to ``destination`` (which must not exist), checking the bytes arrived."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        _link_or_copy(source, destination)
    except FileExistsError as exc:
        raise TransitionRefused(
            "a file already exists there",
            where=destination,
            fix="move it away first; nothing was overwritten",
        ) from exc
    if content_hash(destination) != sha256:
        destination.unlink()
        raise TransitionRefused(
            "the moved bytes do not match the ledger's hash; move undone",
            where=source,
            fix="rescan the file: it changed",
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
    _sync_dir(source.parent)
    _sync_dir(destination.parent)


def _link_or_copy(source: Path, destination: Path) -> None:
    """A hard link where the filesystem allows one, else a copy; FileExistsError if taken."""
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in _NO_LINK:  # EEXIST included: the caller refuses
            raise
        _copy_exclusive(source, destination)


def _copy_exclusive(source: Path, destination: Path) -> None:
    try:
        with source.open("rb") as src, destination.open("xb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        shutil.copystat(source, destination)
    except FileExistsError:
        raise  # someone else's file: never unlinked below
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def _sync_dir(folder: Path) -> None:
    # A rename or unlink is durable only once its directory is flushed too.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems (and all of Windows) cannot fsync a directory
    finally:
        os.close(descriptor)


def append_manifest(root: Path, entry: Mapping[str, object]) -> None:
    """Add one line to the quarantine manifest, flushed to disk."""
    root.mkdir(parents=True, exist_ok=True)
    line = escape_surrogates(json.dumps(dict(entry), ensure_ascii=False, sort_keys=True)) + "\n"
    with (root / MANIFEST).open("a", encoding="utf-8") as stream:
        stream.write(line)
        stream.flush()
        os.fsync(stream.fileno())


def read_manifest(root: Path) -> list[dict[str, object]]:
    """Every manifest line, oldest first."""
    path = root / MANIFEST
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
