"""Matroska and WebM tags: the ``SimpleTag`` name/value pairs of the ``Tags`` element.

Matroska (``.mkv``) and WebM are EBML: every element is an ID and a size,
both variable-length integers (the position of the first set bit gives the
length; a size of all one-bits means "unknown"), then the payload. A file is
an EBML header and one ``Segment``, whose children are ``Info``,
``Tracks``, ``Tags``, the ``Cluster`` elements holding the frames, ``Cues``...
ffmpeg's ``-metadata comment=...`` becomes a ``Tag`` whose ``SimpleTag`` has
``TagName`` ``COMMENT`` and a ``TagString`` (ComfyUI's VideoHelperSuite
writes its prompt and workflow this way; names are upper-cased by ffmpeg).

:func:`read_matroska_tags` walks the segment's children to the end of the
file, skipping every element but ``Tags`` by its size (frames are never
read), and returns the tags as ``(name, text)`` pairs. A ``Segment`` header
is stepped into (a file may chain segments, each after its own EBML header).

Live recordings cannot go back to write sizes, so they write the
``Segment`` (ffmpeg writing to a pipe) and often each ``Cluster`` (a
browser's MediaRecorder) with an *unknown* size. Such an element ends where
an element that cannot be its child begins (RFC 8794 section 6.2; RFC 9559 allows an
unknown size on these two only): a cluster ends at the next segment-level
element (``Cluster``, ``Tags``, ``Cues``...), at an EBML header or
``Segment``, or at the end of the file. So an unknown-size cluster is
walked child by child (``Timestamp``, ``SimpleBlock``, ``BlockGroup``...),
by their sizes, until one of those begins; a segment of unknown size needs
nothing more, as the walk goes to the end of the file anyway.

What would hide a ``Tags`` element from the walk is a *problem*: a header
that does not parse, an element whose size runs past the end of the file
(it swallows what follows), an unknown size on any other element, an EBML
header after which no ``Segment`` is found, tags that do not parse. The
block headers read inline (:data:`MAX_BLOCKS`), the other elements
(:data:`MAX_ELEMENTS`), nesting and tag sizes are bounded; past a bound the
walk says so in :attr:`MatroskaTags.limits`, naming where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.opening import open_regular

EBML_ID = 0x1A45DFA3
SEGMENT_ID = 0x18538067
CLUSTER_ID = 0x1F43B675
TAGS_ID = 0x1254C367
TAG_ID = 0x7373
SIMPLE_TAG_ID = 0x67C8
TAG_NAME_ID = 0x45A3
TAG_STRING_ID = 0x4487
# The Segment's children (RFC 9559 section 5.1): SeekHead, Info, Tracks, Chapters,
# Cluster, Cues, Attachments, Tags. Any of them, an EBML header or a Segment ends
# a cluster of unknown size.
SEGMENT_CHILDREN = frozenset(
    {0x114D9B74, 0x1549A966, 0x1654AE6B, 0x1043A770, CLUSTER_ID, 0x1C53BB6B, 0x1941A469, TAGS_ID}
)
CLUSTER_ENDS = SEGMENT_CHILDREN | {EBML_ID, SEGMENT_ID}
# Element headers read one by one (segment-level elements, a cluster's rarer
# children): about 2 us each. A live recording has a few per cluster.
MAX_ELEMENTS = 100_000
# Block headers read inline inside clusters of unknown size (one-byte IDs:
# SimpleBlock, BlockGroup, Timestamp...), about 0.2 us each: a 2-hour 60 fps
# recording with one audio track has about 0.8 million blocks; this covers
# twice that and more.
MAX_BLOCKS = 2_000_000
MAX_TAGS = 256
MAX_TAGS_BYTES = 16 * 1024 * 1024
MAX_NESTING = 8
UNKNOWN = -1
HEADER_MAX = 16  # an ID and a size of up to 8 bytes each
WINDOW = 4096  # one page: dense block headers share it, a large frame costs one page


@dataclass
class MatroskaTags:
    """The ``(name, text)`` tags found, and what stopped or spoiled the walk.

    ``problems`` is damage and ``limits`` a bound reached: either may hide
    tags.
    """

    tags: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)


def _vint(data: bytes, position: int, *, keep_marker: bool) -> tuple[int, int]:
    """A variable-length integer at ``position``: (value, length); UNKNOWN for all one-bits."""
    if position >= len(data) or data[position] == 0:
        raise FormatProblem("EBML variable-length integer invalid or truncated")
    first = data[position]
    length = 9 - first.bit_length()
    if position + length > len(data):
        raise FormatProblem("EBML variable-length integer truncated")
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[position + 1 : position + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return UNKNOWN, length
    return value, length


def element_header(data: bytes, position: int = 0) -> tuple[int, int, int]:
    """(element id, payload size or UNKNOWN, header length) of the element at ``position``."""
    element_id, id_length = _vint(data, position, keep_marker=True)
    size, size_length = _vint(data, position + id_length, keep_marker=False)
    return element_id, size, id_length + size_length


def read_matroska_tags(path: Path) -> MatroskaTags:
    """The tags of a Matroska/WebM file. Raises :class:`FormatProblem` when it is not EBML."""
    with open_regular(path) as stream:
        return read_matroska_stream(stream, path.stat().st_size)


def read_matroska_stream(stream: BinaryIO, size: int) -> MatroskaTags:
    """The tags of a Matroska/WebM stream positioned at its start."""
    walk = _Walk(stream, size, MatroskaTags(), MAX_ELEMENTS, MAX_BLOCKS)
    element_id, length, header = walk.header(0)
    if element_id != EBML_ID or length == UNKNOWN:
        raise FormatProblem("not a Matroska/WebM file")
    position = header + length
    while position + 2 <= size and walk.count(position):
        element_id, length, header = walk.header(position)
        if element_id == SEGMENT_ID:
            _segment(walk, position + header)
            return walk.found
        if length == UNKNOWN:
            break
        position += header + length
    if not walk.found.limits:
        walk.found.problems.append(
            f"no Matroska Segment after the EBML header (looked up to {position})"
        )
    return walk.found


@dataclass
class _Walk:
    """One walk over a file: what it found, how many elements it may still read, and a window.

    Headers are read through a window of the file (``data``, from byte
    ``base``) that holds at least :data:`HEADER_MAX` bytes from where the
    walk is, unless the file ends first: dense headers cost no read each.
    """

    stream: BinaryIO
    size: int
    found: MatroskaTags
    left: int
    blocks: int  # block headers the walk may still read inline
    at: int = 0  # where the walk is inside a cluster, for a problem's message
    data: bytes = b""
    base: int = 0

    def header(self, position: int) -> tuple[int, int, int]:
        """(id, size or UNKNOWN, header length) of the element at ``position``."""
        index = self.index(position)
        return element_header(self.data, index)

    def index(self, position: int) -> int:
        """``position`` in :attr:`data`, the window moved there first when it must be."""
        index = position - self.base
        if index >= 0 and not self.short(index):
            return index
        self.stream.seek(position)
        self.data, self.base = self.stream.read(WINDOW), position
        if len(self.data) < HEADER_MAX and position + len(self.data) < self.size:
            raise FormatProblem(f"the file ended at byte {position + len(self.data)} while read")
        return 0

    def short(self, index: int) -> bool:
        """Whether the window holds fewer than :data:`HEADER_MAX` bytes from ``index``
        while the file goes on."""
        return index > len(self.data) - HEADER_MAX and self.base + len(self.data) < self.size

    def count(self, position: int, where: str = "segment") -> bool:
        """Take one element from the budget; past it, say where the walk stopped and why."""
        self.left -= 1
        if self.left >= 0:
            return True
        self.found.limits.append(_budget_spent(position, where))
        return False


def _budget_spent(position: int, where: str) -> str:
    return (
        f"more than {MAX_ELEMENTS:,} Matroska elements: the walk stopped at byte {position}"
        f" ({where}) and the rest of the file was not read"
    )


def _blocks_spent(position: int) -> str:
    return (
        f"more than {MAX_BLOCKS:,} Matroska block headers: the walk stopped at byte {position}"
        " (inside a cluster of unknown size) and the rest of the file was not read"
    )


def _segment(walk: _Walk, position: int) -> None:
    """Walk the segment-level elements from ``position`` to the end of the file.

    A ``Segment`` header met on the way (a chained segment, after its own
    EBML header) is stepped into: its children are read as the first's.
    """
    found = walk.found
    while position + 2 <= walk.size and walk.count(position):
        try:
            element_id, length, header = walk.header(position)
        except FormatProblem as exc:
            found.problems.append(f"Matroska segment at {position}: {exc}")
            return
        if element_id == SEGMENT_ID:
            position += header
        elif element_id == TAGS_ID:
            _tags(walk.stream, position + header, length, walk.size, found)
            if length == UNKNOWN:
                return
            position += header + length
        elif length == UNKNOWN:
            after = _unsized(walk, element_id, position, header)
            if after is None:
                return
            position = after
        elif position + header + length > walk.size:
            found.problems.append(_past_end(element_id, position, length, walk.size))
            return
        else:
            position += header + length


def _unsized(walk: _Walk, element_id: int, position: int, header: int) -> int | None:
    """Where a segment-level element of unknown size ends: a cluster's end, or None (a problem)."""
    if element_id == CLUSTER_ID:
        return _cluster(walk, position + header)
    walk.found.problems.append(_unknown_size(element_id, position))
    return None


