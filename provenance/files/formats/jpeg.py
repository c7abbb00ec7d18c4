"""JPEG marker-segment walking, up to the start of the image data.

Metadata in JPEG lives in marker segments before the scan (``SOS``): EXIF and
XMP in ``APP1``, extended XMP split across several ``APP1`` segments, C2PA's
JUMBF boxes in ``APP11``, IPTC-IIM in Photoshop's ``APP13``, comments in
``COM``. Each segment is at most 64 KiB, and the walk stops at ``SOS`` or after
:data:`MAX_SEGMENTS`, so no pixel is read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.opening import open_regular

MAX_SEGMENTS = 4096
EXIF_ID = b"Exif\x00\x00"
XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXT_ID = b"http://ns.adobe.com/xmp/extension/\x00"
MAX_EXTENDED_XMP = 16 * 1024 * 1024

_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass
class JpegInfo:
    """The metadata segments found in a JPEG."""

    segments: list[tuple[int, bytes]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

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
        """The standard XMP packet, if any."""
        for data in self.app(0xE1):
            if data.startswith(XMP_ID):
                return data[len(XMP_ID) :]
        return None

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


def read_jpeg(path: Path) -> JpegInfo:
    """Walk a JPEG file's marker segments. Raises :class:`FormatProblem` if not a JPEG."""
    with open_regular(path) as stream:
        return read_jpeg_stream(stream)


def read_jpeg_stream(stream: BinaryIO) -> JpegInfo:
    """Walk the marker segments of a JPEG stream positioned at its start."""
    if stream.read(2) != b"\xff\xd8":
        raise FormatProblem("not a JPEG file (no SOI marker)")
    info = JpegInfo()
    for _ in range(MAX_SEGMENTS):
        marker = _next_marker(stream)
        if marker is None:
            info.problems.append("file ends before the image data (truncated)")
            return info
        if marker in (_SOS, _EOI):
            return info
        if marker in _STANDALONE:
            continue
        if not _read_segment(stream, marker, info):
            return info
    info.problems.append(f"more than {MAX_SEGMENTS} segments; rest not read")
    return info


def _next_marker(stream: BinaryIO) -> int | None:
    byte = stream.read(1)
    while byte and byte != b"\xff":  # garbage between segments: tolerated, as decoders do
        byte = stream.read(1)
    while byte == b"\xff":  # fill bytes
        byte = stream.read(1)
    return byte[0] if byte else None


def _read_segment(stream: BinaryIO, marker: int, info: JpegInfo) -> bool:
    raw = stream.read(2)
    if len(raw) < 2:
        info.problems.append("segment length truncated")
        return False
    length = struct.unpack(">H", raw)[0]
    if length < 2:
        info.problems.append(f"segment 0x{marker:02X} has impossible length {length}")
        return False
    data = stream.read(length - 2)
    if len(data) < length - 2:
        info.problems.append(f"segment 0x{marker:02X} truncated")
        return False
    if 0xE0 <= marker <= 0xEF or marker == 0xFE:
        info.segments.append((marker, data))
    return True
