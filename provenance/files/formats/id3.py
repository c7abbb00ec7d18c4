"""ID3v2 text frames (MP3, and the ``id3 `` chunk of WAV files), read within limits.

An ID3v2 tag is a 10-byte header (``ID3``, version, flags, a 28-bit
"syncsafe" size) followed by frames: a 4-character id (3 in v2.2), a size,
flags (v2.3+) and a payload. Text frames (``T***``) hold an encoding byte and
text; ``COMM`` adds a language and a description; ``TXXX`` a description.

Only the frames asked for are decoded. mutagen is not used here because it
inflates compressed frames without a size limit (a decompression bomb in a
hostile file); here a compressed frame is inflated to at most
:data:`MAX_FRAME_TEXT` bytes, and the tag, frame count and frame sizes are
bounded too.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from provenance.files.formats import FormatProblem

MAX_TAG_BYTES = 64 * 1024 * 1024
MAX_FRAMES = 4096
MAX_FRAME_TEXT = 64 * 1024

_ENCODINGS = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}
_V22_NAMES = {
    "TSS": "TSSE",
    "TEN": "TENC",
    "COM": "COMM",
    "TXX": "TXXX",
    "TT2": "TIT2",
    "TP1": "TPE1",
}


@dataclass(frozen=True)
class Id3Frame:
    """One decoded text frame: id (v2.3 spelling), description (COMM/TXXX) and text."""

    frame_id: str
    description: str
    text: str


def syncsafe(raw: bytes) -> int:
    """A 28-bit integer stored 7 bits per byte."""
    return (raw[0] & 0x7F) << 21 | (raw[1] & 0x7F) << 14 | (raw[2] & 0x7F) << 7 | (raw[3] & 0x7F)


@dataclass
class Id3Tag:
    """The wanted frames of a tag, and what was found damaged in it."""

    frames: list[Id3Frame] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_id3_stream(stream: BinaryIO, wanted: frozenset[str]) -> Id3Tag:
    """The wanted frames of the ID3v2 tag at the stream's position (empty when there is no tag)."""
    header = stream.read(10)
    if len(header) < 10 or not header.startswith(b"ID3"):
        return Id3Tag()
    size = syncsafe(header[6:10])
    if size > MAX_TAG_BYTES:
        raise FormatProblem(f"ID3 tag of {size} bytes is over the {MAX_TAG_BYTES} limit")
    return parse_id3(header + stream.read(size), wanted)


def parse_id3(tag: bytes, wanted: frozenset[str]) -> Id3Tag:
    """Decode the wanted text frames of a whole tag (header included), noting damage."""
    if len(tag) < 10 or not tag.startswith(b"ID3"):
        raise FormatProblem("not an ID3v2 tag")
    version, flags = tag[3], tag[5]
    if version not in (2, 3, 4):
        raise FormatProblem(f"unknown ID3v2 version 2.{version}")
    result = Id3Tag()
    body = tag[10 : 10 + syncsafe(tag[6:10])]
    if len(body) < syncsafe(tag[6:10]):
        result.problems.append("ID3 tag is shorter than its header says (truncated)")
    if flags & 0x80 and version < 4:
        body = body.replace(b"\xff\x00", b"\xff")  # whole-tag unsynchronisation
    if flags & 0x40 and version >= 3:
        body = _skip_extended_header(body, version)
    frames = _frames(body, version, wanted, plain_sizes=version < 4)
    if version == 4 and frames.problems:
        # Some writers (old iTunes) put plain, not syncsafe, sizes in v2.4 frames.
        plain = _frames(body, version, wanted, plain_sizes=True)
        frames = plain if not plain.problems else frames
    result.frames, result.problems = frames.frames, result.problems + frames.problems
    return result


def _skip_extended_header(body: bytes, version: int) -> bytes:
    if len(body) < 4:
        return b""
    size = syncsafe(body[:4]) if version == 4 else int.from_bytes(body[:4], "big") + 4
    return body[size:]


