"""Small file builders for the generator-detector tests (checked by test_builders_generators.py).

Every test file is made here in memory (Pillow for the pixels, our own writers
for chunks, segments and EXIF blocks), so each tool's format is tested exactly
as the tool writes it, without copying third-party files into the repository.
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from provenance.classify import Classification, classify_file
from provenance.detectors.generators.detector import METADATA_DETECTOR, STEALTH_DETECTOR
from provenance.settings import Settings

ASCII, UNDEFINED = 2, 7
DETECTORS = (METADATA_DETECTOR, STEALTH_DETECTOR)


# -- PNG ---------------------------------------------------------------------------------------


def chunk(ctype: bytes, data: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def text_chunk(key: str, text: str, kind: str = "tEXt") -> bytes:
    """A tEXt, zTXt or iTXt chunk (iTXt compressed when kind is 'iTXt-z')."""
    name = key.encode("latin-1") + b"\x00"
    if kind == "tEXt":
        return chunk(b"tEXt", name + text.encode("latin-1"))
    if kind == "zTXt":
        return chunk(b"zTXt", name + b"\x00" + zlib.compress(text.encode("latin-1")))
    body = text.encode("utf-8")
    compressed = kind == "iTXt-z"
    head = name + (b"\x01\x00" if compressed else b"\x00\x00") + b"\x00\x00"
    return chunk(b"iTXt", head + (zlib.compress(body) if compressed else body))


def split_png(data: bytes) -> list[bytes]:
    """A PNG's chunks, as raw bytes, signature first."""
    parts, pos = [data[:8]], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        parts.append(data[pos : pos + 12 + length])
        pos += 12 + length
    return parts


def png_bytes(
    image: Image.Image | None = None,
    before: Sequence[bytes] = (),
    after: Sequence[bytes] = (),
    **save: object,
) -> bytes:
    """A PNG of ``image`` with extra chunks before the first IDAT and after the last."""
    image = image or Image.new("RGB", (8, 8), (40, 90, 160))
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    parts = split_png(out.getvalue())
    first = next(i for i, p in enumerate(parts) if p[4:8] == b"IDAT")
    last = max(i for i, p in enumerate(parts) if p[4:8] == b"IDAT")
    return b"".join([*parts[:first], *before, *parts[first : last + 1], *after, *parts[last + 1 :]])


def filtered_png(image: Image.Image) -> bytes:
    """An 8-bit RGB/RGBA PNG whose rows cycle through all five filter types."""
    channels = 4 if image.mode == "RGBA" else 3
    width, height = image.size
    raw, previous, rows = image.tobytes(), bytes(width * channels), []
    for y in range(height):
        row = raw[y * width * channels : (y + 1) * width * channels]
        kind = y % 5
        rows.append(bytes([kind]) + _filter(kind, row, previous, channels))
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def _filter(kind: int, row: bytes, above: bytes, bpp: int) -> bytes:
    out = bytearray(len(row))
    for i, value in enumerate(row):
        left = row[i - bpp] if i >= bpp else 0
        corner = above[i - bpp] if i >= bpp else 0
        predictor = [0, left, above[i], (left + above[i]) >> 1, _paeth(left, above[i], corner)][
            kind
        ]
        out[i] = (value - predictor) & 0xFF
    return bytes(out)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


# -- EXIF --------------------------------------------------------------------------------------


def user_comment(text: str, encoding: str = "be") -> bytes:
    """A UserComment value: 8-byte charset code, then the text."""
    if encoding == "be":
        return b"UNICODE\x00" + text.encode("utf-16-be")
    if encoding == "le":
        return b"UNICODE\x00" + text.encode("utf-16-le")
    if encoding == "bom":
        return b"UNICODE\x00" + text.encode("utf-16")
    if encoding == "undefined":
        return b"\x00" * 8 + text.encode("utf-8")
    return b"ASCII\x00\x00\x00" + text.encode("utf-8")


Tags = dict[int, tuple[int, bytes]]


def exif_block(ifd0: Tags, exif: Tags | None = None, big_endian: bool = False) -> bytes:
    """A TIFF-structured EXIF block with IFD0 and, when given, an Exif sub-IFD."""
    e = ">" if big_endian else "<"
    ifd0 = dict(ifd0)
    exif_offset = 8 + _ifd_size(ifd0, with_pointer=exif is not None)
    if exif is not None:
        ifd0[0x8769] = (4, struct.pack(e + "I", exif_offset))
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    block = head + _ifd(ifd0, 8, e)
    return block + (_ifd(exif, len(block), e) if exif is not None else b"")


