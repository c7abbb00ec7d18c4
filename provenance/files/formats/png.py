"""PNG chunk walking, without decoding pixels.

Pillow's ``Image.text`` decodes the whole image to reach text chunks stored
after the image data, and ``Image.info`` misses them; generators write text
both before and after ``IDAT``. So the chunks are walked here directly:
``IDAT`` payloads are skipped with a seek, every other chunk up to a size limit
is read, and ``tEXt``/``zTXt``/``iTXt`` are decoded with a bound on
decompressed size, per chunk and for the whole file (:data:`MAX_TOTAL_TEXT`:
many small compressed chunks must not add up to gigabytes).

What made the walk stop before ``IEND`` (a chunk count, a chunk or text over
its limit) is recorded in :attr:`PngInfo.limits`: the file was not fully
read, and a marker may lie beyond. Damage (a truncated file) is recorded in
:attr:`PngInfo.problems`.

What a decoder refuses before the first image data (a chunk whose checksum
or name is wrong, an IHDR it cannot make sense of) is a *fault*
(:meth:`PngInfo.fault`), checked on the chunks before the first ``IDAT``
only, as decoders do when they open a file: the media facts call such a
file unreadable without handing it to an image library.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once, walked
from provenance.files.opening import open_regular

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHUNKS = 100_000  # chunks other than image data
MAX_DATA_CHUNKS = 262_144  # IDAT and fdAT: 2 GiB of image data at libpng's 8 KiB a chunk
MAX_CHUNK_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 32 * 1024 * 1024
MAX_TOTAL_TEXT = 64 * 1024 * 1024  # decoded text of all chunks together
SKIPPED = frozenset({b"IDAT", b"fdAT"})
TEXT_TYPES = frozenset({b"tEXt", b"zTXt", b"iTXt"})
# The (bit depth, colour type) pairs the PNG standard allows.
DEPTHS = frozenset(
    {(1, 0), (2, 0), (4, 0), (8, 0), (16, 0), (8, 2), (16, 2), (1, 3), (2, 3), (4, 3), (8, 3)}
    | {(8, 4), (16, 4), (8, 6), (16, 6)}
)
# The least payload of the header chunks of a fixed layout (the standard gives their sizes).
LEAST_BYTES = {b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"pHYs": 9, b"acTL": 8, b"fcTL": 26}
TRUNCATED = "file ends before IEND (truncated)"
_NAME = re.compile(rb"\w{4}")  # what decoders accept as a chunk's name (the standard: letters)


@dataclass(frozen=True)
class TextChunk:
    """A decoded PNG text chunk."""

    chunk: str  # tEXt, zTXt or iTXt
    keyword: str
    text: str


@dataclass
class PngInfo:
    """What a walk of a PNG's chunks found."""

    width: int = 0
    height: int = 0
    bit_depth: int = 0
    color_type: int = 0
    interlace: int = 0
    texts: list[TextChunk] = field(default_factory=list)
    chunks: dict[str, bytes] = field(default_factory=dict)  # first payload of each other type
    chunk_types: list[str] = field(default_factory=list)  # in order; a run of IDAT listed once
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    text_budget: int = 0  # decoded text bytes still allowed (set by the walk)
    idat: list[tuple[int, int]] = field(default_factory=list)  # (offset, length) of IDAT data
    ihdr: bytes = b""  # the first IHDR before the image data
    faults: list[str] = field(default_factory=list)
    # Every chunk but image data, and what an index of them alone would report (see
    # :func:`chunk_index`, which takes them from this walk when the pass made it).
    refs: list[ChunkRef] = field(default_factory=list)
    index_problems: list[str] = field(default_factory=list)
    index_limits: list[str] = field(default_factory=list)

    def fault(self) -> str | None:
        """Why a decoder would refuse this file's header, or None when it would go on.

        Damage (:attr:`problems`: a file cut short) and limits are not
        faults: the integrity detector reports those.
        """
        if self.faults:
            return self.faults[0]
        if len(self.ihdr) < 13:
            return f"IHDR chunk of {len(self.ihdr)} bytes" if self.ihdr else "no IHDR chunk"
        width, height, depth, colour, _, filtering = struct.unpack(">IIBBBB", self.ihdr[:12])
        if (depth, colour) not in DEPTHS:
            return f"bit depth {depth} with colour type {colour}"
        if filtering:
            return f"unknown filter method {filtering}"
        if not width or not height:
            return f"image of {width}x{height} pixels"
        return None

    @property
    def has_alpha(self) -> bool:
        """True for colour types with an alpha channel (grey+alpha, RGBA)."""
        return self.color_type in (4, 6)

    def text(self, keyword: str) -> str | None:
        """The first text chunk with this keyword, if any."""
        for item in self.texts:
            if item.keyword == keyword:
                return item.text
        return None