def _unknown_size(element_id: int, position: int) -> str:
    return (
        f"Matroska element 0x{element_id:X} at {position} is of unknown size, which only a"
        " Segment or a Cluster may be: what follows it was not read"
    )


def _cluster(walk: _Walk, position: int) -> int | None:
    """Where the cluster of unknown size whose children begin at ``position`` ends.

    Its children (``Timestamp``, ``SimpleBlock``, ``BlockGroup``...) are
    skipped by their sizes, their headers read through a window of the file
    (a live recording has a block every few hundred bytes), until an element
    that ends a cluster begins or the file ends. ``None`` when the walk must
    stop: damage, or a budget spent, recorded in ``walk.found``.
    """
    try:
        return _cluster_children(walk, position)
    except FormatProblem as exc:
        walk.found.problems.append(f"Matroska cluster child at {walk.at}: {exc}")
        return None


def _cluster_children(walk: _Walk, position: int) -> int | None:
    size = walk.size
    while position + 2 <= size:
        walk.at = position
        index = walk.index(position)
        index, walk.blocks = _skip_blocks(walk.data, index, size - walk.base, walk.blocks)
        position = walk.at = walk.base + index
        if walk.blocks == 0:
            walk.found.limits.append(_blocks_spent(position))
            return None
        if position + 2 > size or walk.short(index):
            continue  # at the end, or near the window's end: the loop moves it
        if not walk.count(position, "inside a cluster"):
            return None
        element_id, length, header = element_header(walk.data, index)
        if element_id in CLUSTER_ENDS:
            return position
        if length == UNKNOWN:
            walk.found.problems.append(_unknown_size(element_id, position))
            return None
        if position + header + length > size:
            walk.found.problems.append(_past_end(element_id, position, length, size))
            return None
        position += header + length
    return size


