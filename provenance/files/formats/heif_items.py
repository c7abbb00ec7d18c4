"""HEIF and AVIF *items*: the EXIF block and XMP packet a still image carries.

HEIF (``.heic``, ``.hif``) and AVIF are ISO base media files whose top-level
``meta`` box describes *items* rather than tracks: the coded image, its
thumbnails, and metadata items. Two metadata items matter here:

* an item of type ``Exif``: a 4-byte big-endian offset to the TIFF header,
  then the EXIF block (cameras, and generators writing EXIF);
* an item of type ``mime`` with content type ``application/rdf+xml``: an XMP
  packet (where ComfyUI savers and editors write theirs).

``meta/iinf`` lists the items (``infe`` entries: id, type, content type) and
``meta/iloc`` says where each item's bytes are: extents in the file, or in the
``meta/idat`` box (construction method 1). Extents may lie anywhere, at the
very end of the file after the image data too, so the item table is followed
rather than the file scanned.

Read with :func:`read_heif_items`, on top of the bounded box walk of
:mod:`~provenance.files.formats.bmff`. Counts, extents and sizes are bounded;
an item table that does not parse, or an extent outside the file, raises
:class:`~provenance.files.formats.FormatProblem`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from provenance.files.formats import FormatProblem
from provenance.files.formats.bmff import BmffInfo, Box, read_bmff, read_payload
from provenance.files.opening import open_regular

MAX_ITEMS = 4096
MAX_EXTENTS = 64
MAX_ITEM_BYTES = 16 * 1024 * 1024
MAX_ITEMS_BYTES = 4 * MAX_ITEM_BYTES  # all the metadata items read, together
MAX_TABLE_BYTES = 1024 * 1024
XMP_MIME = "application/rdf+xml"


@dataclass(frozen=True)
class ItemInfo:
    """One ``infe`` entry: item id, four-character type, and content type for ``mime`` items."""

    item_id: int
    item_type: str
    content_type: str = ""


@dataclass(frozen=True)
class ItemLocation:
    """One ``iloc`` entry: construction method (0 file, 1 ``idat``) and (offset, length) extents."""

    item_id: int
    method: int
    extents: tuple[tuple[int, int], ...]


@dataclass
class HeifItems:
    """The metadata items found: raw EXIF blocks (TIFF header first) and XMP packets."""

    exif: list[bytes] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Reader:
    """Big-endian fields from a byte string; FormatProblem when one runs past the end."""

    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data = data
        self.position = position

    def uint(self, size: int) -> int:
        if size == 0:
            return 0
        end = self.position + size
        if size > 8 or end > len(self.data):
            raise FormatProblem("HEIF item table truncated")
        value = int.from_bytes(self.data[self.position : end], "big")
        self.position = end
        return value

    def text(self) -> str:
        end = self.data.find(b"\x00", self.position)
        end = len(self.data) if end < 0 else end
        value = self.data[self.position : end].decode("utf-8", errors="replace")
        self.position = end + 1
        return value


def parse_iinf(payload: bytes) -> list[ItemInfo]:
    """The ``infe`` entries of an ``iinf`` payload (full box header included)."""
    reader = _Reader(payload)
    version = reader.uint(1)
    reader.uint(3)
    count = min(reader.uint(2 if version == 0 else 4), MAX_ITEMS)
    items: list[ItemInfo] = []
    while len(items) < count and reader.position + 8 <= len(payload):
        size = reader.uint(4)
        kind = payload[reader.position : reader.position + 4]
        end = reader.position - 4 + size
        if size < 8 or end > len(payload):
            raise FormatProblem(f"HEIF item info entry of impossible size {size}")
        if kind == b"infe":
            items.append(_parse_infe(payload[reader.position + 4 : end]))
        reader.position = end
    return items


def _parse_infe(body: bytes) -> ItemInfo:
    reader = _Reader(body)
    version = reader.uint(1)
    reader.uint(3)
    if version < 2:
        item_id = reader.uint(2)
        reader.uint(2)
        reader.text()
        return ItemInfo(item_id, "mime", reader.text())
    item_id = reader.uint(2 if version == 2 else 4)
    reader.uint(2)
    item_type = body[reader.position : reader.position + 4].decode("latin-1")
    reader.position += 4
    reader.text()
    content_type = reader.text() if item_type == "mime" else ""
    return ItemInfo(item_id, item_type, content_type)


def parse_iloc(payload: bytes) -> list[ItemLocation]:
    """The entries of an ``iloc`` payload (full box header included), versions 0 to 2."""
    reader = _Reader(payload)
    version = reader.uint(1)
    reader.uint(3)
    sizes = reader.uint(1)
    more = reader.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 0xF
    base_size, index_size = more >> 4, (more & 0xF) if version in (1, 2) else 0
    count = reader.uint(2 if version < 2 else 4)
    if count > MAX_ITEMS:
        raise FormatProblem(f"HEIF item location table lists {count} items")
    found: list[ItemLocation] = []
    for _ in range(count):
        item_id = reader.uint(2 if version < 2 else 4)
        method = reader.uint(2) & 0xF if version in (1, 2) else 0
        reader.uint(2)
        base = reader.uint(base_size)
        extents = []
        extent_count = reader.uint(2)
        if extent_count > MAX_EXTENTS:
            raise FormatProblem(f"HEIF item {item_id} has {extent_count} extents")
        for _ in range(extent_count):
            reader.uint(index_size)
            extents.append((base + reader.uint(offset_size), reader.uint(length_size)))
        found.append(ItemLocation(item_id, method, tuple(extents)))
    return found


def read_heif_items(path: Path) -> HeifItems:
    """The EXIF blocks and XMP packets of a HEIF/AVIF file's items."""
    info = read_bmff(path)
    result = HeifItems(problems=list(info.problems))
    iinf, iloc = _one(info, "meta/iinf"), _one(info, "meta/iloc")
    if iinf is None or iloc is None:
        return result
    items = parse_iinf(read_payload(path, iinf, MAX_TABLE_BYTES))
    places = {p.item_id: p for p in parse_iloc(read_payload(path, iloc, MAX_TABLE_BYTES))}
    idat = _one(info, "meta/idat")
    total = 0
    for item in items:
        wanted = item.item_type == "Exif" or (
            item.item_type == "mime" and item.content_type.startswith(XMP_MIME)
        )
        if wanted and item.item_id in places:
            data = _item_bytes(path, places[item.item_id], idat)
            total += len(data)  # items may share their bytes: each is counted
            if total > MAX_ITEMS_BYTES:
                raise FormatProblem(f"HEIF metadata items over {MAX_ITEMS_BYTES} bytes in all")
            _keep(result, item, data)
    return result