@once
def read_png(path: Path) -> PngInfo:
    """Walk a PNG file's chunks. Raises :class:`FormatProblem` if it is not a PNG."""
    with open_regular(path) as stream:
        return read_png_stream(stream)


def read_png_stream(stream: BinaryIO) -> PngInfo:
    """Walk the chunks of a PNG stream positioned at its start."""
    if stream.read(8) != SIGNATURE:
        raise FormatProblem("not a PNG file (bad signature)")
    info = PngInfo(text_budget=MAX_TOTAL_TEXT)
    for ctype, payload in _chunks(stream, info):
        _take(info, ctype, payload)
    if not info.width:
        info.problems.append("no IHDR chunk")
    return info


def _chunks(stream: BinaryIO, info: PngInfo) -> Iterator[tuple[bytes, bytes]]:
    # The walk keeps its own place: a relative seek or a tell costs a buffered stream a
    # system call each, and the image data's chunks are skipped one seek apiece.
    counter, position = _Counter(), stream.tell()
    while True:
        header = stream.read(8)
        if len(header) < 8:
            info.problems.append(TRUNCATED)
            info.index_problems.append(TRUNCATED)
            return
        length, ctype = struct.unpack(">I4s", header)
        if ctype == b"IEND":
            if len(stream.read(4)) < 4:  # every decoder wants the CRC; a cut one is a cut file
                info.problems.append("IEND chunk truncated (file cut short)")
            return
        if (limit := counter.over(ctype)) is not None:
            info.limits.append(limit)
            info.index_limits.append(limit)
            return
        if not info.idat and not _NAME.fullmatch(ctype):
            info.faults.append(f"chunk named {ctype!r} before the image data")
        payload_at = position + 8
        position = payload_at + length + 4  # the next chunk's header
        _note(info, ctype, payload_at, length)
        if ctype in SKIPPED or length > MAX_CHUNK_BYTES:
            if length > MAX_CHUNK_BYTES and ctype not in SKIPPED:
                info.limits.append(f"{_name(ctype)} chunk of {length} bytes not read (over limit)")
            stream.seek(position)
            continue
        payload = stream.read(length)
        crc = stream.read(4)
        if len(payload) < length:
            info.problems.append(f"{_name(ctype)} chunk truncated")
            info.index_problems.append(TRUNCATED)  # an index seeks past it, to the file's end
            return
        if not info.idat:  # decoders check the header's chunks when opening; not past the data
            _check_header_chunk(info, ctype, payload, crc)
        yield ctype, payload


def _check_header_chunk(info: PngInfo, ctype: bytes, payload: bytes, crc: bytes) -> None:
    """A chunk before the image data: its checksum, and its size where the standard fixes it."""
    if len(crc) < 4 or zlib.crc32(payload, zlib.crc32(ctype)) != struct.unpack(">I", crc)[0]:
        info.faults.append(f"bad checksum in the {_name(ctype)} chunk")
    elif len(payload) < LEAST_BYTES.get(ctype, 0):
        info.faults.append(f"{_name(ctype)} chunk of {len(payload)} bytes")


def _note(info: PngInfo, ctype: bytes, offset: int, length: int) -> None:
    if ctype not in SKIPPED:
        info.refs.append(ChunkRef(ctype, offset, length))
    name = ctype.decode("latin-1")
    if ctype not in SKIPPED or not info.chunk_types or info.chunk_types[-1] != name:
        info.chunk_types.append(name)
    if ctype == b"IDAT":
        info.idat.append((offset, length))


class _Counter:
    """Counts chunks against their limits: image data apart (a big picture has many)."""

    def __init__(self) -> None:
        self.data = self.other = 0

    def over(self, ctype: bytes) -> str | None:
        """The limit this chunk goes past, if any."""
        if ctype in SKIPPED:
            self.data += 1
            if self.data > MAX_DATA_CHUNKS:
                return f"more than {MAX_DATA_CHUNKS} PNG image data chunks; the rest was not read"
            return None
        self.other += 1
        if self.other > MAX_CHUNKS:
            return f"more than {MAX_CHUNKS} PNG chunks; the rest was not read"
        return None


def _name(ctype: bytes) -> str:
    return ctype.decode("latin-1").encode("unicode_escape").decode("ascii")


# A tuple, not a frozen dataclass: one is built per entry of every file classified, and a
# frozen dataclass's __init__ costs several times a tuple's.
class ChunkRef(NamedTuple):
    """Where one chunk's payload is in the file, for readers that want one or two chunks."""

    ctype: bytes
    offset: int
    length: int