def _skip_blocks(data: bytes, index: int, end: int, left: int) -> tuple[int, int]:
    """Skip the elements of a one-byte ID and a size of 1 to 4 bytes from ``data[index]``.

    Those are the blocks of a cluster, most of its children: their headers
    are read here inline, the hot loop of a long recording. It stops before
    any other element (IDs of more bytes, among them those that end a
    cluster; an unknown or longer size), one that would end past ``end``
    (the file's end in ``data``), the end of the window or of the budget
    ``left``; the caller reads that one. Returns (index, budget left).
    """
    stop = len(data) - HEADER_MAX
    while index <= stop and left > 0 and data[index] & 0x80:
        first = data[index + 1]
        if first & 0x80:
            after = index + 2 + (first & 0x7F) if first != 0xFF else end + 1
        elif first & 0x40:
            value = (first & 0x3F) << 8 | data[index + 2]
            after = index + 3 + value if value != 0x3FFF else end + 1
        elif first & 0x20:
            value = (first & 0x1F) << 16 | data[index + 2] << 8 | data[index + 3]
            after = index + 4 + value if value != 0x1FFFFF else end + 1
        elif first & 0x10:
            value = int.from_bytes(data[index + 1 : index + 5], "big") & 0x0FFFFFFF
            after = index + 5 + value if value != 0x0FFFFFFF else end + 1
        else:
            break
        if after > end:
            break
        index = after
        left -= 1
    return index, left


def _past_end(element_id: int, position: int, length: int, end: int) -> str:
    """An element whose size runs past the end: what lies after it in the file is never read."""
    return (
        f"Matroska element 0x{element_id:X} at {position} of {length} bytes"
        f" runs past the end of the file ({end} bytes)"
    )


def _tags(stream: BinaryIO, start: int, length: int, end: int, found: MatroskaTags) -> None:
    length = end - start if length == UNKNOWN else length
    if length > MAX_TAGS_BYTES or start + length > end:
        found.problems.append(f"Matroska Tags element of {length} bytes is damaged or too large")
        return
    stream.seek(start)
    data = stream.read(length)
    try:
        for name, text in _simple_tags(data, 0):
            if len(found.tags) >= MAX_TAGS:
                found.limits.append(f"more than {MAX_TAGS} Matroska tags; the rest was not read")
                return
            found.tags.append((name, text))
    except FormatProblem as exc:
        found.problems.append(f"Matroska Tags: {exc}")


def _children(data: bytes) -> Iterator[tuple[int, bytes]]:
    position = 0
    while position < len(data):
        element_id, length, header = element_header(data, position)
        if length == UNKNOWN or position + header + length > len(data):
            raise FormatProblem("tag element runs past its parent")
        yield element_id, data[position + header : position + header + length]
        position += header + length


def _simple_tags(data: bytes, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_NESTING:
        raise FormatProblem(f"tags nested deeper than {MAX_NESTING}")
    for element_id, body in _children(data):
        if element_id == TAG_ID:
            yield from _simple_tags(body, depth + 1)
        elif element_id == SIMPLE_TAG_ID:
            fields = dict(_children(body))
            name, text = fields.get(TAG_NAME_ID), fields.get(TAG_STRING_ID)
            if name is not None and text is not None:
                yield _utf8(name), _utf8(text)
            yield from _simple_tags(body, depth + 1)


def _utf8(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").rstrip("\x00")
