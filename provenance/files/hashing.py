"""Streaming content hashes.

An asset's identity is the SHA-256 of its bytes. Files are streamed in
chunks into one reused buffer per thread; OpenSSL hashes each chunk with the
GIL released, so several threads hash on several cores and no file is ever
held in memory whole.

The chunk size depends on who else wants the interpreter (see
:func:`chunk_size`): a process that hashes alone reads 128 KiB at a time, so
the bytes just copied from the page cache are still in the core's cache when
SHA-256 reads them; threads that share a GIL with Python work read 4 MiB.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import UnreadableFile
from provenance.files.opening import open_raw

ALONE_CHUNK = 128 * 1024
SHARED_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileStamp:
    """What ``stat`` says of a file: enough to notice it changed.

    The change time is in it because the modification time is not enough:
    ``cp -p``, ``rsync -t --inplace`` and ``touch -r`` set it back after
    writing, and frames of one size (uncompressed EXR, DPX) rewritten that
    way keep size, inode and mtime. No one can set the change time.
    """

    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int = 0

    @classmethod
    def of(cls, st: os.stat_result) -> FileStamp:
        """The stamp of a ``stat`` result."""
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


@dataclass(frozen=True)
class HashedFile:
    """A file's SHA-256 and the stamp it had while being hashed."""

    sha256: str
    stamp: FileStamp


def changed_since(path: Path, stamp: FileStamp) -> str | None:
    """How ``path`` is no longer the file ``stamp`` describes ("changed", "gone (why)"), or
    None when it still is: what read it after its hash was taken read those bytes."""
    try:
        now = FileStamp.of(path.stat())
    except OSError as exc:
        return f"gone ({exc.strerror or exc})"
    return None if now == stamp else "changed"


def sha256_file(path: Path) -> HashedFile:
    """Hash ``path`` in one streaming pass.

    Raises :class:`UnreadableFile` when the file cannot be opened or read, is
    not a regular file once opened (see :mod:`provenance.files.opening`), or
    changed while it was being read (its hash would describe content that
    never existed on disk as a whole). Reading stops one chunk past the size
    the file had when it was opened: a file that keeps growing is a changed
    file, not an endless read.
    """
    try:
        with open_raw(path) as stream:
            before = FileStamp.of(os.fstat(stream.fileno()))
            digest = _digest(stream, before.size)
            after = FileStamp.of(os.fstat(stream.fileno()))
    except OSError as exc:
        raise UnreadableFile(
            f"cannot read file ({exc.strerror or exc})",
            where=path,
            fix="check it exists and is readable",
        ) from exc
    if before != after:
        raise UnreadableFile(
            "file changed while it was being hashed",
            where=path,
            fix="scan it again once it is complete",
        )
    return HashedFile(sha256=digest, stamp=after)


def chunk_size() -> int:
    """How many bytes to read at a time, for the threads running now.

    Alone in its process (a scan's or an audit's worker), a thread reads
    :data:`ALONE_CHUNK`: the copy from the page cache then stays in the
    core's L2 cache until it is hashed. Measured on the benchmark corpus
    (2.8 GB, warm cache, one process): 2.1 s with 128 KiB reads against
    3.2 s with 1 MiB or more on an AMD EPYC, where a 1 MiB copy is evicted
    before it is hashed. With other threads about (the watch daemon), each
    chunk re-takes the GIL twice, after the read and after the update, and a
    thread classifying files in Python can hold it for a whole switch
    interval; :data:`SHARED_CHUNK` makes those waits rare (two threads
    examining the same corpus: 2.9 s with 4 MiB reads, 3.4 s with 128 KiB).
    """
    return ALONE_CHUNK if threading.active_count() == 1 else SHARED_CHUNK


def _digest(stream: io.RawIOBase, size: int) -> str:
    digest = hashlib.sha256()
    buffer = _buffer(chunk_size())
    view = memoryview(buffer)
    left = size + len(buffer)  # past the size: the stamps then differ, and the hash is refused
    while left > 0 and (count := stream.readinto(buffer)):
        digest.update(view[:count])
        left -= count
    return digest.hexdigest()


_local = threading.local()


def _buffer(size: int) -> bytearray:
    # One buffer per thread, reused: zeroing a fresh 4 MiB for every small
    # file would cost more than hashing it.
    buffer: bytearray | None = getattr(_local, "buffer", None)
    if buffer is None or len(buffer) != size:
        buffer = _local.buffer = bytearray(size)
    return buffer


def is_sha256_prefix(text: str) -> bool:
    """True when ``text`` could be (a prefix of) a hex SHA-256, however short.

    Too short a prefix is still a hash the person meant, and is refused by
    :func:`provenance.store.require_prefix_length` with the minimum, not taken for a path.
    """
    return 1 <= len(text) <= 64 and all(c in "0123456789abcdef" for c in text.lower())
