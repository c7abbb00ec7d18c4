"""OpenEXR headers and chunk tables, read in Python: no OpenEXR library, no output.

An EXR file is a magic number, a version field (its flags say tiled,
long names, deep data, multi-part), one header per part (attributes
``name\\0 type\\0 size value``, ended by an empty name), then one table of
chunk offsets per part, then the chunks. The library's reader prints
warnings on standard output and trusts what the header declares; this one is
checked before anything is decoded:

* the data window of every part is a real rectangle, and not absurdly large
  (:data:`MAX_SAMPLES_PER_PART`: a negative or gigapixel window is damage);
* every chunk offset lies inside the file, and the last chunk (of a
  scanline or tiled part) ends inside it (a file cut short is damage).

Everything read is bounded: :data:`MAX_HEADER_BYTES` of headers,
:data:`MAX_ATTRIBUTES` per part, :data:`MAX_PARTS` parts and
:data:`MAX_CHUNKS` chunk offsets; reaching one is a limit ("not fully
read"), apart from damage.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from provenance.files.formats import FormatProblem

MAGIC = b"\x76\x2f\x31\x01"
MAX_HEADER_BYTES = 1024 * 1024
MAX_ATTRIBUTES = 1024
MAX_PARTS = 64
MAX_CHUNKS = 1 << 20
MAX_SAMPLES_PER_PART = 1 << 32  # 65,536 x 65,536: far beyond any frame

_TILED, _LONG_NAMES, _DEEP, _MULTIPART = 0x200, 0x400, 0x800, 0x1000
# Scanlines per chunk for each compression (NONE, RLE, ZIPS, ZIP, PIZ, PXR24, B44, B44A,
# DWAA, DWAB, HTJ2K256, HTJ2K32).
_LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}


@dataclass(frozen=True)
class ExrPart:
    """What one part's header declares: its data window, compression and chunk count."""

    window: tuple[int, int, int, int]  # xMin, yMin, xMax, yMax (inclusive)
    compression: int
    chunk_count: int | None  # declared (multi-part, deep) or computed (scanline); None if unknown
    leader_ints: int | None = None  # int32s before a chunk's data size (None: deep or unknown)

    @property
    def width(self) -> int:
        """Pixels across the data window (zero or less for an impossible window)."""
        return self.window[2] - self.window[0] + 1

    @property
    def height(self) -> int:
        """Pixels down the data window (zero or less for an impossible window)."""
        return self.window[3] - self.window[1] + 1


@dataclass
class ExrLayout:
    """The parts of an EXR file, and what was found wrong (``problems``) or left unread."""

    parts: list[ExrPart] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def read_exr_layout(stream: BinaryIO, file_size: int) -> ExrLayout:
    """Read and check an EXR file's headers and chunk tables; raises FormatProblem if not EXR."""
    head = stream.read(8)
    if len(head) < 8 or head[:4] != MAGIC:
        raise FormatProblem("not an OpenEXR file")
    flags = struct.unpack("<I", head[4:8])[0]
    layout = ExrLayout()
    raw = stream.read(MAX_HEADER_BYTES)
    reader = _Attributes(raw, 255 if flags & _LONG_NAMES else 31)
    try:
        _read_parts(reader, flags, layout)
    except _Short:
        _short(layout, len(raw))
        return layout
    for part in layout.parts:
        _check_window(part, layout)
    if not layout.problems and not layout.limits:
        _check_offsets(stream, 8 + reader.position, file_size, flags, layout)
    return layout


def read_exr_attributes(stream: BinaryIO) -> dict[str, tuple[str, bytes]]:
    """The first part's header attributes: name -> (type, raw value). Raises FormatProblem."""
    head = stream.read(8)
    if len(head) < 8 or head[:4] != MAGIC:
        raise FormatProblem("not an OpenEXR file")
    flags = struct.unpack("<I", head[4:8])[0]
    reader = _Attributes(stream.read(MAX_HEADER_BYTES), 255 if flags & _LONG_NAMES else 31)
    try:
        return _header(reader) or {}
    except _Short as exc:
        raise FormatProblem("EXR header ends before it is complete") from exc


def _short(layout: ExrLayout, read: int) -> None:
    if read >= MAX_HEADER_BYTES:
        layout.limits.append(f"EXR headers longer than {MAX_HEADER_BYTES} bytes; not fully read")
    else:
        layout.problems.append("EXR header ends before it is complete (truncated)")


class _Short(Exception):
    """The header bytes ran out mid-attribute."""


class _Attributes:
    """A cursor over the header bytes."""

    def __init__(self, raw: bytes, max_name: int) -> None:
        self.raw, self.position, self.max_name = raw, 0, max_name

    def name(self) -> str:
        end = self.raw.find(b"\x00", self.position, self.position + self.max_name + 1)
        if end < 0:
            if len(self.raw) - self.position <= self.max_name:
                raise _Short
            raise FormatProblem("EXR attribute name too long")
        text = self.raw[self.position : end].decode("latin-1")
        self.position = end + 1
        return text

    def value(self) -> bytes:
        if self.position + 4 > len(self.raw):
            raise _Short
        size = struct.unpack_from("<i", self.raw, self.position)[0]
        if size < 0:
            raise FormatProblem(f"EXR attribute of negative size {size}")
        start, self.position = self.position + 4, self.position + 4 + size
        if self.position > len(self.raw):
            raise _Short
        return self.raw[start : self.position]


