"""Ogg pages, walked by their headers without decoding a packet.

An Ogg file (Vorbis, Opus, FLAC or Speex inside) is a run of *pages* up to
its end. A page is a 27-byte header (``OggS``, version 0, flags, granule
position, the logical stream's serial number, the page's sequence number in
that stream, a CRC-32 of the page, a segment count), a lacing table of that
many segment lengths, and a body as long as their sum. A stream's first
pages carry its headers, among them the comment packet (Vorbis comments:
encoder, comments) that the audio detector reads.

:func:`read_ogg` walks every page by its header and lacing table, skipping
bodies, and finds damage there: bytes where a page should start (garbage
between pages, or after the last), a page running past the end of the file
(cut short), a sequence number that skips (pages missing), a version other
than 0. The CRC-32 of every page before the first with audio (the
headers and comments, where the markers are) is checked, and of the pages
after them up to :data:`MAX_CHECKED_BYTES`; later bodies are skipped
unread. At most :data:`MAX_PAGES` pages are walked, and the headers
before the first audio page may hold at most :data:`MAX_HEADER_BYTES` (a tag
reader holds them in memory): past either is a limit in
:attr:`OggInfo.limits`; damage is in :attr:`OggInfo.problems`.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once
from provenance.files.opening import read_sized

CAPTURE = b"OggS"
MAX_PAGES = 1_000_000
# The pages before the first one with audio (a granule position past 0) hold the streams'
# headers, which the audio detector's tag reader (mutagen) gathers in memory whole.
MAX_HEADER_BYTES = 32 * 1024 * 1024
# Past the headers, the pages checked (about 2 ms a MiB); every header page is checked.
MAX_CHECKED_BYTES = 1024 * 1024
_HEADER = struct.Struct("<4sBBqIIIB")
_FIRST = 0x02  # the page begins a logical stream (a chained file may reuse a serial number)


@dataclass
class OggInfo:
    """What the walk found: pages, streams, and what spoiled it."""

    pages: int = 0
    streams: dict[int, int] = field(default_factory=dict)  # serial -> last sequence number
    checked: int = 0  # bytes whose CRC was checked
    header_bytes: int = 0  # bytes of the pages before the first audio page
    audio: bool = False  # a page with audio was seen
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


@once
def read_ogg(path: Path) -> OggInfo:
    """Walk an Ogg file's pages. Raises :class:`FormatProblem` when it is not Ogg."""
    return read_sized(path, read_ogg_stream)


def read_ogg_stream(stream: BinaryIO, size: int) -> OggInfo:
    """Walk the pages of the Ogg stream positioned at its start, ``size`` bytes long."""
    if stream.read(4) != CAPTURE:
        raise FormatProblem("not an Ogg file")
    stream.seek(0)
    info = OggInfo()
    position = 0
    while position < size and not (info.problems or info.limits):
        if info.pages >= MAX_PAGES:
            info.limits.append(f"more than {MAX_PAGES} Ogg pages; the rest was not read")
            break
        position = _page(stream, position, size, info)
    return info


def _page(stream: BinaryIO, position: int, size: int, info: OggInfo) -> int:
    """Walk the page at ``position``; the offset after it (problems recorded on ``info``)."""
    stream.seek(position)
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size or not header.startswith(CAPTURE):
        info.problems.append(f"bytes at {position} are not an Ogg page")
        return size
    _, version, flags, granule, serial, sequence, crc, count = _HEADER.unpack(header)
    lacing = stream.read(count)
    end: int = position + _HEADER.size + len(lacing) + sum(lacing)
    if version != 0:
        info.problems.append(f"Ogg page at {position} has version {version}, not 0")
    elif len(lacing) < count or end > size:
        info.problems.append(f"Ogg page at {position} ({end - position} bytes) runs past the end")
    elif serial in info.streams and sequence != info.streams[serial] + 1 and not flags & _FIRST:
        info.problems.append(
            f"Ogg page at {position} is page {sequence} of its stream, after page "
            f"{info.streams[serial]}: pages are missing"
        )
    elif info.checked < MAX_CHECKED_BYTES or not info.audio:
        _check_crc(stream, header, lacing, end - position, crc, position, info)
    info.pages += 1
    info.streams[serial] = sequence
    _count_headers(info, granule, end - position)
    return end


def _count_headers(info: OggInfo, granule: int, length: int) -> None:
    info.audio = info.audio or granule > 0
    if not info.audio:
        info.header_bytes += length
        if info.header_bytes > MAX_HEADER_BYTES:
            info.limits.append(
                f"Ogg stream headers larger than {MAX_HEADER_BYTES} bytes; they were not read"
            )


def _check_crc(
    stream: BinaryIO,
    header: bytes,
    lacing: bytes,
    length: int,
    crc: int,
    position: int,
    info: OggInfo,
) -> None:
    body = stream.read(length - len(header) - len(lacing))
    page = header[:22] + b"\0\0\0\0" + header[26:] + lacing + body
    info.checked += length
    if ogg_crc(page) != crc:
        info.problems.append(f"Ogg page at {position} fails its checksum")


def ogg_crc(data: bytes) -> int:
    """Ogg's page CRC-32 (polynomial 0x04C11DB7, initial value 0, most significant bit first).

    The same polynomial as zlib's CRC-32, taken the other way round: over
    bytes whose bits are reversed, zlib's reflected CRC (started at 0, not
    inverted at the end) is Ogg's CRC with its 32 bits reversed. So it runs in
    C, at about 600 MB/s here, where a table-driven loop in Python did 10.
    """
    reflected = zlib.crc32(data.translate(_REVERSED_BITS), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


_REVERSED_BITS = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))
