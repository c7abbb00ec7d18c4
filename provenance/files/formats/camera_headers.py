"""Camera identity in raw formats' own headers: Sigma X3F, RED R3D, Fujifilm RAF.

These formats are not TIFF inside (or not only), so exifread (which reads
TIFF, JPEG, PNG, WebP, HEIF and JPEG XL) finds nothing in them. Each keeps
the camera's name in a small header of its own, read here with fixed bounds:

X3F (Sigma, Foveon)
    ``FOVb`` header; the last 4 bytes of the file point to a section
    directory ``SECd`` of (offset, length, type) entries; the ``PROP``
    section (``SECp``) is a property list of UTF-16LE name/value pairs:
    ``CAMMANUF``, ``CAMMODEL``, ``CAMSERIAL``, ``FIRMVERS``.
R3D (RED Digital Cinema)
    big-endian blocks; the first is ``RED1`` or ``RED2``, holding a RED
    directory of records ``(int16u length, int16u tag, value)`` whose tag's
    top 4 bits give the format (1 = string). Tag 0x1071 is the camera model,
    0x1006 its serial number, 0x1025 the firmware, 0x1056 the original clip
    name (as exiftool's ``Red.pm`` reads them).
RAF (Fujifilm)
    ``FUJIFILMCCD-RAW `` then a 4-byte format version, an 8-byte camera id
    and the 32-byte camera model name; at 0x54 the offset and length of the
    embedded JPEG preview, whose ``APP1`` holds the camera's full EXIF.

Each reader returns a :class:`CameraHeader` (names as the camera wrote them)
or raises :class:`~provenance.files.formats.FormatProblem`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem, c_text
from provenance.files.opening import open_regular, stream_size

MAX_SECTION = 256 * 1024
MAX_PROPERTIES = 1024
MAX_R3D_HEADER = 64 * 1024
MAX_EXIF_SEGMENT = 64 * 1024
X3F_MAGIC = b"FOVb"
RAF_MAGIC = b"FUJIFILMCCD-RAW "
_X3F_KEYS = {"CAMMANUF": "make", "CAMMODEL": "model", "CAMSERIAL": "serial", "FIRMVERS": "software"}
_R3D_KEYS = {0x1071: "model", 0x1006: "serial", 0x1025: "software", 0x1056: "clip"}


@dataclass(frozen=True)
class CameraHeader:
    """A camera's names from a raw header; ``exif`` is an embedded EXIF block, if any."""

    fields: dict[str, str] = field(default_factory=dict)
    exif: bytes | None = None


def _read_at(stream: BinaryIO, offset: int, length: int, size: int, what: str) -> bytes:
    if offset < 0 or length < 0 or offset + length > size:
        raise FormatProblem(f"{what} at {offset} (+{length}) lies outside the file")
    stream.seek(offset)
    return stream.read(length)


def read_x3f(path: Path) -> CameraHeader:
    """The camera names in an X3F file's property list."""
    with open_regular(path) as stream:
        size = stream_size(stream)
        if stream.read(4) != X3F_MAGIC or size < 16:
            raise FormatProblem("not a Sigma X3F file")
        (directory,) = struct.unpack("<I", _read_at(stream, size - 4, 4, size, "X3F pointer"))
        head = _read_at(stream, directory, 12, size, "X3F section directory")
        if head[:4] != b"SECd":
            raise FormatProblem("X3F section directory not found")
        count = min(struct.unpack("<I", head[8:12])[0], 64)
        table = _read_at(stream, directory + 12, 12 * count, size, "X3F directory entries")
        for index in range(count):
            offset, length, kind = struct.unpack("<II4s", table[12 * index : 12 * index + 12])
            if kind == b"PROP":
                section = _read_at(stream, offset, min(length, MAX_SECTION), size, "X3F PROP")
                return CameraHeader(_x3f_properties(section))
    raise FormatProblem("X3F file has no property list")


