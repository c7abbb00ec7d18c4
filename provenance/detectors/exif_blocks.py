"""Getting the EXIF block out of a container, and a read budget for exifread.

exifread can find EXIF itself, but it stops at the first segment it does not
expect (a JPEG whose ``APP11`` C2PA segments come before ``APP1`` reads as
having no EXIF), and it reads whatever offsets and counts a file claims. So
the block is cut out here with the project's bounded walkers — JPEG ``APP1``
(at most 64 KiB), PNG ``eXIf`` (or ImageMagick's hex ``Raw profile type
exif`` text), WebP ``EXIF``, the ``Exif`` item of a HEIF/AVIF file (found
through its item table), the ``Exif`` box of a JPEG XL container — and handed
over in memory. TIFF, DNG and camera raw files are their own EXIF container
and are read in place. A HEIF item table or JPEG XL box that does not parse
is damage the detector reports (:class:`FormatProblem` is not swallowed).

Either way exifread reads through a :class:`BudgetStream`, which caps the
bytes of any one read, the total bytes and the number of reads, and raises
:class:`ExifBudgetExceeded` past them: a TIFF with thousands of directories or
absurd value counts ends in an error item within milliseconds.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.heif_items import read_heif_items
from provenance.files.formats.jpeg import read_jpeg
from provenance.files.formats.jxl import read_jxl
from provenance.files.formats.png import MAX_CHUNK_BYTES, chunk_index, decode_text
from provenance.files.formats.riff import read_riff
from provenance.files.formats.tiff_file import ifd0_of
from provenance.files.opening import open_regular

MAX_READ_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_READS = 100_000
# IFD0 tags the EXIF detector reads (Make, Model, Software) and the pointer to
# the EXIF sub-IFD that holds the rest; a TIFF with none of them has no EXIF
# worth reading.
EXIF_TIFF_TAGS = frozenset({0x010F, 0x0110, 0x0131, 0x8769})
EXIF_PREFIX = b"Exif\x00\x00"
RAW_PROFILE = b"Raw profile type exif\x00"
_EXIF_CHUNKS = frozenset({b"eXIf", b"zTXt", b"tEXt", b"iTXt"})  # where a PNG may keep EXIF


class ExifBudgetExceeded(Exception):
    """exifread went past the read budget: the EXIF block is hostile or broken."""


class BudgetStream(io.RawIOBase):
    """A read-only view of a stream that stops exifread from reading without end."""

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._inner = inner
        self._reads = 0
        self._total = 0

    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Seekable like the wrapped stream."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Read at most :data:`MAX_READ_BYTES`; raise once the budget is spent."""
        self._reads += 1
        limit = MAX_READ_BYTES if size is None or size < 0 else min(size, MAX_READ_BYTES)
        data = self._inner.read(limit)
        self._total += len(data)
        if self._reads > MAX_READS or self._total > MAX_TOTAL_BYTES:
            raise ExifBudgetExceeded(
                f"EXIF reading stopped after {self._reads} reads, {self._total} bytes"
            )
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move within the wrapped stream."""
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        """Position within the wrapped stream."""
        return self._inner.tell()


def _tiff_block(data: bytes | None) -> BinaryIO | None:
    if not data:
        return None
    if data.startswith(EXIF_PREFIX):
        data = data[len(EXIF_PREFIX) :]
    return io.BytesIO(data) if data[:4] in (b"II*\x00", b"MM\x00*") else None


def _jpeg(path: Path) -> BinaryIO | None:
    return _tiff_block(read_jpeg(path).exif)


def _riff(path: Path) -> BinaryIO | None:
    return _tiff_block(read_riff(path).first("EXIF"))


def _heif(path: Path) -> BinaryIO | None:
    blocks = read_heif_items(path).exif
    return _tiff_block(blocks[0]) if blocks else None


def _jxl(path: Path) -> BinaryIO | None:
    blocks = read_jxl(path).exif
    return _tiff_block(blocks[0]) if blocks else None


def _png(path: Path) -> BinaryIO | None:
    refs, _problems, _limits = chunk_index(path)
    if not any(ref.ctype in _EXIF_CHUNKS for ref in refs):
        return None  # most PNGs: nothing to open the file again for
    with open_regular(path) as stream:
        for ref in refs:
            if ref.ctype == b"eXIf" and ref.length <= MAX_CHUNK_BYTES:
                stream.seek(ref.offset)
                return _tiff_block(stream.read(ref.length))
        for ref in refs:
            if ref.ctype in (b"zTXt", b"tEXt", b"iTXt") and ref.length <= MAX_CHUNK_BYTES:
                stream.seek(ref.offset)
                if stream.read(len(RAW_PROFILE)) == RAW_PROFILE:
                    stream.seek(ref.offset)
                    return _tiff_block(_raw_profile(ref.ctype, stream.read(ref.length)))
    return None


def _raw_profile(ctype: bytes, payload: bytes) -> bytes | None:
    """ImageMagick's ``Raw profile type exif``: a name line, a length line, then hex digits."""
    lines = decode_text(ctype, payload).text.strip().split("\n")
    try:
        return bytes.fromhex("".join(lines[2:]))
    except ValueError:
        return None


def exif_stream(path: Path, fmt: str | None) -> BinaryIO | None:
    """A stream for exifread holding the file's EXIF (None when the format carries none)."""
    readers = {"jpeg": _jpeg, "png": _png, "webp": _riff}
    if fmt in readers:
        try:
            return readers[fmt](path)
        except FormatProblem:
            return None
    if fmt in ("tiff", "raw"):
        return _tiff(path)
    if fmt in ("heif", "avif"):
        return _heif(path)
    if fmt == "jxl":
        return _jxl(path)
    return None


def _tiff(path: Path) -> BinaryIO | None:
    # A TIFF is its own EXIF block. Rendered frames usually carry no camera
    # or software tag, and exifread would still walk every IFD0 entry (the
    # strip tables of an uncompressed frame among them): the entry table
    # alone says whether there is anything to read.
    try:
        if EXIF_TIFF_TAGS.isdisjoint(ifd0_of(path).entries):
            return None
    except FormatProblem:
        pass  # a damaged table: exifread, on its budget, says what it can
    return open_regular(path)
