"""ISO base media file format (MP4, MOV, M4A, HEIF, AVIF) box walking.

A BMFF file is a tree of *boxes*: a 32-bit big-endian size (1 = a 64-bit size
follows, 0 = to the end of the enclosing box), a four-character type, for
``uuid`` boxes a 16-byte extended type, then the payload. Metadata sits in a
few places: C2PA manifests and XMP in top-level ``uuid`` boxes, QuickTime XMP
in ``moov/udta/XMP_`` (or a track's ``trak/udta/XMP_``), item metadata in
``meta``, XML (XMP among it) in an ``xml `` box of a ``meta``. A box in one
of those places of a type no reader names (a type damaged by a byte) is
looked into by its first bytes: :func:`unnamed_heads`.

A *container* whose type was damaged (``moov``, ``udta``, ``meta``, ``ilst``
with one byte changed) would hide everything under it from the walk. Where
a box of an unknown type sits in a metadata place and its payload parses as
boxes, the walk's own evidence says it is a container: one a byte away from
the container expected there is read as that container (and the file is
damaged: see :func:`_damaged_container`); one further off that holds
metadata boxes is a place the walk did not read (a limit).

:func:`read_bmff` walks the tree, descending only into known container boxes,
and records where each box is; payloads are read on demand with
:func:`read_payload`. Depth, box count and payload size are bounded, so a
hostile file (boxes nested a thousand deep, absurd sizes) ends in problems
(damage) or limits (not fully read), never in a hang or unbounded memory.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once
from provenance.files.opening import open_regular

MAX_BOXES = 10_000
MAX_DEPTH = 12
MAX_PAYLOAD = 16 * 1024 * 1024
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
NAMED_UUIDS = frozenset({C2PA_UUID, XMP_UUID})  # the top-level uuid types the readers look for
UNNAMED_HEAD = 128
MAX_UNNAMED = 16
MAX_UNKNOWN = 256  # boxes of unknown types looked into (camera MOVs carry dozens of vendor atoms)
MAX_SNIFFED = MAX_UNKNOWN  # boxes of unknown types in metadata places tried as containers
MAX_SNIFFED_CHILDREN = 64  # box headers read in one such try
BMFF_MEMO = "bmff"  # the key under which detectors share one walk of a file (DetectorContext.memo)

# Boxes whose payload is a sequence of boxes. ``meta`` is an ISO full box
# (4 bytes of version/flags first) except in QuickTime, handled in _children_start.
_CONTAINERS = frozenset(
    {
        "moov",
        "trak",
        "mdia",
        "minf",
        "stbl",
        "udta",
        "meta",
        "edts",
        "dinf",
        "moof",
        "traf",
        "mvex",
        "ipro",
        "sinf",
        "iprp",
        "ipco",
        "iinf",
    }
)


@dataclass(frozen=True)
class Box:
    """One box: type, parent path, file offset of its payload, payload size, uuid extended type."""

    type: str
    parents: tuple[str, ...]
    payload_offset: int
    payload_size: int
    extended_type: bytes = b""

    @property
    def path(self) -> str:
        """Slash-joined path such as ``moov/udta/XMP_``."""
        return "/".join((*self.parents, self.type))


@dataclass
class BmffInfo:
    """Every box walked, and any problems met."""

    boxes: list[Box] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # what stopped the walk: not fully read
    sniffed: int = 0  # boxes of unknown types tried as containers (see _damaged_container)

    def find(self, path: str, extended_type: bytes = b"") -> list[Box]:
        """Boxes at this path (and with this uuid extended type, when given)."""
        return [
            b
            for b in self.boxes
            if b.path == path and (not extended_type or b.extended_type == extended_type)
        ]


def is_bmff(head: bytes) -> bool:
    """True when the first bytes look like a BMFF file (an ``ftyp`` or other known first box)."""
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"styp", b"uuid")


@once
def read_bmff(path: Path) -> BmffInfo:
    """Walk a BMFF file's boxes. Raises :class:`FormatProblem` when it is not BMFF."""
    with open_regular(path) as stream:
        size = path.stat().st_size
        if not is_bmff(stream.read(8)):
            raise FormatProblem("not an ISO BMFF (MP4/MOV/HEIF) file")
        info = BmffInfo()
        _walk(stream, 0, size, (), info)
        return info


def _walk(stream: BinaryIO, start: int, end: int, parents: tuple[str, ...], info: BmffInfo) -> None:
    if len(parents) > MAX_DEPTH:
        info.limits.append(f"boxes nested deeper than {MAX_DEPTH} ({'/'.join(parents[:3])}/...)")
        return
    position = start
    while position + 8 <= end:
        if len(info.boxes) >= MAX_BOXES:
            info.limits.append(f"more than {MAX_BOXES} boxes; the rest was not read")
            return
        box = _read_header(stream, position, end, parents, info)
        if box is None:
            return
        box = _damaged_container(stream, box, info)
        info.boxes.append(box)
        if box.type in _CONTAINERS:
            child = _children_start(stream, box)
            _walk(stream, child, box.payload_offset + box.payload_size, (*parents, box.type), info)
        position = box.payload_offset + box.payload_size


