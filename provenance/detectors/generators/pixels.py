"""Reading the first few pixel columns of an image, and nothing more.

Stealth metadata (see :mod:`~provenance.detectors.generators.stealth`) is
written column by column, so its magic and length sit in the top of the first
column and its payload in the first few columns. :class:`PngColumns` decodes
a non-interlaced 8-bit RGB/RGBA PNG as a stream: the ``IDAT`` data is inflated
a row at a time and only the first ``columns`` pixels of each row are
unfiltered -- which is possible because every PNG filter reads only bytes to
the left of and above the current one. The magic check therefore inflates
only the first 152 rows, and memory stays at a few rows. Other layouts
(interlaced PNG, lossless WebP) go through Pillow, within a pixel budget.

A source returns rows as ``bytes`` of ``columns * channels`` samples.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from PIL import Image

from provenance.files.formats import FormatProblem
from provenance.files.formats.png import PngInfo
from provenance.files.opening import open_regular
from provenance.files.pillow import pillow_reading

READ_BLOCK = 64 * 1024
ROWS_AT_ONCE = 8  # rows inflated at one call, at most (the magic's first check wants 8)
FIRST_BLOCK = 16 * 1024  # the magic's first check wants 8 rows: a few KiB of most images' data
MAX_PILLOW_PIXELS = 4096 * 4096
MAX_ROW_BYTES = 256 * 1024
MAX_STREAM_PIXELS = 8192 * 8192


class PixelSource(Protocol):
    """Gives the first pixels of the first rows of one image."""

    width: int
    height: int
    channels: int

    def columns(self, count: int, rows: int) -> list[bytes]:
        """The first ``count`` pixels of each of the first ``rows`` rows."""
        ...


class PngColumns:
    """Streaming reader of the left columns of an 8-bit, non-interlaced RGB/RGBA PNG."""

    def __init__(self, path: Path, info: PngInfo) -> None:
        if info.bit_depth != 8 or info.interlace or info.color_type not in (2, 6):
            raise FormatProblem("PNG layout not handled by the streaming reader")
        self.path, self.spans = path, list(info.idat)
        self.width, self.height = info.width, info.height
        self.channels = 4 if info.color_type == 6 else 3
        too_wide = self.width * self.channels > MAX_ROW_BYTES
        if too_wide or self.width * self.height > MAX_STREAM_PIXELS:
            raise FormatProblem("PNG too large to look for stealth bits")

    def columns(self, count: int, rows: int) -> list[bytes]:
        """Unfilter the first ``count`` pixels of the first ``rows`` rows."""
        keep = min(count, self.width) * self.channels
        out: list[bytes] = []
        previous = bytearray(keep)
        for raw in self._rows(min(rows, self.height)):
            current = _unfilter(raw[0], raw[1 : 1 + keep], previous, self.channels)
            out.append(bytes(current))
            previous = current
        return out

    def _rows(self, rows: int) -> Iterator[bytearray]:
        length = 1 + self.width * self.channels
        buffer = bytearray()
        inflater = zlib.decompressobj()
        data = self._idat()
        for row in range(rows):
            while len(buffer) < length:
                chunk = inflater.unconsumed_tail or next(data, b"")
                if not chunk:
                    raise FormatProblem("PNG image data ends early")
                # The rows still wanted at one call (a few: memory stays at a few rows).
                wanted = min(rows - row, ROWS_AT_ONCE) * length
                buffer += _inflate(inflater, chunk, wanted)
            yield buffer[:length]
            del buffer[:length]

    def _idat(self) -> Iterator[bytes]:
        # Small first: the inflater copies what it has not consumed at every call, and
        # most looks stop after 8 rows.
        block = FIRST_BLOCK
        with open_regular(self.path) as stream:
            for offset, size in self.spans:
                stream.seek(offset)
                left = size
                while left > 0:
                    data = stream.read(min(left, block))
                    if not data:
                        return
                    left -= len(data)
                    block = READ_BLOCK
                    yield data


def _inflate(inflater: zlib._Decompress, chunk: bytes, most: int) -> bytes:
    try:
        return inflater.decompress(chunk, most)
    except zlib.error as exc:
        raise FormatProblem(f"bad PNG image data ({exc})") from exc


def _unfilter(kind: int, raw: bytes | bytearray, above: bytearray, bpp: int) -> bytearray:
    """Reverse one PNG row filter on a row prefix (filters never look right or below)."""
    row = bytearray(raw)
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up = above[i]
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 2:
            row[i] = (row[i] + up) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + ((left + up) >> 1)) & 0xFF
        elif kind == 4:
            row[i] = (row[i] + _paeth(left, up, above[i - bpp] if i >= bpp else 0)) & 0xFF
    return row


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


class PillowColumns:
    """Left columns via a full Pillow decode, for layouts the streaming reader skips."""

    def __init__(self, path: Path) -> None:
        self._stream = open_regular(path)  # Pillow leaves a stream it was given open
        try:
            with pillow_reading():
                image = Image.open(self._stream)
        except BaseException:
            self._stream.close()
            raise
        if image.width * image.height > MAX_PILLOW_PIXELS or getattr(image, "n_frames", 1) != 1:
            image.close()
            self._stream.close()
            raise FormatProblem("image too large or animated; pixels not read")
        self.width, self.height = image.size
        self.channels = 4 if "A" in image.getbands() else 3
        self._image: Image.Image | None = image
        self._decoded: Image.Image | None = None

    def columns(self, count: int, rows: int) -> list[bytes]:
        """Decode the image on first use and return its left columns."""
        decoded = self._decode()
        crop = decoded.crop((0, 0, min(count, self.width), min(rows, self.height)))
        stride = crop.width * self.channels
        data = crop.tobytes()
        return [data[i : i + stride] for i in range(0, len(data), stride)]

    def _decode(self) -> Image.Image:
        if self._decoded is None:
            assert self._image is not None
            with self._stream, self._image as image:
                self._decoded = image.convert("RGBA" if self.channels == 4 else "RGB")
            self._image = None
        return self._decoded
