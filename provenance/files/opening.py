"""Opening a file to read its content: regular files only, decided at open time.

A listing says what a path *was*. Between the listing and the read, a file
can be swapped for a FIFO (a reader would wait forever for a writer), a
device or a link to ``/dev/zero`` (a reader would spin on endless zeros).
Checking the path first (``is_file``) only moves the race. So every reader
of content (hashing, media facts, the detectors and their container readers)
opens through :func:`open_regular`, which decides on the opened descriptor
itself:

* ``O_NONBLOCK``: opening a FIFO returns at once instead of waiting for a
  writer (it makes no difference to a regular file);
* ``fstat`` on the descriptor: anything but a regular file is refused with
  :class:`NotRegularFile`, before a single byte is read;
* ``O_NOFOLLOW`` when asked (``follow=False``): a path that became a link is
  refused too.

:class:`NotRegularFile` is an :class:`OSError`, so every reader that already
turns a read failure into a reason on the file does so for a swapped file.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from provenance.files.formats.once import kept, once
from provenance.util.file_kinds import kind_of


class NotRegularFile(OSError):
    """The path, once opened, is not a regular file (swapped for a FIFO, a device...)."""

    def __init__(self, path: str | os.PathLike[str] | os.PathLike[bytes] | bytes, kind: str):
        super().__init__(errno.EINVAL, f"not a regular file (it is {kind} now)", os.fspath(path))


def open_fd(path: str | os.PathLike[str], *, follow: bool = True) -> tuple[int, os.stat_result]:
    """Open ``path`` read-only, non-blocking; the descriptor and its ``stat``, or raise.

    Raises :class:`NotRegularFile` (the descriptor closed) for anything but a
    regular file, and the usual :class:`OSError` when it cannot be opened.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, kind_of(info.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd, info


class TooLarge(OSError):
    """A file read whole (:func:`read_regular`) is larger than its reader allows."""

    def __init__(self, path: str | os.PathLike[str], limit: int):
        super().__init__(errno.EFBIG, f"larger than {limit:,} bytes", os.fspath(path))


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The whole content of the small regular file ``path``: at most ``limit`` bytes, or raise.

    For the files a person names beside the media (a policy, a signature, a
    key, a checkpoint, an allowed_signers list): read whole, they would make
    a command wait forever on a FIFO with no writer, or read ``/dev/zero``
    until memory runs out. Raises :class:`NotRegularFile`, :class:`TooLarge`
    or the usual :class:`OSError`; all are ``OSError``.
    """
    fd, _info = open_fd(path)
    with io.FileIO(fd, "rb") as stream:
        data = _read_up_to(stream, limit + 1)
    if len(data) > limit:
        raise TooLarge(path, limit)
    return data


def _read_up_to(stream: io.FileIO, size: int) -> bytes:
    # FileIO.read returns what one read() call gave; a file on a network
    # share may give less than asked before its end.
    parts: list[bytes] = []
    while size > 0 and (part := stream.read(size)):
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def open_regular(path: str | os.PathLike[str], *, follow: bool = True) -> io.BufferedReader:
    """A buffered binary stream on ``path``, which must be a regular file when opened.

    Inside a pass (:func:`~provenance.files.formats.once.parsed_once`) the
    readers of one file share one descriptor, lent to each in turn from the
    start (:class:`LentStream`): a file's classification opened it three
    times (its head, its container's walk, the integrity check), each open
    costing more system calls than the reads, and every later reader finds
    the first block in the buffer. A reader that asks while an enclosing one
    holds it gets a descriptor of its own, as outside a pass.
    """
    keeper = kept() if follow else None
    if keeper is None:
        return io.BufferedReader(open_raw(path, follow=follow))
    key = (LentStream, os.fspath(path))
    held = keeper.get(key)
    if held is None:
        stream = LentStream(open_raw(path))
        keeper[key] = stream
        stream.lent = True  # at its start already
        return stream
    if not isinstance(held, LentStream) or held.lent or held.closed:
        return io.BufferedReader(open_raw(path))
    return held.lend()


class LentStream(io.BufferedReader):
    """A pass's stream on one file, lent to one reader at a time: its ``close`` gives it back.

    The reader's own ``with`` block (or ``close``) returns it to the pass,
    which releases it when it ends (:meth:`release`); a stream dropped
    without either is closed by the garbage collector as any other. A reader
    keeps neither the stream nor a wrapper that would close it past its
    ``with`` block: that later ``close`` would give back a stream lent to
    another reader by then.
    """

    lent = False

    def lend(self) -> LentStream:
        """The stream from its start, marked as lent."""
        self.seek(0)
        self.lent = True
        return self

    def close(self) -> None:
        """Give the stream back to the pass (lent), or close it (not lent)."""
        if self.lent:
            self.lent = False
            return
        super().close()

    def release(self) -> None:
        """Close it for good: the pass is over."""
        self.lent = False
        self.close()


T = TypeVar("T")


def stream_size(stream: BinaryIO) -> int:
    """The size of the file open on ``stream``, from its descriptor: the path may name
    another file by now."""
    return os.fstat(stream.fileno()).st_size


def read_sized(path: str | os.PathLike[str], read: Callable[[BinaryIO, int], T]) -> T:
    """``read(stream, size)`` on ``path`` opened by :func:`open_regular`, from its start."""
    with open_regular(path) as stream:
        return read(stream, stream_size(stream))


def open_raw(path: str | os.PathLike[str], *, follow: bool = True) -> io.FileIO:
    """An unbuffered stream on ``path`` (for ``readinto`` loops), regular files only."""
    fd, _ = open_fd(path, follow=follow)
    raw = io.FileIO(fd, "rb", closefd=True)
    raw.name = os.fspath(path)  # messages name the file, not the descriptor
    return raw


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file."""
    with open_regular(path) as stream:
        return stream.read(size)


HEAD_BYTES = 64
"""How much of a file's start tells its format (every magic number the project knows)."""


@once
def head_of(path: Path) -> bytes:
    """The first :data:`HEAD_BYTES` of a file, read once per pass however many readers ask.

    The media facts sniff the format from it and the integrity detector picks
    its reader by it: one open and one read, where each used to read its own.
    """
    return read_head(path, HEAD_BYTES)