def _read_header(
    stream: BinaryIO, position: int, end: int, parents: tuple[str, ...], info: BmffInfo
) -> Box | None:
    stream.seek(position)
    header = stream.read(8)
    size, raw_type = struct.unpack(">I4s", header)
    offset = position + 8
    if size == 1:
        large = stream.read(8)
        if len(large) < 8:
            info.problems.append("box header truncated")
            return None
        size, offset = struct.unpack(">Q", large)[0], offset + 8
    elif size == 0:
        size = end - position
    box_type = raw_type.decode("latin-1")
    extended = b""
    if box_type == "uuid":
        extended, offset = stream.read(16), offset + 16
    if size < offset - position or position + size > end:
        info.problems.append(f"box {box_type!r} at {position} has impossible size {size}")
        return None
    return Box(box_type, parents, offset, position + size - offset, extended)


def _children_start(stream: BinaryIO, box: Box) -> int:
    if box.type == "iinf":
        # HEIF's item list: version/flags, then an entry count of 2 bytes (version 0) or 4.
        stream.seek(box.payload_offset)
        return box.payload_offset + (6 if stream.read(1) == b"\x00" else 8)
    if box.type != "meta":
        return box.payload_offset
    stream.seek(box.payload_offset + 4)
    # QuickTime 'meta' has no version/flags: its first child's type follows at once.
    return box.payload_offset + (0 if stream.read(4) == b"hdlr" else 4)


# Box types whose place the readers know, by where they sit. A box of another
# type there may be one of the metadata boxes with its type damaged by a byte.
_FILLER = frozenset({"free", "skip", "wide", "uuid"})
_USER_DATA = frozenset({"XMP_", "meta", "GPMF", "\xa9mak", "\xa9mod", "\xa9swr"}) | _FILLER
_META = frozenset({"hdlr", "keys", "ilst", "xml ", "bxml", "id32", "pitm", "iloc", "iinf", "idat"})
_KNOWN = {
    (): frozenset(
        {"ftyp", "moov", "mdat", "free", "skip", "wide", "uuid", "meta", "styp", "sidx", "ssix"}
        | {"moof", "mfra", "emsg", "prft", "pdin", "pnot", "PICT", "junk", "bloc", "otyp", "xml "}
    ),
    ("moov",): frozenset({"mvhd", "trak", "udta", "meta", "iods", "mvex", "pssh", "prfl", "clip"})
    | frozenset({"ctab", "cmov", "rmra", "ipmc"})
    | _FILLER,
    ("moov", "trak"): frozenset({"tkhd", "tref", "edts", "mdia", "udta", "meta", "load", "imap"})
    | frozenset({"matt", "tapt", "txas", "kmat", "clip"})
    | _FILLER,
    ("moov", "udta"): _USER_DATA,
    ("moov", "trak", "udta"): _USER_DATA,
    **dict.fromkeys(
        [("moov", "meta"), ("moov", "udta", "meta"), ("moov", "trak", "meta")], _META | _FILLER
    ),
    ("moov", "trak", "udta", "meta"): _META | _FILLER,
}

# The containers the readers look into, by place: what a box there of a type one byte
# off was before the byte changed, when its payload parses as boxes.
_EXPECTED: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("moov", "meta"),
    ("moov",): ("udta", "meta", "trak"),
    ("moov", "trak"): ("udta", "meta"),
    ("moov", "udta"): ("meta",),
    ("moov", "trak", "udta"): ("meta",),
    **dict.fromkeys([p for p in _KNOWN if p[-1:] == ("meta",)], ("ilst",)),
}
# Boxes that say the box holding them holds metadata (or a movie's header).
_METADATA = frozenset({"moov", "trak", "mvhd", "udta", "meta", "ilst", "keys", "hdlr", "XMP_"})