def _frames(body: bytes, version: int, wanted: frozenset[str], plain_sizes: bool) -> Id3Tag:
    result = Id3Tag()
    position, header_size = 0, (6 if version == 2 else 10)
    for _ in range(MAX_FRAMES):
        if position + header_size > len(body) or body[position] == 0:
            return result
        frame_id, size, frame_flags = _frame_header(body, position, version, plain_sizes)
        payload = body[position + header_size : position + header_size + size]
        position += header_size + size
        problem = _frame_problem(frame_id, size, len(payload), frame_flags, version)
        if problem:
            result.problems.append(problem)
            return result
        if frame_id in wanted:
            frame = _decode(frame_id, payload, frame_flags, version, result.problems)
            if frame is not None:
                result.frames.append(frame)
    return result


def _frame_problem(
    frame_id: str, size: int, available: int, flags: int, version: int
) -> str | None:
    if not frame_id.isalnum() or not frame_id.isascii() or frame_id != frame_id.upper():
        return f"junk where an ID3 frame should start ({frame_id!r})"
    if available < size:
        return f"ID3 frame {frame_id} of {size} bytes runs past the end of the tag"
    prefixed = flags & (0x0001 if version == 4 else 0x0080) if version >= 3 else 0
    if prefixed and size < 4:
        return f"ID3 frame {frame_id} is shorter than its decompressed-size field"
    return None


def _frame_header(
    body: bytes, position: int, version: int, plain_sizes: bool
) -> tuple[str, int, int]:
    if version == 2:
        raw_id = body[position : position + 3].decode("latin-1")
        return (
            _V22_NAMES.get(raw_id, raw_id),
            int.from_bytes(body[position + 3 : position + 6], "big"),
            0,
        )
    raw = body[position + 4 : position + 8]
    size = int.from_bytes(raw, "big") if plain_sizes else syncsafe(raw)
    flags = int.from_bytes(body[position + 8 : position + 10], "big")
    return body[position : position + 4].decode("latin-1"), size, flags


def _decode(
    frame_id: str, payload: bytes, flags: int, version: int, problems: list[str]
) -> Id3Frame | None:
    try:
        payload = _unwrap(payload, flags, version)
    except zlib.error as exc:
        problems.append(f"ID3 frame {frame_id} has bad compressed data ({exc})")
        return None
    if not payload or payload[0] not in _ENCODINGS:
        return None
    encoding, data = _ENCODINGS[payload[0]], payload[1:]
    if frame_id == "COMM":
        data = data[3:]  # language code
    description = ""
    if frame_id in ("COMM", "TXXX"):
        description, data = _split_terminated(data, encoding)
    return Id3Frame(frame_id, description, _text(data, encoding))


def _unwrap(payload: bytes, flags: int, version: int) -> bytes:
    """Undo per-frame unsynchronisation and compression (v2.3: 0x0080, v2.4: 0x0008)."""
    compressed = flags & (0x0008 if version == 4 else 0x0080)
    if version == 4 and flags & 0x0001:  # data-length indicator precedes the data
        payload = payload[4:]
    elif version == 3 and compressed:
        payload = payload[4:]  # decompressed size
    if version == 4 and flags & 0x0002:
        payload = payload.replace(b"\xff\x00", b"\xff")
    if compressed:
        return _inflate(payload)
    return payload


def _inflate(data: bytes) -> bytes:
    return zlib.decompressobj().decompress(data, MAX_FRAME_TEXT)


def _split_terminated(data: bytes, encoding: str) -> tuple[str, bytes]:
    terminator = b"\x00\x00" if encoding.startswith("utf-16") else b"\x00"
    step = len(terminator)
    for index in range(0, len(data) - step + 1, step):
        if data[index : index + step] == terminator:
            return _text(data[:index], encoding), data[index + step :]
    return _text(data, encoding), b""


def _text(data: bytes, encoding: str) -> str:
    text = data[:MAX_FRAME_TEXT].decode(encoding, errors="replace")
    return text.replace("\x00", " ").strip()
