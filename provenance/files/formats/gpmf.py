"""GoPro's GPMF telemetry: the camera's name in a KLV stream.

GPMF (GoPro Metadata Format, github.com/gopro/gpmf-parser) is a stream of
KLV items, 32-bit aligned and big-endian: a FourCC key, a one-byte type
(``c`` for characters, ``\\0`` for a nest of further items), a one-byte
structure size and a 16-bit repeat count; the value is ``size * repeat``
bytes, padded to a multiple of 4. Each device's data is nested in a
``DEVC``; its ``DVNM`` names the device (``"HERO8 Black"``, or only
``"Camera"`` on some models), and ``MINF`` (model information) names the
camera model. GoPro writes them in the samples of the ``gpmd`` data track of
its MP4s and in a ``GPMF`` box in ``moov/udta``.

:func:`read_gpmf_names` walks at most :data:`MAX_ITEMS` items and
:data:`MAX_DEPTH` levels of nesting; a length running past the data ends the
walk with a problem, never an exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from provenance.files.formats import c_text

MAX_ITEMS = 4096
MAX_DEPTH = 4
NAMES = {b"DVNM": "device", b"MINF": "model", b"CASN": "serial", b"FMWR": "firmware"}


@dataclass
class GpmfNames:
    """The names found, by role (``device``, ``model``, ``serial``, ``firmware``)."""

    names: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    items: int = 0


def read_gpmf_names(data: bytes) -> GpmfNames:
    """The device and model names in a GPMF payload."""
    found = GpmfNames()
    _walk(data, 0, found)
    return found


def _walk(data: bytes, depth: int, found: GpmfNames) -> None:
    position = 0
    while position + 8 <= len(data):
        found.items += 1
        if found.items > MAX_ITEMS:
            found.problems.append(f"more than {MAX_ITEMS} GPMF items")
            return
        key, kind, size, repeat = struct.unpack(">4scBH", data[position : position + 8])
        length = size * repeat
        value = data[position + 8 : position + 8 + length]
        if len(value) < length:
            found.problems.append(f"GPMF item {key!r} runs past the data")
            return
        _take(key, kind, value, depth, found)
        position += 8 + (length + 3) // 4 * 4


def _take(key: bytes, kind: bytes, value: bytes, depth: int, found: GpmfNames) -> None:
    if kind == b"\x00":
        if depth >= MAX_DEPTH:
            found.problems.append(f"GPMF nested deeper than {MAX_DEPTH}")
        else:
            _walk(value, depth + 1, found)
    elif kind == b"c" and key in NAMES:
        text = c_text(value)
        if text:
            found.names.setdefault(NAMES[key], text[:128])