def _damaged_container(stream: BinaryIO, box: Box, info: BmffInfo) -> Box:
    """The box as the walk goes on with it: a container whose type was damaged gets it back.

    Only a box of an unknown type in a metadata place whose payload parses
    as boxes is looked at (at most :data:`MAX_SNIFFED`; past them the boxes
    are counted by :func:`unnamed_heads`, which says so). One a byte away
    from the container expected there is read as that container, and the
    file is damaged; one further off holding metadata boxes was not read: a
    limit. A vendor's own container (Nikon's ``NCDT``) is neither.
    """
    known = _KNOWN.get(box.parents)
    if known is None or box.type in known | _CONTAINERS or info.sniffed >= MAX_SNIFFED:
        return box
    info.sniffed += 1
    children = _child_types(stream, box)
    if not children:
        return box
    lost = [name for name in _EXPECTED.get(box.parents, ()) if _one_byte_off(box.type, name)]
    if lost:
        info.problems.append(f"box {box.path!r} holds boxes: read as {lost[0]!r}, its type damaged")
        return replace(box, type=lost[0])
    if children & _METADATA:
        held = ", ".join(sorted(children & _METADATA))
        info.limits.append(f"box {box.path!r} of an unknown type holds {held}: not read")
    return box


def _one_byte_off(found: str, name: str) -> bool:
    return sum(a != b for a, b in zip(found, name, strict=True)) == 1


def _child_types(stream: BinaryIO, box: Box) -> frozenset[str]:
    """The types of the boxes a payload holds, when it parses as boxes (empty when not).

    The boxes must fill the payload exactly (a QuickTime list may end in four
    zero bytes), after the four bytes of version and flags or without them
    (an ISO or a QuickTime ``meta``). At most :data:`MAX_SNIFFED_CHILDREN`
    headers are read: a payload that parses that far is taken for boxes.
    """
    for skip in (0, 4):
        if box.payload_size >= skip + 8:
            found = _tiled(stream, box.payload_offset + skip, box.payload_offset + box.payload_size)
            if found:
                return found
    return frozenset()


def _tiled(stream: BinaryIO, position: int, end: int) -> frozenset[str]:
    types: set[str] = set()
    for _ in range(MAX_SNIFFED_CHILDREN):
        if end - position < 8:  # the end, or what follows the last box: zeros or not boxes
            stream.seek(position)
            rest = stream.read(end - position)
            return frozenset() if rest.strip(b"\x00") else frozenset(types)
        stream.seek(position)
        size, raw_type = struct.unpack(">I4s", stream.read(8))
        if size < 8 or position + size > end:
            return frozenset()
        types.add(raw_type.decode("latin-1"))
        position += size
    return frozenset(types)


@dataclass(frozen=True)
class UnnamedBoxes:
    """The first bytes of the boxes in metadata places of types no reader looks for.

    Top-level ``uuid`` boxes of unknown extended types, then boxes of unknown
    types at the top level, in ``moov`` and each ``trak``, and in their
    ``udta`` and ``meta`` (the places of :data:`_KNOWN`).
    """

    heads: list[tuple[Box, bytes]]
    more: int = 0
    """How many more such boxes there are, past :data:`MAX_UNNAMED` uuid boxes and
    :data:`MAX_UNKNOWN` others, not looked into."""


@once
def unnamed_heads(path: Path) -> UnnamedBoxes:
    """The first :data:`UNNAMED_HEAD` bytes of each box in a metadata place no reader names.

    A C2PA or XMP box whose type (or ``uuid`` extended type) lost a byte is no
    longer found by it; what it holds still says what it was. Most files have
    no such box; a camera's vendor atoms are a few, and only the first
    :data:`MAX_UNNAMED` uuid and :data:`MAX_UNKNOWN` other boxes are read (a
    few bytes each, through one open file).
    """
    uuids: list[Box] = []
    others: list[Box] = []
    for box in read_bmff(path).boxes:
        if box.type == "uuid" and not box.parents:
            if box.extended_type not in NAMED_UUIDS:
                uuids.append(box)
        elif box.parents in _KNOWN and box.type not in _KNOWN[box.parents]:
            others.append(box)
    looked = uuids[:MAX_UNNAMED] + others[:MAX_UNKNOWN]
    if not looked:
        return UnnamedBoxes([])  # the usual case: no file opened again
    with open_regular(path) as stream:
        heads = [(box, _head(stream, box, UNNAMED_HEAD)) for box in looked]
    return UnnamedBoxes(heads, len(uuids) + len(others) - len(looked))


def _head(stream: BinaryIO, box: Box, limit: int) -> bytes:
    stream.seek(box.payload_offset)
    return stream.read(min(limit, box.payload_size))


def read_head(path: Path, box: Box, limit: int) -> bytes:
    """At most the first ``limit`` bytes of a box's payload (never the whole of a larger one)."""
    with open_regular(path) as stream:
        return _head(stream, box, limit)


def read_payload(path: Path, box: Box, limit: int = MAX_PAYLOAD) -> bytes:
    """A box's payload; raises :class:`FormatProblem` when it is larger than ``limit``."""
    if box.payload_size > limit:
        raise FormatProblem(f"{box.path} box of {box.payload_size} bytes is over the {limit} limit")
    with open_regular(path) as stream:
        stream.seek(box.payload_offset)
        return stream.read(box.payload_size)
