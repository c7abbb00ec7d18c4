"""What a file holds behind the ID3v2 tags written in front of it.

An MP3 file starts with an ID3v2 tag, and some taggers write one in front of
other audio too: a FLAC file behind one plays (mutagen and FFmpeg skip the
tag), so a file starting with ``ID3`` is not an MP3 for that alone, and its
Vorbis comments, where a generator names itself, must still be read.

:func:`leading_id3` walks the tags by their headers (``ID3``, version, flags,
a 28-bit syncsafe size; ten bytes more for a footer when flag 0x10 is set),
at most :data:`MAX_TAGS` in a row and none past the end of the file, then
looks at what follows the last one:

* ``fLaC``: a FLAC stream (:attr:`LeadingId3.follows` is ``"flac"``);
* an MPEG audio or ADTS (AAC) frame sync, possibly after up to
  :data:`MAX_PADDING` zero bytes of padding left outside the tag's size:
  ``"mpeg"``, the MP3 the tag announces;
* anything else: damage. A tag size past the end of the file, a header that
  is not ID3v2's, nothing after the tag, or bytes no reader here can tell
  (an Ogg or WAV stream behind a tag, garbage) leave the file's audio and its
  tags unseen, and the gate fails closed on a file it could not see, rather
  than take it for an MP3 without looking. FLAC frames without their
  ``fLaC`` header are damage too: their sync code reads as MPEG's.

Damage is in :attr:`LeadingId3.problems`, a limit reached in
:attr:`LeadingId3.limits` (the integrity detector reports both).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from provenance.files.formats.flac_frames import MAGIC as FLAC_MAGIC
from provenance.files.formats.flac_frames import frame_header_length
from provenance.files.formats.id3 import syncsafe
from provenance.files.formats.once import once
from provenance.files.opening import read_sized

ID3_MAGIC = b"ID3"
HEADER_BYTES = 10
MAX_TAGS = 8
MAX_PADDING = 64 * 1024
_FOOTER_FLAG = 0x10

Follows = Literal["flac", "mpeg"]


@dataclass
class LeadingId3:
    """The tags at the start of a file, where they end, and what follows them."""

    tags: list[int] = field(default_factory=list)  # offset of each tag header, in order
    end: int = 0  # the offset after the last whole tag
    follows: Follows | None = None  # None: damage or a limit (see problems and limits)
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


@once
def leading_id3(path: Path) -> LeadingId3:
    """Walk the ID3v2 tags at the start of ``path`` and tell what follows them."""
    return read_sized(path, leading_id3_stream)


def leading_id3_stream(stream: BinaryIO, size: int) -> LeadingId3:
    """Walk the ID3v2 tags from the stream's start (``size`` bytes long); never raises."""
    found = LeadingId3()
    while True:
        header = _read_at(stream, found.end, HEADER_BYTES)
        if not header.startswith(ID3_MAGIC):
            break
        if len(found.tags) == MAX_TAGS:
            found.limits.append(
                f"more than {MAX_TAGS} ID3v2 tags in a row; what follows them was not read"
            )
            return found
        found.tags.append(found.end)
        problem = _header_problem(header, found.end, size)
        if problem is not None:
            found.problems.append(problem)
            return found
        found.end += tag_length(header)
    _look_behind(stream, size, found)
    return found


def tag_length(header: bytes) -> int:
    """The whole length of the tag ``header`` opens: header, body and footer."""
    return HEADER_BYTES + syncsafe(header[6:10]) + (10 if header[5] & _FOOTER_FLAG else 0)


def _header_problem(header: bytes, at: int, size: int) -> str | None:
    if len(header) < HEADER_BYTES:
        return f"ID3 tag header at {at} is cut short"
    if header[3] not in (2, 3, 4) or header[4] == 0xFF or any(b & 0x80 for b in header[6:10]):
        return f"bytes at {at} start like an ID3v2 tag but are not a valid tag header"
    length = tag_length(header)
    if at + length > size:
        return f"ID3 tag at {at} declares {length} bytes, past the end of the file ({size} bytes)"
    return None


def _look_behind(stream: BinaryIO, size: int, found: LeadingId3) -> None:
    if not found.tags:
        return
    data = _read_at(stream, found.end, MAX_PADDING + 16)
    if data.startswith(FLAC_MAGIC):
        found.follows = "flac"
        return
    audio = data.lstrip(b"\x00")
    if is_mpeg_sync(audio[:16]):
        found.follows = "mpeg"
    elif found.end == size:
        found.problems.append("nothing follows the ID3 tag: the file holds no audio")
    elif not audio:
        found.problems.append(
            f"only zero bytes follow the ID3 tag at {found.end}"
            f" (as far as {MAX_PADDING} bytes were looked at): no audio"
        )
    else:
        where = found.end + len(data) - len(audio)
        found.problems.append(
            f"bytes at {where}, after the ID3 tag, are neither MPEG audio nor FLAC"
        )


def is_mpeg_sync(data: bytes) -> bool:
    """True when ``data`` starts with an MPEG audio or ADTS frame sync that is no FLAC frame.

    Eleven set bits and a version that is not the reserved one; FLAC's sync
    code (``FF F8``) fits that too, so a FLAC frame header (its CRC-8 right)
    is told apart.
    """
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0 or (data[1] >> 3) & 3 == 1:
        return False
    return frame_header_length(data) is None


class StreamFrom:
    """A read-only view of a stream from ``start`` on, as if the file began there.

    For readers that expect their container at offset 0 (mutagen, asked
    about the FLAC stream behind ID3 tags it would not all skip).
    """

    def __init__(self, stream: BinaryIO, start: int) -> None:
        self._stream, self._start = stream, start
        self.name = getattr(stream, "name", "")
        stream.seek(start)

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative)."""
        return self._stream.read(size)

    def tell(self) -> int:
        """The position, counted from ``start``."""
        return self._stream.tell() - self._start

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move as in a file that begins at ``start``; never before it."""
        base = {os.SEEK_SET: self._start, os.SEEK_CUR: self._stream.tell()}.get(whence)
        target = (self._stream.seek(0, os.SEEK_END) if base is None else base) + offset
        if target < self._start:
            raise OSError(f"seek to {target - self._start}, before the stream's start")
        return self._stream.seek(target) - self._start


def _read_at(stream: BinaryIO, position: int, count: int) -> bytes:
    stream.seek(position)
    return stream.read(count)
