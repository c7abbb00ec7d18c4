"""Camera identity in ISO-BMFF files: Canon CR3 boxes, QuickTime keys, GoPro telemetry.

Three places where a camera names itself in an MP4/MOV-shaped file, none of
them a TIFF header at the start:

Canon CR3
    ``moov/uuid`` with the extended type ``85c0b687-820f-11e0-8111-
    f4ce462b6a48`` holds boxes ``CMT1`` (a TIFF whose IFD0 has Make and
    Model), ``CMT2`` (the Exif IFD: serial number, capture time, exposure),
    ``CMT3`` (Canon maker notes) and ``CMT4`` (GPS), each a little TIFF file.
QuickTime metadata keys
    ``moov/meta`` with a ``keys`` box (numbered reverse-DNS names such as
    ``com.apple.quicktime.make``) and an ``ilst`` box whose children are
    named by those numbers and hold a ``data`` box (type, locale, value).
    iPhones and many Android phones keep their make and model only here.
QuickTime user data
    ``moov/udta/©mak`` and ``©mod`` (16-bit length, 16-bit language, text):
    where Panasonic, Canon, DJI and many other cameras name themselves.
Sony XAVC
    a ``moov/meta/xml `` box holding Sony's NonRealTimeMeta XML, whose
    ``<Device manufacturer="Sony" modelName="ILME-FX3" serialNo="...">``
    names the camera.
GoPro
    a ``trak`` whose sample description is ``gpmd`` carries GPMF telemetry
    (:mod:`.gpmf`); GoPro also writes a ``GPMF`` box in ``moov/udta``.

Boxes are found by :func:`~provenance.files.formats.bmff.read_bmff` (which
bounds depth, count and sizes); payloads are read with a size limit here.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path

from provenance.files.formats import FormatProblem
from provenance.files.formats.bmff import BmffInfo, Box, read_payload

CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
MAX_CANON_BOX = 1024 * 1024
MAX_KEYS_BOX = 256 * 1024
MAX_GPMF_SAMPLE = 1024 * 1024
MAX_KEYS = 256
MAX_XML = 256 * 1024
_USER_DATA = {"\xa9mak": "make", "\xa9mod": "model", "\xa9swr": "software"}
_DEVICE = re.compile(rb"<Device\s([^>]{1,1024})>")
_ATTRIBUTE = re.compile(rb'(manufacturer|modelName|serialNo)="([^"]{1,128})"')
_DEVICE_ROLES = {b"manufacturer": "make", b"modelName": "model", b"serialNo": "serial"}


def iter_boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of the boxes packed in ``data``, stopping at the first bad size."""
    position = 0
    while position + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        if size < 8 or position + size > len(data):
            return
        yield kind, data[position + 8 : position + size]
        position += size


def canon_tiff_blocks(path: Path, info: BmffInfo) -> dict[str, bytes]:
    """The ``CMT1``..``CMT4`` TIFF blocks of a CR3 file, by box name."""
    found: dict[str, bytes] = {}
    for box in info.find("moov/uuid", CANON_UUID)[:1]:
        for kind, payload in iter_boxes(read_payload(path, box, MAX_CANON_BOX)):
            if kind in (b"CMT1", b"CMT2", b"CMT3", b"CMT4"):
                found[kind.decode()] = payload
    return found


def quicktime_keys(path: Path, info: BmffInfo) -> dict[str, str]:
    """Text values of the movie's QuickTime metadata keys (``com.apple.quicktime.make``...)."""
    keys_boxes = info.find("moov/meta/keys")
    list_boxes = info.find("moov/meta/ilst")
    if not keys_boxes or not list_boxes:
        return {}
    names = _key_names(read_payload(path, keys_boxes[0], MAX_KEYS_BOX))
    values: dict[str, str] = {}
    for kind, payload in iter_boxes(read_payload(path, list_boxes[0], MAX_KEYS_BOX)):
        index = int.from_bytes(kind, "big")
        text = _data_text(payload)
        if 0 < index <= len(names) and text is not None:
            values.setdefault(names[index - 1], text)
    return values


