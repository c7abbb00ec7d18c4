"""Streaming SHA-256: the same digest whatever the read size, and the read size by context."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.errors import UnreadableFile
from provenance.files.hashing import (
    ALONE_CHUNK,
    SHARED_CHUNK,
    changed_since,
    chunk_size,
    sha256_file,
)

SIZES = [0, 1, ALONE_CHUNK - 1, ALONE_CHUNK, ALONE_CHUNK + 1, 3 * ALONE_CHUNK + 7, SHARED_CHUNK + 1]


@pytest.fixture
def other_thread() -> Iterator[threading.Thread]:
    """A second thread that runs until the test ends (as the watch daemon's would)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="other")
    thread.start()
    yield thread
    stop.set()
    thread.join()


def _file(tmp_path: Path, size: int) -> tuple[Path, str]:
    data = bytes((i * 7 + size) % 251 for i in range(size))
    path = tmp_path / f"f{size}.bin"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size", SIZES)
def test_digest_is_the_content_hash_around_chunk_boundaries(tmp_path: Path, size: int) -> None:
    path, expected = _file(tmp_path, size)
    hashed = sha256_file(path)
    assert hashed.sha256 == expected
    assert hashed.stamp.size == size


@pytest.mark.parametrize("size", SIZES)
def test_digest_is_the_same_while_other_threads_run(
    tmp_path: Path, size: int, other_thread: threading.Thread
) -> None:
    path, expected = _file(tmp_path, size)
    assert chunk_size() == SHARED_CHUNK
    assert sha256_file(path).sha256 == expected


def test_a_process_alone_reads_small_chunks() -> None:
    # A fresh interpreter: the test runner's own threads, if any, do not count.
    code = "from provenance.files.hashing import chunk_size; print(chunk_size())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == ALONE_CHUNK < SHARED_CHUNK


def test_a_missing_file_is_unreadable_and_named(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile) as caught:
        sha256_file(tmp_path / "gone.exr")
    assert "gone.exr" in str(caught.value)


def test_a_rewrite_that_puts_the_mtime_back_is_a_change(tmp_path: Path) -> None:
    # cp -p, rsync -t --inplace: a frame of the same size rewritten in place, its mtime
    # set back. Read after the hash (the detectors), it is other content than was hashed.
    path, _ = _file(tmp_path, 4096)
    hashed = sha256_file(path)
    before = path.stat()
    path.write_bytes(bytes(4096))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert changed_since(path, hashed.stamp) == "changed"