def _read_parts(reader: _Attributes, flags: int, layout: ExrLayout) -> None:
    multipart = bool(flags & _MULTIPART)
    for _ in range(MAX_PARTS):
        attributes = _header(reader)
        if attributes is None:  # the empty header that ends a multi-part list
            return
        layout.parts.append(_part(attributes, flags))
        if not multipart:
            return
    layout.limits.append(f"more than {MAX_PARTS} EXR parts; the rest was not read")


def _header(reader: _Attributes) -> dict[str, tuple[str, bytes]] | None:
    attributes: dict[str, tuple[str, bytes]] = {}
    for _ in range(MAX_ATTRIBUTES):
        name = reader.name()
        if not name:
            return attributes or None
        kind = reader.name()
        attributes[name] = (kind, reader.value())
    raise FormatProblem(f"EXR header with more than {MAX_ATTRIBUTES} attributes")


def _part(attributes: dict[str, tuple[str, bytes]], flags: int) -> ExrPart:
    window_raw = attributes.get("dataWindow", ("", b""))[1]
    if len(window_raw) != 16:
        raise FormatProblem("EXR header has no valid dataWindow")
    window = struct.unpack("<4i", window_raw)
    compression_raw = attributes.get("compression", ("", b"\x00"))[1]
    compression = compression_raw[0] if compression_raw else 0
    declared = attributes.get("chunkCount", ("", b""))[1]
    count: int | None = struct.unpack("<i", declared)[0] if len(declared) == 4 else None
    kind = attributes.get("type", ("", b""))[1].rstrip(b"\x00")
    scanline = not flags & (_TILED | _DEEP) and kind in (b"", b"scanlineimage")
    if count is None and scanline and compression in _LINES_PER_CHUNK:
        height = window[3] - window[1] + 1
        count = math.ceil(height / _LINES_PER_CHUNK[compression]) if height > 0 else 0
    tiled = kind == b"tiledimage" or (not kind and flags & _TILED and not flags & _DEEP)
    if count is None and tiled:
        count = _one_level_tiles(attributes.get("tiles", ("", b""))[1], window)
    # A chunk starts with its part number (multi-part files only), then its line
    # (one int) or tile (four ints), then its data size.
    leader = (1 if scanline else 4 if tiled else None) if kind != b"deep" else None
    if leader is not None and flags & _MULTIPART:
        leader += 1
    return ExrPart((window[0], window[1], window[2], window[3]), compression, count, leader)


def _one_level_tiles(description: bytes, window: tuple[int, ...]) -> int | None:
    """How many tiles a single-level tiled part holds (None for mipmaps and ripmaps)."""
    if len(description) != 9 or description[8] & 0x0F != 0:
        return None
    across, down = (int(v) for v in struct.unpack("<II", description[:8]))
    width, height = window[2] - window[0] + 1, window[3] - window[1] + 1
    if not across or not down or width <= 0 or height <= 0:
        return None
    return math.ceil(width / across) * math.ceil(height / down)


def _check_window(part: ExrPart, layout: ExrLayout) -> None:
    if part.width <= 0 or part.height <= 0:
        layout.problems.append(f"EXR data window {part.window} is empty or negative")
    elif part.width * part.height > MAX_SAMPLES_PER_PART:
        layout.problems.append(
            f"EXR data window {part.width}x{part.height} is absurdly large (damaged or hostile)"
        )


def _check_offsets(
    stream: BinaryIO, table_start: int, file_size: int, flags: int, layout: ExrLayout
) -> None:
    counts = [p.chunk_count for p in layout.parts]
    if any(c is None or c < 0 for c in counts):
        return  # tiled or deep single-part files: the table's length is not declared
    total = sum(c for c in counts if c is not None)
    if total > MAX_CHUNKS:
        layout.limits.append(f"EXR with {total} chunks; its chunk table was not read")
        return
    stream.seek(table_start)
    raw = stream.read(8 * total)
    if len(raw) < 8 * total:
        layout.problems.append("EXR chunk table runs past the end of the file (truncated)")
        return
    offsets = struct.unpack(f"<{total}Q", raw)
    past = [o for o in offsets if not table_start + 8 * total <= o < file_size]
    if past:
        layout.problems.append(
            f"{len(past)} EXR chunk offsets point outside the file (truncated or damaged)"
        )
    elif offsets:
        _check_last_chunk(stream, offsets, file_size, layout)


def _check_last_chunk(
    stream: BinaryIO, offsets: tuple[int, ...], file_size: int, layout: ExrLayout
) -> None:
    last = max(range(len(offsets)), key=offsets.__getitem__)
    ints = _owner(layout.parts, last).leader_ints
    if ints is None:
        return  # deep data: its chunks carry more sizes than one
    stream.seek(offsets[last])
    header = stream.read(4 * ints + 4)
    size = struct.unpack_from("<i", header, 4 * ints)[0] if len(header) == 4 * ints + 4 else -1
    if size < 0 or offsets[last] + 4 * ints + 4 + size > file_size:
        layout.problems.append("the last EXR chunk runs past the end of the file (truncated)")


def _owner(parts: list[ExrPart], index: int) -> ExrPart:
    """The part whose table holds the ``index``-th offset of all."""
    for part in parts:
        count = part.chunk_count or 0
        if index < count:
            return part
        index -= count
    return parts[-1]