def _x3f_properties(section: bytes) -> dict[str, str]:
    if section[:4] != b"SECp" or len(section) < 24:
        raise FormatProblem("X3F property list header damaged")
    count = min(struct.unpack("<I", section[8:12])[0], MAX_PROPERTIES)
    text_start = 24 + 8 * count
    text = section[text_start:]
    found: dict[str, str] = {}
    for index in range(count):
        if 24 + 8 * index + 8 > len(section):
            break
        name_at, value_at = struct.unpack("<II", section[24 + 8 * index : 32 + 8 * index])
        key = _X3F_KEYS.get(_utf16_at(text, name_at))
        if key is not None:
            found[key] = _utf16_at(text, value_at)
    return found


def _utf16_at(text: bytes, chars: int) -> str:
    """The NUL-terminated UTF-16LE string starting ``chars`` characters into ``text``."""
    start = 2 * chars
    end = start
    while end + 1 < len(text) and text[end : end + 2] != b"\x00\x00" and end - start < 512:
        end += 2
    return text[start:end].decode("utf-16-le", errors="replace").strip()


def read_r3d(path: Path) -> CameraHeader:
    """The camera names in an R3D file's first RED directory."""
    with open_regular(path) as stream:
        head = stream.read(8)
        if len(head) < 8 or head[4:7] != b"RED" or head[7:8] not in (b"1", b"2"):
            raise FormatProblem("not a RED R3D file")
        block = struct.unpack(">I", head[:4])[0]
        if not 8 <= block <= MAX_R3D_HEADER:
            raise FormatProblem(f"R3D header block of {block} bytes")
        data = head + stream.read(block - 8)
        if head[7:8] == b"1":
            data += stream.read(0x10000)  # RED1 keeps its directory in the second block
    return CameraHeader(_red_directory(data, head[7:8] == b"1", block))


def _red_directory(data: bytes, version1: bool, block: int) -> dict[str, str]:
    if version1:
        position = block + 0x22
    elif len(data) > 0x40:
        position = 0x44 + data[0x40] * 0x18 + 2  # after the "rdi" records and the length word
    else:
        raise FormatProblem("R3D header truncated")
    found: dict[str, str] = {}
    while position + 4 <= len(data):
        length, tag = struct.unpack(">HH", data[position : position + 4])
        if length < 4 or position + length > len(data):
            break
        if tag in _R3D_KEYS and tag >> 12 == 1:
            found[_R3D_KEYS[tag]] = c_text(data[position + 4 : position + length])
        position += length
    return found


def read_raf(path: Path) -> CameraHeader:
    """The camera model in a RAF header, and the EXIF block of its embedded JPEG."""
    with open_regular(path) as stream:
        size = stream_size(stream)
        head = stream.read(0x5C)
        if len(head) < 0x5C or not head.startswith(RAF_MAGIC):
            raise FormatProblem("not a Fujifilm RAF file")
        model = c_text(head[0x1C:0x3C])
        jpeg_at, jpeg_length = struct.unpack(">II", head[0x54:0x5C])
        fields = {"make": "FUJIFILM", "model": model} if model else {}
        exif = _jpeg_exif(stream, jpeg_at, jpeg_length, size) if jpeg_length else None
    return CameraHeader(fields, exif)


def _jpeg_exif(stream: BinaryIO, offset: int, length: int, size: int) -> bytes | None:
    """The ``Exif`` APP1 payload among the first segments of an embedded JPEG, if any."""
    head = _read_at(stream, offset, min(length, 4 * MAX_EXIF_SEGMENT), size, "RAF JPEG preview")
    if head[:2] != b"\xff\xd8":
        return None
    position = 2
    for _ in range(8):  # APP0/APP1 come first; the preview's EXIF is never far
        if position + 4 > len(head) or head[position] != 0xFF:
            return None
        marker, segment = (
            head[position + 1],
            struct.unpack(">H", head[position + 2 : position + 4])[0],
        )
        payload = head[position + 4 : position + 2 + segment]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            return payload
        position += 2 + segment
    return None
