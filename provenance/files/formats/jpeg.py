"""JPEG marker-segment walking, up to the start of the image data.

Metadata in JPEG lives in marker segments before the scan (``SOS``): EXIF and
XMP in ``APP1``, extended XMP split across several ``APP1`` segments, C2PA's
JUMBF boxes in ``APP11``, IPTC-IIM in Photoshop's ``APP13``, comments in
``COM``. Each segment is at most 64 KiB, and the walk stops at ``SOS`` or after
:data:`MAX_SEGMENTS`, so no pixel is read.

Between segments, decoders tolerate garbage and any number of ``0xFF`` fill
bytes. They are skipped a buffer at a time (``bytes.find``), never a byte at a
time, and at most :data:`MAX_SKIPPED` of them: a file of nothing but fill bytes
costs one pass at memory speed. A limit reached is recorded in
:attr:`JpegInfo.limits` ("not fully read": what lay beyond was never seen),
apart from damage, in :attr:`JpegInfo.problems`.

What a decoder refuses before reading a single pixel (a marker code the
standard reserves, a frame of a precision or component count no decoder
handles, a quantisation table cut short, no frame header at all) is a
*fault* (:meth:`JpegInfo.fault`): the media facts call such a file
unreadable without handing it to an image library.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once
from provenance.files.opening import open_regular

MAX_SEGMENTS = 4096
MAX_SKIPPED = 16 * 1024 * 1024  # garbage and fill bytes skipped between segments, in all
SCAN_BUFFER = 64 * 1024
EXIF_ID = b"Exif\x00\x00"
XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXT_ID = b"http://ns.adobe.com/xmp/extension/\x00"
XMP_OPENING = b"<x:x"  # how an XMP packet's root element begins (<x:xmpmeta, <x:xapmeta)
MAX_EXTENDED_XMP = 16 * 1024 * 1024

_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Start-of-frame markers (every coding process but DHT, JPG and DAC, which share the range).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_DQT = 0xDB
# Codes below SOF0 are reserved (TEM, RES): no encoder writes them in a header.
_FIRST_KNOWN = 0xC0
PRECISIONS = frozenset({8, 12, 16})  # baseline and extended sequential; lossless up to 16
COMPONENTS = frozenset({1, 3, 4})  # grey, YCbCr or RGB, CMYK or YCCK


@dataclass(frozen=True)
class FrameHeader:
    """What a start-of-frame segment declares: sample precision (8, 12 or 16 bits) and size."""

    precision: int
    height: int
    width: int
    components: int


@dataclass
class JpegInfo:
    """The metadata segments found in a JPEG."""

    segments: list[tuple[int, bytes]] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    """Where each of :attr:`segments`' payloads lies in the file: (start, end) offsets."""
    header_end: int = 0
    """Where the walk stopped: the offset of ``SOS`` (or ``EOI``, or the end of what was read)."""
    skipped: int = 0
    """Garbage and fill bytes the walk passed between segments."""
    stray_xmp: bool = False
    """Whether a segment other than an XMP one holds the opening of an XMP packet."""
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    frames: list[FrameHeader] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)

    @property
    def frame(self) -> FrameHeader | None:
        """The first start-of-frame header, if any."""
        return self.frames[0] if self.frames else None

    def fault(self) -> str | None:
        """Why a decoder would refuse this file's header, or None when it would go on.

        Damage the walk records (:attr:`problems`) and limits are not faults:
        the integrity detector reports those.
        """
        if self.faults:
            return self.faults[0]
        if not self.frames:
            return "no frame header before the image data"
        for frame in self.frames:
            if frame.precision not in PRECISIONS:
                return f"cannot handle {frame.precision}-bit samples"
            if frame.components not in COMPONENTS:
                return f"cannot handle {frame.components}-component images"
            if not frame.width or not frame.height:
                return f"frame of {frame.width}x{frame.height} pixels"
        return None

    def app(self, marker: int) -> list[bytes]:
        """Payloads of all segments with this marker (0xE0..0xEF for APP0..APP15)."""
        return [data for m, data in self.segments if m == marker]

    @property
    def exif(self) -> bytes | None:
        """The TIFF-structured EXIF block of the first ``Exif`` APP1 segment."""
        for data in self.app(0xE1):
            if data.startswith(EXIF_ID):
                return data[len(EXIF_ID) :]
        return None

    @property
    def xmp(self) -> bytes | None:
        """The standard XMP packet, if any (the first, when a writer left several)."""
        found = self.standard_xmp
        return found[0] if found else None

    @property
    def standard_xmp(self) -> list[bytes]:
        """Every standard XMP packet, in file order (a writer may leave more than one)."""
        return [data[len(XMP_ID) :] for data in self.app(0xE1) if data.startswith(XMP_ID)]

    def xmp_spans(self) -> list[tuple[int, int]]:
        """Where the payloads of the standard and extended XMP segments lie in the file."""
        return [
            span
            for (marker, data), span in zip(self.segments, self.spans, strict=True)
            if marker == 0xE1 and data.startswith((XMP_ID, XMP_EXT_ID))
        ]

    @property
    def extended_xmp(self) -> bytes | None:
        """Extended XMP reassembled from its parts (by offset), if any."""
        parts: dict[int, bytes] = {}
        for data in self.app(0xE1):
            if data.startswith(XMP_EXT_ID) and len(data) >= len(XMP_EXT_ID) + 40:
                body = data[len(XMP_EXT_ID) :]
                offset = struct.unpack(">I", body[36:40])[0]
                parts[offset] = body[40:]
        if not parts:
            return None
        joined = b"".join(parts[k] for k in sorted(parts))
        return joined[:MAX_EXTENDED_XMP]

    @property
    def comments(self) -> list[bytes]:
        """Payloads of ``COM`` segments."""
        return self.app(0xFE)

    @property
    def has_jumbf(self) -> bool:
        """True when an APP11 segment carries JUMBF (where C2PA manifests live)."""
        return any(b"jumb" in data[:64] for data in self.app(0xEB))


