"""Camera identity in AVCHD video: the ``MDPM`` block of H.264 SEI user data.

AVCHD camcorders and cameras (Sony, Panasonic, Canon, JVC) write no camera
name in the MPEG transport stream's headers. They put it in the video
itself: an H.264 SEI message of type 5 (user data unregistered) whose 16-byte
UUID is ``17ee8c60-f84d-11d9-8cd6-0800200c9a66``, followed by ``MDPM``, a
count, and that many 5-byte entries ``(tag, 4 bytes)``. Tag 0xE0 holds the
maker's code in its first two bytes; tags 0xE4 to 0xEF hold the model name,
four characters each. Inside a NAL unit, every ``00 00 03`` is an emulation
prevention sequence whose ``03`` must be dropped before reading.

:func:`read_mdpm` searches the first :data:`SCAN_BYTES` of the stream for
the UUID (the message repeats with every GOP) and reads the first copy that
lies wholly inside one transport packet, so packet headers never mix into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provenance.files.formats import c_text
from provenance.files.opening import open_regular

SCAN_BYTES = 4 * 1024 * 1024
MDPM_UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
MAKE_TAG = 0xE0
MODEL_TAGS = range(0xE4, 0xF0)
MAKERS = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}


@dataclass(frozen=True)
class Mdpm:
    """The maker and model an AVCHD stream names (either may be empty)."""

    make: str
    model: str


def packet_size(head: bytes) -> int | None:
    """188 for an MPEG-TS, 192 for a BDAV (M2TS, .mts) stream, None when it is neither."""
    for size, sync in ((188, 0), (192, 4)):
        if len(head) > size * 2 + sync and all(head[sync + size * k] == 0x47 for k in range(3)):
            return size
    return None


def read_mdpm(path: Path) -> Mdpm | None:
    """The first whole ``MDPM`` block of an AVCHD stream, or None."""
    with open_regular(path) as stream:
        data = stream.read(SCAN_BYTES)
    size = packet_size(data)
    if size is None:
        return None
    start = data.find(MDPM_UUID)
    while start >= 0:
        found = _parse_at(data, start + len(MDPM_UUID), size)
        if found is not None:
            return found
        start = data.find(MDPM_UUID, start + 1)
    return None


def _parse_at(data: bytes, start: int, size: int) -> Mdpm | None:
    packet_end = (start // size + 1) * size
    raw = _unescape(data[start:packet_end])
    if not raw:
        return None
    count = raw[0]
    if 1 + 5 * count > len(raw):
        return None  # the block runs into the next packet: try the next copy
    entries = [raw[1 + 5 * k : 6 + 5 * k] for k in range(count)]
    make_code = next((int.from_bytes(e[1:3], "big") for e in entries if e[0] == MAKE_TAG), None)
    model = b"".join(e[1:] for e in entries if e[0] in MODEL_TAGS)
    return Mdpm(MAKERS.get(make_code or -1, ""), c_text(model))


def _unescape(nal: bytes) -> bytes:
    """Drop H.264 emulation prevention bytes (the ``03`` of ``00 00 03``)."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")
