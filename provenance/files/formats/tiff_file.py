"""IFD0 of a TIFF *file* (TIFF, DNG and TIFF-based camera raw), read by seeking.

:mod:`provenance.files.formats.tiff_ifd` reads an EXIF block held in memory. A TIFF
file is different: it can be gigabytes, and its tag values can sit anywhere in
it (libtiff writes directories after the image data). Here only IFD0's entry
table is read; a value is fetched on demand with :func:`read_value`, up to a
size limit. Two IFD0 tags matter to provenance: XMP (700, ``XMLPacket``) and
C2PA's manifest store (0xCD41).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once
from provenance.files.opening import open_regular

MAX_ENTRIES = 4096
# Byte-order marks and magic numbers of TIFF-structured files: plain TIFF, and
# the camera raws that change only the magic (Panasonic RW2 0x55, Olympus ORF
# "RO"/"RS") while keeping TIFF's directories.
TIFF_MAGICS = frozenset({b"II*\x00", b"MM\x00*", b"IIU\x00", b"IIRO", b"IIRS", b"MMOR"})
MAX_VALUE = 16 * 1024 * 1024
XMP_TAG = 700
C2PA_TAG = 0xCD41

_TYPE_SIZES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
}


# A tuple, not a frozen dataclass: one is built per entry of every file classified, and a
# frozen dataclass's __init__ costs several times a tuple's.
class IfdEntry(NamedTuple):
    """One IFD0 entry: its type, value count, and where its value is."""

    type: int
    value_count: int  # not `count`: a tuple has a method of that name
    size: int
    inline: bytes  # the value itself when it fits in 4 bytes
    offset: int  # file offset of the value when it does not


@dataclass(frozen=True)
class Ifd0:
    """IFD0's entries by tag, and the byte order."""

    big_endian: bool
    entries: dict[int, IfdEntry]

    def number(self, tag: int) -> int | None:
        """The value of a single SHORT or LONG entry (such as ImageWidth), else None."""
        entry = self.entries.get(tag)
        if entry is None or entry.value_count != 1 or entry.type not in (3, 4):  # SHORT, LONG
            return None
        order = ">" if self.big_endian else "<"
        return int(struct.unpack(order + ("H" if entry.type == 3 else "I"), entry.inline)[0])


@once
def ifd0_of(path: Path) -> Ifd0:
    """IFD0's entry table of a TIFF file (see :func:`read_ifd0`)."""
    with open_regular(path) as stream:
        return read_ifd0(stream)


def read_ifd0(stream: BinaryIO) -> Ifd0:
    """Read IFD0's entry table from a TIFF stream at its start; raises FormatProblem."""
    header = stream.read(8)
    if header[:4] not in TIFF_MAGICS:
        raise FormatProblem("not a TIFF file")
    endian = ">" if header.startswith(b"MM") else "<"
    stream.seek(struct.unpack(endian + "I", header[4:8])[0])
    raw_count = stream.read(2)
    if len(raw_count) < 2:
        raise FormatProblem("TIFF IFD0 offset points past the end of the file")
    count = struct.unpack(endian + "H", raw_count)[0]
    if count > MAX_ENTRIES:
        raise FormatProblem(f"TIFF IFD0 claims {count} entries")
    table = stream.read(12 * count)
    if len(table) < 12 * count:
        raise FormatProblem("TIFF IFD0 entry table truncated")
    return Ifd0(endian == ">", _entries(table, endian))


def _entries(table: bytes, endian: str) -> dict[int, IfdEntry]:
    # One unpack over the whole table: a rendered frame's IFD0 has a score of
    # entries, and this runs for every TIFF a scan or an audit classifies.
    # The value field is unpacked twice, as bytes and as an offset: a second pass in C costs
    # less than a conversion a entry in Python.
    sizes, found = _TYPE_SIZES, {}
    fields = struct.iter_unpack(endian + "HHI4s", table)
    offsets = struct.iter_unpack(endian + "8xI", table)
    for (tag, kind, count, value), (offset,) in zip(fields, offsets, strict=True):
        size = sizes.get(kind, 1) * count
        found[tag] = IfdEntry(kind, count, size, value[:size] if size <= 4 else b"", offset)
    return found


