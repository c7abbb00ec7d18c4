"""What a ``stat`` mode describes, in the words every message uses ("a FIFO", "a folder").

Here, not in :mod:`provenance.files`, because the settings name a settings
path that is no file in the same words, and the files room reads settings.
"""

from __future__ import annotations

import stat

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
