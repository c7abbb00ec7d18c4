"""What a path names, and what a ``stat`` mode describes in the words every message uses
("a FIFO", "a folder"); and whether anything is at a path at all (:func:`may_exist`).

Here, not in :mod:`provenance.files`, because the settings name a settings
path that is no file in the same words, and the files room reads settings.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),  # an lstat's mode
)


def kind_of(mode: int) -> str:
    """What a ``stat`` mode describes, in words (for reasons)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def mode_of(path: str | os.PathLike[str]) -> int | None:
    """``path``'s ``stat`` mode (links followed), or None where there is nothing to stat.

    For a name a person typed: unlike :meth:`Path.is_file`, which raises on a
    name too long for the system (``ENAMETOOLONG``) or a permission denied
    below it, any failure to stat means "not there".
    """
    try:
        return Path(path).stat().st_mode
    except (OSError, ValueError):
        return None


def is_regular(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a regular file now (see :func:`mode_of`)."""
    mode = mode_of(path)
    return mode is not None and stat.S_ISREG(mode)


def is_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a folder now (see :func:`mode_of`)."""
    mode = mode_of(path)
    return mode is not None and stat.S_ISDIR(mode)


def may_exist(path: str | os.PathLike[str]) -> bool:
    """False only when the system says nothing is at ``path``; True when it cannot tell.

    :func:`os.path.lexists` is False for *any* failure to look: a file in a
    folder this user may not enter (``EACCES``), a share giving I/O errors.
    The ledger must not record such a file as removed, nor take a copy of it
    elsewhere for a move: only "no such file" (``ENOENT``, or ``ENOTDIR`` when
    a folder on the way became a file) says it is gone.
    """
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True
