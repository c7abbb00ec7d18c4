"""JPEG XL container boxes: the EXIF block and XMP packet beside the codestream.

A JPEG XL file is either a bare codestream (first bytes ``FF 0A``), which
can hold no metadata at all, or an ISO BMFF-style *container* (ISO/IEC
18181-2): a 12-byte signature box ``JXL `` and then flat top-level boxes --
``ftyp``, the codestream (``jxlc``, or ``jxlp`` parts), and metadata boxes:

* ``Exif``: a 4-byte big-endian offset to the TIFF header, then the EXIF block;
* ``xml ``: an XMP packet;
* ``jumb``: JUMBF (a C2PA manifest store; read by the C2PA library, not here);
* ``brob``: any of these Brotli-compressed, its first 4 bytes naming the box
  type it holds. Those are listed in :attr:`JxlInfo.compressed` and not read
  (no Brotli decoder is a dependency).

:func:`read_jxl` walks the top-level boxes with seeks (the codestream is
never read), reads at most :data:`MAX_METADATA_BYTES` of each metadata box,
stops after :data:`MAX_BOXES` boxes, and records damage in
:attr:`JxlInfo.problems`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.opening import open_regular

SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
CODESTREAM = b"\xff\x0a"
MAX_BOXES = 4096
MAX_METADATA_BYTES = 16 * 1024 * 1024
_METADATA = frozenset({b"Exif", b"xml "})


@dataclass
class JxlInfo:
    """What the container holds: EXIF blocks (TIFF header first), XMP packets, box types."""

    exif: list[bytes] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    box_types: list[str] = field(default_factory=list)
    compressed: list[str] = field(default_factory=list)  # types inside brob boxes, not read
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def is_jxl(head: bytes) -> bool:
    """True for a JPEG XL container or bare codestream."""
    return head.startswith(SIGNATURE) or head.startswith(CODESTREAM)


def read_jxl(path: Path) -> JxlInfo:
    """Walk a JPEG XL file's boxes. Raises :class:`FormatProblem` when it is not JPEG XL."""
    with open_regular(path) as stream:
        return read_jxl_stream(stream, path.stat().st_size)


def read_jxl_stream(stream: BinaryIO, size: int) -> JxlInfo:
    """Walk the boxes of a JPEG XL stream positioned at its start."""
    head = stream.read(len(SIGNATURE))
    if head.startswith(CODESTREAM):
        return JxlInfo(box_types=["codestream"])
    if head != SIGNATURE:
        raise FormatProblem("not a JPEG XL file")
    info = JxlInfo(box_types=["JXL "])
    position = len(SIGNATURE)
    while position + 8 <= size:
        if len(info.box_types) >= MAX_BOXES:
            info.limits.append(f"more than {MAX_BOXES} JPEG XL boxes; the rest was not read")
            break
        found = _box(stream, position, size, info)
        if found is None:
            break
        position = found
    return info


def _box(stream: BinaryIO, position: int, size: int, info: JxlInfo) -> int | None:
    stream.seek(position)
    header = stream.read(8)
    length, kind = int.from_bytes(header[:4], "big"), header[4:8]
    start = position + 8
    if length == 1:
        length, start = int.from_bytes(stream.read(8), "big"), start + 8
    elif length == 0:
        length = size - position
    end = position + length
    if end > size or end < start:
        info.problems.append(f"box {kind!r} at {position} has impossible size {length}")
        return None
    info.box_types.append(kind.decode("latin-1"))
    if kind in _METADATA or kind == b"brob":
        _metadata(stream, kind, end - start, info)
    return end


def _metadata(stream: BinaryIO, kind: bytes, length: int, info: JxlInfo) -> None:
    if kind == b"brob":
        info.compressed.append(stream.read(4).decode("latin-1"))
        return
    if length > MAX_METADATA_BYTES:
        info.problems.append(f"{kind.decode('latin-1')!r} box of {length} bytes is over the limit")
        return
    payload = stream.read(length)
    if kind == b"xml ":
        info.xmp.append(payload)
        return
    offset = 4 + struct.unpack(">I", payload[:4])[0] if len(payload) >= 4 else len(payload)
    block = payload[offset:]
    info.exif.append(block[6:] if block.startswith(b"Exif\x00\x00") else block)