def _key_names(payload: bytes) -> list[str]:
    if len(payload) < 8:
        raise FormatProblem("QuickTime keys box truncated")
    count = min(struct.unpack(">I", payload[4:8])[0], MAX_KEYS)
    names = []
    for _kind, name in iter_boxes(payload[8:]):
        names.append(name.decode("utf-8", errors="replace"))
        if len(names) == count:
            break
    return names


def _data_text(item: bytes) -> str | None:
    """The UTF-8 value of the first ``data`` box of an ``ilst`` item (type 1), else None."""
    for kind, payload in iter_boxes(item):
        if kind == b"data" and len(payload) >= 8 and payload[:4] == b"\x00\x00\x00\x01":
            return payload[8:].decode("utf-8", errors="replace").strip()[:256]
    return None


def user_data_names(path: Path, info: BmffInfo) -> dict[str, str]:
    """Make, model and software from QuickTime's ``moov/udta`` text atoms (``©mak``...)."""
    found: dict[str, str] = {}
    for kind, role in _USER_DATA.items():
        for box in info.find(f"moov/udta/{kind}")[:1]:
            data = read_payload(path, box, MAX_KEYS_BOX)
            length = struct.unpack(">H", data[:2])[0] if len(data) >= 4 else 0
            text = data[4 : 4 + length].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
            if text.strip():
                found[role] = text.strip()[:128]
    return found


def sony_device(path: Path, info: BmffInfo) -> dict[str, str]:
    """The ``Device`` of a Sony NonRealTimeMeta XML box (``moov/meta/xml ``)."""
    for box in info.find("moov/meta/xml ")[:1]:
        device = _DEVICE.search(read_payload(path, box, MAX_XML))
        if device is not None:
            return {
                _DEVICE_ROLES[key]: value.decode("utf-8", errors="replace").strip()
                for key, value in _ATTRIBUTE.findall(device.group(1))
            }
    return {}


def gpmf_payloads(path: Path, info: BmffInfo) -> Iterator[bytes]:
    """The ``moov/udta/GPMF`` box, then the first sample of each ``gpmd`` track."""
    for box in info.find("moov/udta/GPMF")[:1]:
        yield read_payload(path, box, MAX_GPMF_SAMPLE)
    for track in info.find("moov/trak"):
        inside = [b for b in info.boxes if _within(b, track)]
        if any(_is_gpmd(path, b) for b in inside if b.type == "stsd"):
            sample = _first_sample(path, inside)
            if sample is not None:
                yield sample


def _within(box: Box, parent: Box) -> bool:
    start = parent.payload_offset
    return start <= box.payload_offset < start + parent.payload_size


def _head(path: Path, box: Box, length: int) -> bytes:
    """The first ``length`` bytes of a box's payload (all of it when shorter)."""
    return read_payload(
        path, Box(box.type, box.parents, box.payload_offset, min(box.payload_size, length))
    )


def _is_gpmd(path: Path, stsd: Box) -> bool:
    payload = _head(path, stsd, 16)
    return payload[12:16] == b"gpmd"  # version/flags, entry count, first entry's size


def _first_sample(path: Path, boxes: list[Box]) -> bytes | None:
    """The first sample of a track: its chunk offset (stco/co64) and size (stsz)."""
    sizes = next((b for b in boxes if b.type == "stsz"), None)
    offsets = next((b for b in boxes if b.type in ("stco", "co64")), None)
    if sizes is None or offsets is None:
        return None
    stsz, table = _head(path, sizes, 16), _head(path, offsets, 16)
    wide = offsets.type == "co64"
    if len(stsz) < 12 or len(table) < (16 if wide else 12):
        return None
    size = struct.unpack(">I", stsz[4:8])[0]  # one size for every sample, or 0: a table follows
    if size == 0 and len(stsz) >= 16:
        size = struct.unpack(">I", stsz[12:16])[0]
    offset = struct.unpack(">Q" if wide else ">I", table[8 : 16 if wide else 12])[0]
    if not 0 < size <= MAX_GPMF_SAMPLE:
        return None
    sample = Box("sample", (), offset, size)
    return read_payload(path, sample)
