"""FLAC metadata blocks and the ends of the audio, walked without decoding a sample.

A FLAC file is ``fLaC`` (behind ID3v2 tags, which some taggers write in front
of it: :mod:`.id3_lead`), then *metadata blocks* (a 4-byte header: a "last
block" bit, 7 bits of type, 24 bits of length; STREAMINFO first, then
padding, seek tables, Vorbis comments, pictures...), then *frames* of
encoded audio up to the end of the file. Each frame starts with a sync code
(``FF F8`` or ``FF F9``) and a header closed by a CRC-8, and ends with a
CRC-16 of the whole frame.

:func:`read_flac` walks the metadata blocks by their lengths (at most
:data:`MAX_BLOCKS`, none past the end of the file) and looks at the audio at
both of its ends only:

* the first bytes after the last metadata block must be a frame header (or
  the end of the file, where STREAMINFO counts no samples): anything else is
  garbage where the audio should start;
* the file must end with a whole frame: a frame header (its CRC-8 checked)
  within the last :data:`MAX_FRAME_BYTES` whose CRC-16 matches the file's
  last two bytes (after an ID3v1 tag, which some taggers append). A file cut
  mid-frame, or with bytes after its last frame, has none. At most
  :data:`MAX_FRAME_TRIES` headers are tried (a limit, not damage, past that).

A frame in the middle is never looked at: damage there changes sound, not
provenance, and finding it would mean reading the whole file. Damage is in
:attr:`FlacInfo.problems`, a limit reached in :attr:`FlacInfo.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.flac_frames import MAGIC, crc16, frame_header_length
from provenance.files.formats.id3_lead import ID3_MAGIC, leading_id3
from provenance.files.formats.once import once
from provenance.files.opening import head_of, open_regular, stream_size

MAX_BLOCKS = 4096
# A frame holds at most 65535 samples of 8 channels of 32 bits (2 MiB), and encoders
# write their largest in STREAMINFO: the search for the last frame goes no further back.
MAX_FRAME_BYTES = 2 * 1024 * 1024 + 64
STREAMINFO_BYTES = 34
# Frame headers (sync code and CRC-8 right) whose CRC-16 is tried before giving up on the
# end: in real audio a false one turns up about once in 2 MB. The CRC is pure Python
# (0.1 s a MB), so the bytes it covers are bounded too, at twice the largest frame.
MAX_FRAME_TRIES = 16
_INVALID_TYPE = 127
_ID3V1 = 128


@dataclass
class FlacInfo:
    """What the walk found: the blocks' types, STREAMINFO's figures, what spoiled it."""

    block_types: list[int] = field(default_factory=list)
    total_samples: int = 0
    max_frame: int = 0
    audio_at: int | None = None  # offset of the first frame, when the metadata ended sound
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


@once
def read_flac(path: Path) -> FlacInfo:
    """Walk a FLAC file, behind its ID3 tags if any. Raises :class:`FormatProblem` when not FLAC."""
    start = flac_start(path)
    with open_regular(path) as stream:
        stream.seek(start)
        return read_flac_stream(stream, stream_size(stream))


def flac_start(path: Path) -> int:
    """Where ``fLaC`` is: 0, or past the ID3v2 tags some taggers write in front of it.

    Raises :class:`FormatProblem` when those tags are damaged (or too many):
    where the stream starts cannot be told.
    """
    if not head_of(path).startswith(ID3_MAGIC):
        return 0
    lead = leading_id3(path)
    spoiled = lead.problems + lead.limits
    if spoiled:
        raise FormatProblem(f"the ID3 tag in front of the FLAC stream: {spoiled[0]}")
    return lead.end


def read_flac_stream(stream: BinaryIO, size: int) -> FlacInfo:
    """Walk the FLAC stream positioned at its start (``fLaC``) in a file ``size`` bytes long."""
    start = stream.tell()
    if stream.read(4) != MAGIC:
        raise FormatProblem("not a FLAC file")
    info = FlacInfo()
    audio_at = _walk_blocks(stream, start + 4, size, info)
    if audio_at is None or info.problems or info.limits:
        return info
    info.audio_at = audio_at
    _check_audio(stream, audio_at, size, info)
    return info


def _walk_blocks(stream: BinaryIO, position: int, size: int, info: FlacInfo) -> int | None:
    """The offset after the last metadata block (the first at ``position``); None when cut short."""
    while len(info.block_types) < MAX_BLOCKS:
        header = _read_at(stream, position, 4)
        if len(header) < 4:
            info.problems.append(f"metadata block header at {position} is cut short")
            return None
        last, kind, length = header[0] & 0x80, header[0] & 0x7F, int.from_bytes(header[1:], "big")
        if not _block_sound(kind, length, position, size, info):
            return None
        info.block_types.append(kind)
        if kind == 0:
            _streaminfo(_read_at(stream, position + 4, STREAMINFO_BYTES), info)
        position += 4 + length
        if last:
            return position
    info.limits.append(f"more than {MAX_BLOCKS} FLAC metadata blocks; the rest was not read")
    return None


def _block_sound(kind: int, length: int, position: int, size: int, info: FlacInfo) -> bool:
    first = not info.block_types
    if first and (kind != 0 or length != STREAMINFO_BYTES):
        info.problems.append("the first metadata block is not a 34-byte STREAMINFO")
    elif kind == _INVALID_TYPE:
        info.problems.append(f"metadata block at {position} has the invalid type 127")
    elif position + 4 + length > size:
        info.problems.append(
            f"metadata block of type {kind} at {position} ({length} bytes) runs past the end"
        )
    return not info.problems


def _streaminfo(data: bytes, info: FlacInfo) -> None:
    info.max_frame = int.from_bytes(data[7:10], "big")
    info.total_samples = int.from_bytes(data[13:18], "big") & 0xF_FFFF_FFFF


def _check_audio(stream: BinaryIO, start: int, size: int, info: FlacInfo) -> None:
    if start == size:
        if info.total_samples:
            info.problems.append(
                f"no audio after the metadata (STREAMINFO counts {info.total_samples} samples)"
            )
        return
    if frame_header_length(_read_at(stream, start, 16)) is None:
        info.problems.append(f"bytes at {start}, after the metadata, are not a FLAC frame")
        return
    ends = _ends_with_a_frame(stream, start, size, info.max_frame)
    if ends is None:
        info.limits.append(
            "too many frame headers near the end to try; its last frame was not found"
        )
    elif not ends:
        info.problems.append(
            "the last audio frame is cut short, or followed by bytes that are not FLAC"
        )


def _ends_with_a_frame(stream: BinaryIO, start: int, size: int, max_frame: int) -> bool | None:
    """Whether the file ends with a whole frame; None when too many headers were tried."""
    window = min(max_frame + 16 if max_frame else MAX_FRAME_BYTES, MAX_FRAME_BYTES)
    begin = max(start, size - _ID3V1 - window)
    tail = _read_at(stream, begin, size - begin)
    if len(tail) >= _ID3V1 and tail[-_ID3V1:].startswith(b"TAG"):
        tail = tail[:-_ID3V1]
    view, check, tried, spent = memoryview(tail), int.from_bytes(tail[-2:], "big"), 0, 0
    found = tail.rfind(b"\xff", 0, len(tail) - 2)
    while found >= 0:
        if frame_header_length(tail[found : found + 16]) is not None:
            tried, spent = tried + 1, spent + len(tail) - found
            if tried > MAX_FRAME_TRIES or spent > 2 * MAX_FRAME_BYTES:
                return None
            if crc16(view[found:-2]) == check:
                return True
        found = tail.rfind(b"\xff", 0, found)
    return False


def _read_at(stream: BinaryIO, position: int, count: int) -> bytes:
    stream.seek(position)
    return stream.read(count)
