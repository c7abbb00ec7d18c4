"""A bounded reader for the TIFF-structured EXIF block, raw tags only.

EXIF is a little TIFF file: a byte-order mark (``II`` little-endian, ``MM``
big-endian), the offset of the first image file directory (IFD0), and IFDs of
12-byte entries ``(tag, type, count, value-or-offset)``. IFD0 holds
``ImageDescription`` (0x010E), ``Make`` (0x010F), ``Model`` (0x0110),
``Software`` (0x0131), ``Artist`` (0x013B) and a pointer (0x8769) to the Exif
sub-IFD, which holds ``UserComment`` (0x9286) and ``MakerNote`` (0x927C).

Generators misuse these tags to carry text that has nothing to do with a camera
(ComfyUI puts JSON graphs in ``Make``/``Model``, some savers put
``UserComment`` in IFD0), so this reader returns every tag's raw bytes from
IFD0 and the Exif IFD, and decoding is left to the caller. Only those two IFDs
are read (no chains, no recursion), entry counts are capped, and every offset
is checked against the block, so hostile blocks end in :class:`FormatProblem`
or in fewer tags, never in a crash.

It is deliberately not a camera-EXIF library: judging camera EXIF is done with
exifread elsewhere.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from provenance.files.formats import FormatProblem

MAX_ENTRIES = 1024
EXIF_IFD_POINTER = 0x8769
EXIF_PREFIX = b"Exif\x00\x00"

# type id -> size in bytes of one value
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
ASCII = 2
UNDEFINED = 7

IMAGE_DESCRIPTION = 0x010E
MAKE = 0x010F
MODEL = 0x0110
SOFTWARE = 0x0131
ARTIST = 0x013B
DOCUMENT_NAME = 0x010D
USER_COMMENT = 0x9286
MAKER_NOTE = 0x927C


@dataclass(frozen=True)
class RawTag:
    """One IFD entry: its TIFF type and the bytes of its value."""

    type: int
    data: bytes


@dataclass
class TiffTags:
    """Raw tags of IFD0 and of the Exif sub-IFD, and the block's byte order."""

    big_endian: bool = False
    ifd0: dict[int, RawTag] = field(default_factory=dict)
    exif: dict[int, RawTag] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def find(self, tag: int) -> RawTag | None:
        """The tag from the Exif IFD, else from IFD0 (where some savers misplace it)."""
        return self.exif.get(tag) or self.ifd0.get(tag)


def read_tiff(block: bytes) -> TiffTags:
    """Read IFD0 and the Exif IFD of a TIFF-structured block (``Exif\\0\\0`` prefix skipped)."""
    if block.startswith(EXIF_PREFIX):
        block = block[len(EXIF_PREFIX) :]
    order = block[:4]
    if order not in (b"II*\x00", b"MM\x00*"):
        raise FormatProblem("EXIF block does not start with a TIFF header")
    tags = TiffTags(big_endian=order.startswith(b"MM"))
    endian = ">" if tags.big_endian else "<"
    first = struct.unpack(endian + "I", block[4:8])[0] if len(block) >= 8 else 0
    tags.ifd0 = _read_ifd(block, first, endian, tags.problems)
    pointer = tags.ifd0.get(EXIF_IFD_POINTER)
    if pointer is not None and len(pointer.data) >= 4:
        offset = struct.unpack(endian + "I", pointer.data[:4])[0]
        tags.exif = _read_ifd(block, offset, endian, tags.problems)
    return tags


def _read_ifd(block: bytes, offset: int, endian: str, problems: list[str]) -> dict[int, RawTag]:
    if offset < 8 or offset + 2 > len(block):
        problems.append(f"IFD offset {offset} outside the EXIF block")
        return {}
    count = struct.unpack(endian + "H", block[offset : offset + 2])[0]
    if count > MAX_ENTRIES:
        problems.append(f"IFD with {count} entries; only {MAX_ENTRIES} read")
        count = MAX_ENTRIES
    found: dict[int, RawTag] = {}
    for index in range(count):
        start = offset + 2 + 12 * index
        if start + 12 > len(block):
            problems.append("IFD entries run past the EXIF block")
            break
        entry = _read_entry(block, start, endian)
        if entry is not None:
            found.setdefault(entry[0], entry[1])
    return found


def _read_entry(block: bytes, start: int, endian: str) -> tuple[int, RawTag] | None:
    tag, kind, count = struct.unpack(endian + "HHI", block[start : start + 8])
    size = _TYPE_SIZES.get(kind)
    if size is None:
        return None
    length = size * count
    if length <= 4:
        return tag, RawTag(kind, block[start + 8 : start + 8 + length])
    offset = struct.unpack(endian + "I", block[start + 8 : start + 12])[0]
    if offset + length > len(block):
        return None
    return tag, RawTag(kind, block[offset : offset + length])


def decode_text(raw: RawTag) -> str:
    """An ASCII or byte tag as text: UTF-8 when valid (savers write it), else Latin-1."""
    return _bytes_text(raw.data).strip("\x00")


def _bytes_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_user_comment(raw: RawTag, big_endian: bool) -> str:
    """Decode ``UserComment``: an 8-byte charset code, then the text.

    ``UNICODE\\0`` is UTF-16 whose byte order writers disagree on (piexif, hence
    A1111, always writes big-endian; SwarmUI has written both), so the order is
    told from a byte-order mark or from where the zero bytes of ASCII-range
    characters fall, and only then from the block's byte order. ``ASCII``,
    undefined (eight NULs) and prefix-less values are read as UTF-8 text.
    """
    data = raw.data
    if raw.type == ASCII:
        return decode_text(raw)
    code, body = data[:8], data[8:]
    if code == b"UNICODE\x00":
        return _utf16(body, big_endian).strip("\x00")
    if code in (b"ASCII\x00\x00\x00", b"\x00" * 8, b"JIS\x00\x00\x00\x00\x00"):
        return _bytes_text(body).strip("\x00")
    return _bytes_text(data).strip("\x00")


def _utf16(body: bytes, big_endian: bool) -> str:
    if body[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return body.decode("utf-16", errors="replace")
    sample = body[:4096]
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    if even_zeros != odd_zeros:
        big_endian = even_zeros > odd_zeros
    return body[: len(body) & ~1].decode(
        "utf-16-be" if big_endian else "utf-16-le", errors="replace"
    )
