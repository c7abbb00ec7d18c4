"""Hostile inputs, made by code at test time (never committed as files).

Each generator makes the smallest input that shows one attack: a file
swapped for a FIFO or a ``/dev/zero`` link after it was listed, a name that
is not UTF-8, an MP4 of many C2PA ``uuid`` boxes (the SDK is quadratic on
them), and big but legal pictures just under the pixel guard.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

# The C2PA box's extended type (c2pa-rs, jumbf_io / bmff_io): what the SDK looks for.
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
NON_UTF8 = b"gen\xff\xfe"  # no UTF-8 decoder accepts 0xFF


def swap_for_fifo(path: Path) -> Path:
    """Replace a listed file by a FIFO nobody writes to (a reader would wait forever)."""
    path.unlink()
    os.mkfifo(path)
    return path


def swap_for_dev_zero(path: Path) -> Path:
    """Replace a listed file by a link to ``/dev/zero`` (a reader would read forever)."""
    path.unlink()
    path.symlink_to("/dev/zero")
    return path


def non_utf8_path(folder: Path, suffix: str = ".png") -> Path:
    """A path in ``folder`` whose name is not valid UTF-8 (as Python holds it: surrogates)."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + NON_UTF8 + suffix.encode()))


def c2pa_uuid_mp4(path: Path, boxes: int) -> Path:
    """An MP4 made of ``ftyp`` and ``boxes`` empty C2PA ``uuid`` boxes."""
    ftyp = _box(b"ftyp", b"isom\0\0\0\0isommp41")
    uuid = _box(b"uuid", C2PA_UUID + b"\0\0\0\0" + b"manifest")
    path.write_bytes(ftyp + uuid * boxes)
    return path


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def big_png(path: Path, width: int, height: int) -> Path:
    """A legal RGBA PNG of ``width`` x ``height`` that compresses to almost nothing.

    Written row by row, so making it costs the test no more memory than one
    row, however big the picture it describes.
    """
    raw = zlib.compressobj(9)
    row = b"\0" + bytes(4 * width)
    data = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
                     + _chunk(b"IEND", b""))  # fmt: skip
    return path


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def mutate(data: bytes, kind: int, at: int, value: int) -> bytes:
    """A damaged copy: cut at ``at`` (kind 0), one byte flipped (1), or a 32-bit
    ``value`` written over four bytes there, big-endian (2) or little-endian (3)."""
    at %= max(len(data), 1)
    if kind == 0:
        return data[:at]
    if kind == 1:
        return data[:at] + bytes([data[at] ^ (value & 0xFF or 1)]) + data[at + 1 :]
    order = ">I" if kind == 2 else "<I"
    return data[:at] + struct.pack(order, value) + data[at + 4 :]
