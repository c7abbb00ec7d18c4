"""Matroska and WebM tags: the ``SimpleTag`` name/value pairs of the ``Tags`` element.

Matroska (``.mkv``) and WebM are EBML: every element is an ID and a size,
both variable-length integers (the position of the first set bit gives the
length; a size of all one-bits means "unknown"), then the payload. A file is
an EBML header and one ``Segment``, whose children are ``Info``,
``Tracks``, ``Tags``, the ``Cluster`` elements holding the frames, ``Cues``...
ffmpeg's ``-metadata comment=...`` becomes a ``Tag`` whose ``SimpleTag`` has
``TagName`` ``COMMENT`` and a ``TagString`` (ComfyUI's VideoHelperSuite
writes its prompt and workflow this way; names are upper-cased by ffmpeg).

:func:`read_matroska_tags` walks the segment's children, skipping every
element but ``Tags`` by its size (frames are never read), and returns the
tags as ``(name, text)`` pairs. A child of unknown size other than ``Tags``
cannot be skipped: the walk stops there and says so in
:attr:`MatroskaTags.unsized` (live recordings write clusters of unknown size:
no damage). Element count, nesting and tag sizes are bounded; past a bound
the walk says so in :attr:`MatroskaTags.limits`.

What would hide a ``Tags`` element from the walk is a *problem*: a header
that does not parse, an element whose size runs past the end of the file
(it swallows what follows), an EBML header after which no ``Segment`` is
found, tags that do not parse.
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
TAGS_ID = 0x1254C367
TAG_ID = 0x7373
SIMPLE_TAG_ID = 0x67C8
TAG_NAME_ID = 0x45A3
TAG_STRING_ID = 0x4487
MAX_ELEMENTS = 100_000
MAX_TAGS = 256
MAX_TAGS_BYTES = 16 * 1024 * 1024
MAX_NESTING = 8
UNKNOWN = -1


@dataclass
class MatroskaTags:
    """The ``(name, text)`` tags found, and what stopped or spoiled the walk.

    ``problems`` is damage and ``limits`` a bound reached: either may hide
    tags. ``unsized`` says where the walk stopped at an element of unknown
    size, which a live recording writes.
    """

    tags: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    unsized: list[str] = field(default_factory=list)


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
    found = MatroskaTags()
    element_id, length, header = _header_at(stream, 0)
    if element_id != EBML_ID or length == UNKNOWN:
        raise FormatProblem("not a Matroska/WebM file")
    position = header + length
    for _ in range(MAX_ELEMENTS):
        if position + 2 > size:
            break
        element_id, length, header = _header_at(stream, position)
        if element_id == SEGMENT_ID:
            _segment(stream, position + header, size, found)
            return found
        if length == UNKNOWN:
            break
        position += header + length
    found.problems.append(f"no Matroska Segment after the EBML header (looked up to {position})")
    return found


def _header_at(stream: BinaryIO, position: int) -> tuple[int, int, int]:
    stream.seek(position)
    return element_header(stream.read(12))


def _segment(stream: BinaryIO, position: int, end: int, found: MatroskaTags) -> None:
    for _ in range(MAX_ELEMENTS):
        if position + 2 > end:
            return
        try:
            element_id, length, header = _header_at(stream, position)
        except FormatProblem as exc:
            found.problems.append(f"Matroska segment at {position}: {exc}")
            return
        if element_id == TAGS_ID:
            _tags(stream, position + header, length, end, found)
        elif length == UNKNOWN:
            found.unsized.append(f"Matroska element of unknown size at {position}; not read past")
        elif position + header + length > end:
            found.problems.append(_past_end(element_id, position, length, end))
            return
        if length == UNKNOWN:
            return
        position += header + length
    found.limits.append(f"more than {MAX_ELEMENTS} Matroska elements; the rest was not read")


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
