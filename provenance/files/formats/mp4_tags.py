"""MP4/MOV metadata *tags*: the iTunes-style item list that ffmpeg writes.

Tools that write video through ffmpeg (ComfyUI's VideoHelperSuite among
them) put ``-metadata key=value`` pairs in ``moov/udta/meta/ilst``: one box
per tag, typed by a four-character code (``©cmt`` comment, ``©too``
encoder, ``©nam`` title...), each holding a ``data`` box (a 4-byte type --
1 is UTF-8 text -- a 4-byte locale, then the value). With ``-movflags
use_metadata_tags`` any key may be written: the names are listed in a
``keys`` box (``mdta`` namespace) and the ``ilst`` boxes are typed by the
1-based index of their key instead.

:func:`read_mp4_tags` reads those boxes, found by the bounded box walk of
:mod:`~provenance.files.formats.bmff`, and returns ``(name, text)`` pairs;
names are given as the ffmpeg key would be (``comment``, ``encoder``...),
or as written in ``keys``. At most :data:`MAX_TAGS` tags of at most
:data:`MAX_TAG_BYTES` each; frames and sample tables are never read.

An item whose type lost a byte (``©cmu`` for ``©cmt``), or whose ``data``
box did, is still read: a type one byte off a single name the reader knows
is taken for it, as the box walk does with a damaged container
(:mod:`~provenance.files.formats.bmff`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from provenance.files.formats import FormatProblem
from provenance.files.formats.bmff import BmffInfo, read_bmff, read_payload

MAX_TAGS = 256
MAX_TAG_BYTES = 16 * 1024 * 1024
MAX_LIST_BYTES = 64 * 1024 * 1024
_UTF8, _UTF16 = 1, 2
# ffmpeg's names for the item types it writes (libavformat/movenc.c, mov.c).
_NAMES = {
    "\xa9cmt": "comment",
    "\xa9too": "encoder",
    "\xa9nam": "title",
    "\xa9ART": "artist",
    "\xa9des": "description",
    "desc": "description",
    "\xa9day": "date",
    "\xa9swr": "software",
    "\xa9mak": "make",
    "\xa9mod": "model",
    "\xa9inf": "information",
}


@dataclass(frozen=True)
class Mp4Tag:
    """One tag: its name, its text, and where it sits (``moov/udta/meta/ilst``)."""

    name: str
    text: str
    where: str


def read_mp4_tags(path: Path, info: BmffInfo | None = None) -> list[Mp4Tag]:
    """The text tags of every ``meta/ilst`` box under ``moov``."""
    info = info if info is not None else read_bmff(path)
    tags: list[Mp4Tag] = []
    for box in info.boxes:
        if box.type != "ilst" or box.parents[-1:] != ("meta",) or box.parents[0] != "moov":
            continue
        meta = "/".join(box.parents)
        keys = [k for k in info.boxes if k.type == "keys" and "/".join(k.parents) == meta]
        names = parse_keys(read_payload(path, keys[0], MAX_LIST_BYTES)) if keys else []
        payload = read_payload(path, box, MAX_LIST_BYTES)
        for name, text in parse_ilst(payload, names):
            if len(tags) < MAX_TAGS:
                tags.append(Mp4Tag(name, text, box.path))
    return tags


def parse_keys(payload: bytes) -> list[str]:
    """The key names of a ``keys`` payload (full box header included), in index order."""
    if len(payload) < 8:
        raise FormatProblem("MP4 keys box truncated")
    count = min(struct.unpack(">I", payload[4:8])[0], MAX_TAGS)
    names: list[str] = []
    position = 8
    while len(names) < count and position + 8 <= len(payload):
        size = struct.unpack(">I", payload[position : position + 4])[0]
        if size < 8 or position + size > len(payload):
            raise FormatProblem(f"MP4 key entry of impossible size {size}")
        names.append(payload[position + 8 : position + size].decode("utf-8", errors="replace"))
        position += size
    return names


def parse_ilst(payload: bytes, keys: list[str]) -> Iterator[tuple[str, str]]:
    """``(name, text)`` for each text item of an ``ilst`` payload."""
    for kind, body in _boxes(payload):
        name = _item_name(kind, keys)
        for data_kind, data in _boxes(body):
            if _near(data_kind, b"data") and len(data) >= 8:
                text = _text(struct.unpack(">I", data[:4])[0] & 0xFFFFFF, data[8:])
                if text is not None:
                    yield name, text


def _item_name(kind: bytes, keys: list[str]) -> str:
    index = int.from_bytes(kind, "big")
    if 1 <= index <= len(keys):
        return keys[index - 1]
    text = kind.decode("latin-1")
    if text in _NAMES:
        return _NAMES[text]
    near = [name for code, name in _NAMES.items() if _near(kind, code.encode("latin-1"))]
    return near[0] if len(near) == 1 else text


def _near(found: bytes, name: bytes) -> bool:
    """The type, or that type with one byte changed."""
    return sum(a != b for a, b in zip(found, name, strict=True)) <= 1


def _text(type_code: int, value: bytes) -> str | None:
    """A value's text: UTF-8 or UTF-16 by its type code; of another code (binary, a number,
    a picture, or a text whose code was damaged), its bytes if they are valid UTF-8."""
    if len(value) > MAX_TAG_BYTES:
        return None
    if type_code == _UTF8:
        return value.decode("utf-8", errors="replace")
    if type_code == _UTF16:
        return value.decode("utf-16-be", errors="replace")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _boxes(payload: bytes) -> Iterator[tuple[bytes, bytes]]:
    position = 0
    for _ in range(MAX_TAGS):
        if position + 8 > len(payload):
            return
        size, kind = struct.unpack(">I4s", payload[position : position + 8])
        if size < 8 or position + size > len(payload):
            raise FormatProblem(f"MP4 tag box {kind!r} of impossible size {size}")
        yield kind, payload[position + 8 : position + size]
        position += size