def read_value(stream: BinaryIO, entry: IfdEntry, limit: int = MAX_VALUE) -> bytes:
    """An entry's value bytes; raises FormatProblem when over ``limit`` or truncated."""
    if entry.size <= 4:
        return entry.inline
    if entry.size > limit:
        raise FormatProblem(f"TIFF tag value of {entry.size} bytes is over the {limit} limit")
    stream.seek(entry.offset)
    data = stream.read(entry.size)
    if len(data) < entry.size:
        raise FormatProblem("TIFF tag value runs past the end of the file")
    return data


MAX_IFDS = 4096


@dataclass
class IfdChain:
    """How many IFDs (pages) a TIFF's chain holds, and what was wrong with it."""

    count: int = 0
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def walk_ifd_chain(stream: BinaryIO, file_size: int, ifd0: Ifd0 | None = None) -> IfdChain:
    """Follow the next-IFD offsets from IFD0, reading 2 + 4 bytes per IFD; loops are damage.

    ``ifd0``: the file's IFD0 when the caller has read it already (its values
    are then checked without reading its table again).
    """
    header = stream.read(8)
    if header[:4] not in TIFF_MAGICS:
        raise FormatProblem("not a TIFF file")
    endian = ">" if header.startswith(b"MM") else "<"
    chain, seen = IfdChain(), set[int]()
    offset = struct.unpack(endian + "I", header[4:8])[0]
    entries = ifd0.entries if ifd0 is not None else _ifd_entries(stream, offset, endian)
    chain.problems += _values_outside(entries, file_size)[:1]
    while offset:
        if offset in seen:
            chain.problems.append(f"TIFF IFD chain loops back to offset {offset}")
            return chain
        if len(seen) >= MAX_IFDS:
            chain.limits.append(f"more than {MAX_IFDS} TIFF IFDs; the rest was not read")
            return chain
        seen.add(offset)
        next_offset = _next_ifd(stream, offset, endian, file_size)
        if next_offset is None:
            chain.problems.append(f"TIFF IFD at {offset} runs past the end of the file")
            return chain
        chain.count, offset = chain.count + 1, next_offset
    return chain


def _next_ifd(stream: BinaryIO, offset: int, endian: str, file_size: int) -> int | None:
    stream.seek(offset)
    raw_count = stream.read(2)
    if len(raw_count) < 2:
        return None
    end = offset + 2 + 12 * struct.unpack(endian + "H", raw_count)[0]
    if end + 4 > file_size:
        return None
    stream.seek(end)
    return int(struct.unpack(endian + "I", stream.read(4))[0])


def _ifd_entries(stream: BinaryIO, offset: int, endian: str) -> dict[int, IfdEntry]:
    """The entries of the IFD at ``offset``, as many as the file holds (none past its end)."""
    stream.seek(offset)
    raw_count = stream.read(2)
    if len(raw_count) < 2:
        return {}  # the chain walk reports it
    count = min(struct.unpack(endian + "H", raw_count)[0], MAX_ENTRIES)
    table = stream.read(12 * count)
    return _entries(table[: len(table) // 12 * 12], endian)


def _values_outside(entries: dict[int, IfdEntry], file_size: int) -> list[str]:
    """IFD0 entries whose values lie (partly) past the end of the file.

    A fuzzed TIFF keeps a sound directory chain while its tags claim values of
    gigabytes, or at offsets past the end: every reader that fetches such a
    value fails (libtiff, Pillow, exiftool alike), so it is damage.
    """
    found = []
    for tag, entry in entries.items():
        if entry.size > 4 and entry.offset + entry.size > file_size:
            found.append(
                f"TIFF IFD0 tag {tag} claims {entry.size} bytes at offset {entry.offset},"
                f" past the end of the file ({file_size} bytes)"
            )
    return found