def _one(info: BmffInfo, path: str) -> Box | None:
    found = info.find(path)
    return found[0] if found else None


def _item_bytes(path: Path, place: ItemLocation, idat: Box | None) -> bytes:
    if place.method not in (0, 1) or (place.method == 1 and idat is None):
        raise FormatProblem(f"HEIF item {place.item_id} uses an unsupported construction")
    origin = idat.payload_offset if place.method == 1 and idat is not None else 0
    limit = idat.payload_offset + idat.payload_size if place.method == 1 and idat else None
    total = sum(length for _, length in place.extents)
    if total > MAX_ITEM_BYTES:
        raise FormatProblem(f"HEIF item {place.item_id} of {total} bytes is over the limit")
    chunks = []
    with open_regular(path) as stream:
        size = path.stat().st_size if limit is None else limit
        for offset, length in place.extents:
            start = origin + offset
            if start + length > size:
                raise FormatProblem(f"HEIF item {place.item_id} lies past the end of its data")
            stream.seek(start)
            chunks.append(stream.read(length))
    return b"".join(chunks)


def _keep(result: HeifItems, item: ItemInfo, data: bytes) -> None:
    if item.item_type == "mime":
        result.xmp.append(data)
        return
    if len(data) < 4:
        result.problems.append(f"HEIF Exif item {item.item_id} is too short")
        return
    start = 4 + struct.unpack(">I", data[:4])[0]
    block = data[start:] if start < len(data) else b""
    # Some writers put "Exif\0\0" where the offset says the TIFF header is.
    result.exif.append(block[6:] if block.startswith(b"Exif\x00\x00") else block)
