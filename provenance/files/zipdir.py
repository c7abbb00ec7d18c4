"""Counting a zip's entries before :mod:`zipfile` reads its directory.

:class:`zipfile.ZipFile` reads the whole central directory into memory when it
opens an archive, and makes an object for every entry (about 580 bytes each:
a million entries took 577 MB) before anyone can count them. So the directory
is measured first, reading only what it must:

* the end-of-central-directory record (and its zip64 form) gives the claimed
  number of entries and the directory's size: either beyond the limits
  refuses the archive at once;
* the claim can lie (:mod:`zipfile` reads entries until the directory's
  bytes run out, whatever the count says), so the directory's entry headers
  are then walked a chunk at a time, counted, and the walk stops at the first
  entry over the limit.

Memory stays that of one chunk. A record that cannot be found or parsed is
left for :mod:`zipfile` to refuse with its own words.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

END = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries, size, offset, comment
END_SIGNATURE = b"PK\x05\x06"
LOCATOR = struct.Struct("<4sLQL")  # zip64 locator: signature, disk, record offset, disks
LOCATOR_SIGNATURE = b"PK\x06\x07"
END64 = struct.Struct("<4sQ2H2L4Q")  # zip64 record: ..., entries here, entries, size, offset
END64_SIGNATURE = b"PK\x06\x06"
ENTRY = struct.Struct("<4s6H3L5H2L")  # one central directory header, without its names
ENTRY_SIGNATURE = b"PK\x01\x02"
MAX_COMMENT = 0xFFFF
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Directory:
    """Where a zip's central directory is, how large it is, and how many entries it claims."""

    start: int
    size: int
    claimed: int


class DirectoryTooLarge(Exception):
    """The central directory holds, or claims, more than the limits allow."""


def check_directory(source: BinaryIO, max_entries: int, max_bytes: int) -> None:
    """Raise :class:`DirectoryTooLarge` when the zip has more entries or directory bytes."""
    found = find_directory(source)
    if found is None:
        return
    if found.claimed > max_entries:
        raise DirectoryTooLarge(f"claims {found.claimed} entries, more than {max_entries}")
    if found.size > max_bytes:
        raise DirectoryTooLarge(f"its index takes {found.size} bytes, more than {max_bytes}")
    if count_entries(source, found, max_entries) > max_entries:
        raise DirectoryTooLarge(f"holds more than {max_entries} entries")


def find_directory(source: BinaryIO) -> Directory | None:
    """The central directory as the end records describe it, or None when they cannot be read."""
    source.seek(0, 2)
    length = source.tell()
    tail_start = max(0, length - END.size - MAX_COMMENT)
    source.seek(tail_start)
    tail = source.read()
    at = tail.rfind(END_SIGNATURE)
    if at < 0 or len(tail) - at < END.size:
        return None
    fields = END.unpack_from(tail, at)
    end_at = tail_start + at
    # As zipfile does, a zip64 record is used wherever there is one, whatever
    # the short record says (it may say anything: only zipfile's reading counts).
    return _zip64_directory(source, end_at) or Directory(end_at - fields[5], fields[5], fields[4])


def _zip64_directory(source: BinaryIO, end_at: int) -> Directory | None:
    if end_at < LOCATOR.size:
        return None
    source.seek(end_at - LOCATOR.size)
    locator = LOCATOR.unpack(source.read(LOCATOR.size))
    record_at = end_at - LOCATOR.size - END64.size
    if locator[0] != LOCATOR_SIGNATURE or record_at < 0:
        return None
    source.seek(record_at)
    record = END64.unpack(source.read(END64.size))
    if record[0] != END64_SIGNATURE:
        return None
    return Directory(record_at - record[8], record[8], record[7])


def count_entries(source: BinaryIO, directory: Directory, limit: int) -> int:
    """Entry headers in the directory, counted up to ``limit + 1`` at most."""
    count, at, end = 0, max(0, directory.start), directory.start + directory.size
    buffer, buffer_at = b"", at
    while at + ENTRY.size <= end and count <= limit:
        if at + ENTRY.size > buffer_at + len(buffer):
            source.seek(at)
            buffer, buffer_at = source.read(min(CHUNK, end - at)), at
            if len(buffer) < ENTRY.size:
                break
        header = ENTRY.unpack_from(buffer, at - buffer_at)
        if header[0] != ENTRY_SIGNATURE:
            break
        count += 1
        at += ENTRY.size + header[10] + header[11] + header[12]
    return count