@once
def read_jpeg(path: Path) -> JpegInfo:
    """Walk a JPEG file's marker segments. Raises :class:`FormatProblem` if not a JPEG."""
    with open_regular(path) as stream:
        return read_jpeg_stream(stream)


def read_jpeg_stream(stream: BinaryIO) -> JpegInfo:
    """Walk the marker segments of a JPEG stream positioned at its start."""
    if stream.read(2) != b"\xff\xd8":
        raise FormatProblem("not a JPEG file (no SOI marker)")
    info = JpegInfo()
    _walk(stream, info)
    info.header_end = stream.tell()
    return info


def _walk(stream: BinaryIO, info: JpegInfo) -> None:
    skipped = [0]
    _segments(stream, info, skipped)
    info.skipped = skipped[0]


def _segments(stream: BinaryIO, info: JpegInfo, skipped: list[int]) -> None:
    for _ in range(MAX_SEGMENTS):
        marker = _next_marker(stream, skipped)
        if marker is None:
            _ended(info, skipped[0])
            return
        if marker in (_SOS, _EOI):
            return
        if marker < _FIRST_KNOWN:
            info.faults.append(f"reserved marker 0x{marker:02X} in the header")
        if marker in _STANDALONE:
            continue
        if not _read_segment(stream, marker, info):
            return
    info.limits.append(f"more than {MAX_SEGMENTS} JPEG segments; the rest was not read")


def _ended(info: JpegInfo, skipped: int) -> None:
    if skipped > MAX_SKIPPED:
        info.limits.append(f"more than {MAX_SKIPPED} bytes between JPEG segments; rest not read")
    else:
        info.problems.append("file ends before the image data (truncated)")


def _next_marker(stream: BinaryIO, skipped: list[int]) -> int | None:
    """The next marker's code, the stream left just after it; None at the end or past the budget.

    ``skipped`` counts the garbage and fill bytes passed so far, over the whole walk.
    """
    pair = stream.read(2)
    if len(pair) == 2 and pair[0] == 0xFF and pair[1] != 0xFF:
        return pair[1]  # the usual case: a segment follows the last one at once
    stream.seek(-len(pair), 1)
    in_fill = False  # the last byte seen was 0xFF: the next other byte is the marker code
    while skipped[0] <= MAX_SKIPPED:
        start = stream.tell()
        chunk = stream.read(SCAN_BUFFER)
        if not chunk:
            return None
        at = _marker_at(chunk, in_fill)
        if at is not None:
            stream.seek(start + at + 1)
            skipped[0] += at
            return chunk[at]
        in_fill = chunk[-1] == 0xFF
        skipped[0] += len(chunk)
    return None


def _marker_at(chunk: bytes, in_fill: bool) -> int | None:
    """Where in ``chunk`` the code after a run of 0xFF is, or None when the chunk ends first."""
    start = 0 if in_fill else chunk.find(b"\xff") + 1
    if start == 0 and not in_fill:
        return None  # garbage only
    code = len(chunk) - len(chunk[start:].lstrip(b"\xff"))
    return code if code < len(chunk) else None


def _read_segment(stream: BinaryIO, marker: int, info: JpegInfo) -> bool:
    raw = stream.read(2)
    if len(raw) < 2:
        info.problems.append("segment length truncated")
        return False
    length = struct.unpack(">H", raw)[0]
    if length < 2:
        info.problems.append(f"segment 0x{marker:02X} has impossible length {length}")
        return False
    start = stream.tell()
    data = stream.read(length - 2)
    if len(data) < length - 2:
        info.problems.append(f"segment 0x{marker:02X} truncated")
        return False
    if XMP_OPENING in data and not (marker == 0xE1 and data.startswith((XMP_ID, XMP_EXT_ID))):
        info.stray_xmp = True  # a packet swallowed by this segment, or under a damaged name
    if 0xE0 <= marker <= 0xEF or marker == 0xFE:
        info.segments.append((marker, data))
        info.spans.append((start, start + len(data)))
    elif marker in _SOF:
        _take_frame(info, data)
    elif marker == _DQT and not _tables_whole(data):
        info.faults.append("quantisation table cut short")
    return True


def _take_frame(info: JpegInfo, data: bytes) -> None:
    if len(data) < 6 or (len(data) - 6) % 3:  # 6 bytes, then 3 for each component
        info.faults.append(f"frame header of {len(data)} bytes")
        return
    height, width = struct.unpack(">HH", data[1:5])
    info.frames.append(FrameHeader(data[0], height, width, data[5]))


def _tables_whole(data: bytes) -> bool:
    """Whether every table of a DQT segment has its 64 entries (of 1 or 2 bytes)."""
    at = 0
    while at < len(data):
        at += 1 + 64 * (2 if data[at] >> 4 else 1)
    return at == len(data)