@once
def chunk_index(path: Path) -> tuple[list[ChunkRef], list[str], list[str]]:
    """:func:`index_chunks` of a PNG file: where its chunks are; problems; limits.

    Taken from the pass's :func:`read_png` when it walked the file already
    (the media facts do, first): the same chunks, the same problems and limits.
    """
    if (info := walked(read_png, path)) is not None:
        return info.refs, info.index_problems, info.index_limits
    with open_regular(path) as stream:
        return index_chunks(stream)


def index_chunks(stream: BinaryIO) -> tuple[list[ChunkRef], list[str], list[str]]:
    """Where every chunk but image data is, reading 8-byte headers only; problems; limits."""
    if stream.read(8) != SIGNATURE:
        raise FormatProblem("not a PNG file (bad signature)")
    refs: list[ChunkRef] = []
    counter, position = _Counter(), stream.tell()
    while True:
        header = stream.read(8)
        if len(header) < 8:
            return refs, [TRUNCATED], []
        length, ctype = struct.unpack(">I4s", header)
        if ctype == b"IEND":
            return refs, [], []
        if (limit := counter.over(ctype)) is not None:
            return refs, [], [limit]
        if ctype not in SKIPPED:
            refs.append(ChunkRef(ctype, position + 8, length))
        position += 8 + length + 4
        stream.seek(position)


def _take(info: PngInfo, ctype: bytes, payload: bytes) -> None:
    if ctype == b"IHDR" and not info.ihdr and not info.idat:
        info.ihdr = payload
    if ctype == b"IHDR" and len(payload) >= 10:
        header = struct.unpack(">IIBB", payload[:10])
        info.width, info.height, info.bit_depth, info.color_type = header
        info.interlace = payload[12] if len(payload) >= 13 else 0
    elif ctype in TEXT_TYPES:
        _take_text(info, ctype, payload)
    else:
        info.chunks.setdefault(ctype.decode("latin-1"), payload)


def _take_text(info: PngInfo, ctype: bytes, payload: bytes) -> None:
    if info.text_budget <= 0:
        if not info.limits:
            info.limits.append(f"PNG text past {MAX_TOTAL_TEXT} bytes in all; the rest not read")
        return
    limit = min(MAX_TEXT_BYTES, info.text_budget)
    try:
        chunk = decode_text(ctype, payload, limit)
    except TextTooLong as exc:
        info.limits.append(str(exc))
        info.text_budget -= limit  # inflating it cost as much: the budget bounds the work too
        return
    except FormatProblem as exc:
        info.problems.append(str(exc))
        return
    info.text_budget -= len(chunk.text)
    info.texts.append(chunk)


def decode_text(ctype: bytes, payload: bytes, limit: int = MAX_TEXT_BYTES) -> TextChunk:
    """Decode a tEXt, zTXt or iTXt payload, inflating at most ``limit`` bytes."""
    keyword, sep, rest = payload.partition(b"\x00")
    if not sep:
        raise FormatProblem(f"{ctype.decode()} chunk without keyword separator")
    name = keyword.decode("latin-1")
    if ctype == b"tEXt":
        return TextChunk("tEXt", name, rest.decode("latin-1"))
    if ctype == b"zTXt":
        return TextChunk("zTXt", name, inflate(rest[1:], limit).decode("latin-1"))
    return _decode_itxt(name, rest, limit)


def _decode_itxt(name: str, rest: bytes, limit: int) -> TextChunk:
    if len(rest) < 2:
        raise FormatProblem("iTXt chunk too short")
    compressed = rest[0] == 1
    parts = rest[2:].split(b"\x00", 2)
    if len(parts) < 3:
        raise FormatProblem("iTXt chunk missing language or translated keyword")
    body = inflate(parts[2], limit) if compressed else parts[2]
    return TextChunk("iTXt", name, body.decode("utf-8", errors="replace"))


def inflate(
    data: bytes, limit: int = MAX_TEXT_BYTES, *, gzip: bool = False, what: str = "compressed text"
) -> bytes:
    """Decompress (zlib, or gzip) at most ``limit`` bytes; a bomb raises FormatProblem."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit)
    except zlib.error as exc:
        raise FormatProblem(f"bad {what} ({exc})") from exc
    if decompressor.unconsumed_tail:
        raise TextTooLong(f"{what} expands past {limit} bytes; the rest was not read")
    return out


class TextTooLong(FormatProblem):
    """Compressed data expands past its limit: what it holds past the limit was not read."""