def _ifd_size(tags: Tags, with_pointer: bool) -> int:
    count = len(tags) + (1 if with_pointer else 0)
    extra = sum(len(v) for _, v in tags.values() if len(v) > 4)
    return 2 + 12 * count + 4 + extra


def _ifd(tags: Tags, start: int, e: str) -> bytes:
    entries, data = b"", b""
    data_at = start + 2 + 12 * len(tags) + 4
    for tag in sorted(tags):
        kind, value = tags[tag]
        count = len(value) // 4 if kind == 4 else len(value)
        if len(value) <= 4:
            entries += struct.pack(e + "HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            entries += struct.pack(e + "HHII", tag, kind, count, data_at + len(data))
            data += value
    return struct.pack(e + "H", len(tags)) + entries + b"\x00\x00\x00\x00" + data


def ascii_tag(text: str) -> tuple[int, bytes]:
    """An ASCII-typed tag value, NUL-terminated, UTF-8 inside as savers write it."""
    return ASCII, text.encode("utf-8") + b"\x00"


# -- JPEG and WebP -----------------------------------------------------------------------------


def jpeg_bytes(
    exif: bytes | None = None, comments: Sequence[bytes] = (), xmp: bytes | None = None
) -> bytes:
    """A small JPEG with an EXIF APP1, XMP APP1 and COM segments inserted after SOI."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    data = out.getvalue()
    segments = b""
    if exif is not None:
        segments += _segment(0xE1, b"Exif\x00\x00" + exif)
    if xmp is not None:
        segments += _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp)
    for comment in comments:
        segments += _segment(0xFE, comment)
    return data[:2] + segments + data[2:]


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def webp_bytes(
    image: Image.Image | None = None,
    exif: bytes | None = None,
    xmp: bytes | None = None,
    lossless: bool = True,
) -> bytes:
    """A WebP (lossless by default) with optional EXIF and XMP chunks."""
    image = image or Image.new("RGB", (8, 8), (10, 200, 10))
    out = io.BytesIO()
    options: dict[str, object] = {"lossless": lossless, "quality": 90}
    if exif is not None:
        options["exif"] = exif
    if xmp is not None:
        options["xmp"] = xmp
    image.save(out, "WEBP", **options)
    return out.getvalue()


# -- stealth -----------------------------------------------------------------------------------


def stealth_image(
    payload: bytes,
    signature: str,
    size: tuple[int, int] = (64, 48),
    mode: str = "RGBA",
    raw: bool = False,
) -> Image.Image:
    """An image whose low bits carry ``signature`` + 32-bit bit length + payload, column-major.

    ``comp`` signatures get a gzipped payload unless ``raw``.
    """
    body = gzip.compress(payload) if signature.endswith("comp") and not raw else payload
    data = signature.encode() + struct.pack(">I", len(body) * 8) + body
    bits = [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]
    image = Image.new(mode, size, (123, 77, 200, 255)[: len(mode)])
    pixels = image.load()
    assert pixels is not None
    use_rgb = "rgb" in signature
    width, height = size
    slot = 0
    for x in range(width):
        for y in range(height):
            if slot >= len(bits):
                return image
            values = list(pixels[x, y])  # type: ignore[arg-type]
            slot = _set_bits(values, bits, slot, use_rgb)
            pixels[x, y] = tuple(values)
    assert slot >= len(bits), "payload does not fit the image"
    return image


def _set_bits(values: list[int], bits: list[int], slot: int, use_rgb: bool) -> int:
    for channel in (0, 1, 2) if use_rgb else (3,):
        if slot < len(bits):
            values[channel] = (values[channel] & ~1) | bits[slot]
            slot += 1
    return slot


# -- running the detectors ---------------------------------------------------------------------


def classify_bytes(tmp_path: Path, data: bytes, name: str = "file.png") -> Classification:
    """Write ``data`` and classify it with the generator detectors only."""
    path = tmp_path / name
    path.write_bytes(data)
    return classify_file(path, Settings(db="sqlite://"), detectors=DETECTORS)[1]
