"""RIFF chunk walking for WebP, WAV and AVI.

A RIFF file is a tree of chunks: a four-character id, a little-endian 32-bit
size, the payload, and a pad byte to even length. ``LIST`` chunks hold
sub-chunks (``LIST/INFO`` tags in WAV). Large payloads (image and audio data)
are skipped with a seek; the walk is bounded in chunk count and depth, so a
"RIFF bomb" of nested or absurd sizes ends in problems (damage) or limits
(not fully read), not a hang.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once
from provenance.files.opening import open_regular

MAX_CHUNKS = 10_000
MAX_DEPTH = 4
MAX_PAYLOAD = 16 * 1024 * 1024
SKIPPED = frozenset({"data", "VP8 ", "VP8L", "ANMF", "movi", "idx1", "JUNK", "PAD "})
# Chunks whose name says what they hold (WebP, WAV, AVI and their metadata): any other is
# unknown, a vendor's or one whose name was damaged, and only those are looked into for a
# metadata place that lost its name.
NAMED = SKIPPED | frozenset(
    {"VP8X", "ALPH", "ANIM", "ICCP", "EXIF", "XMP ", "_PMX", "C2PA", "LIST", "fmt ", "fact"}
    | {"bext", "iXML", "cue ", "smpl", "inst", "avih", "strh", "strf", "strd", "strn", "indx"}
)


@dataclass(frozen=True)
class RiffChunk:
    """One chunk: its id, the ``LIST`` path above it, and its payload (None when skipped)."""

    cid: str
    parents: tuple[str, ...]
    size: int
    payload: bytes | None


@dataclass
class RiffInfo:
    """A RIFF file's form type and its chunks."""

    form: str = ""
    chunks: list[RiffChunk] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # what stopped the walk: not fully read

    def first(self, cid: str) -> bytes | None:
        """Payload of the first chunk with this id, anywhere in the tree."""
        for chunk in self.chunks:
            if chunk.cid == cid and chunk.payload is not None:
                return chunk.payload
        return None

    def unnamed(self) -> Iterator[RiffChunk]:
        """The chunks read whose name is not one of :data:`NAMED` (nor a ``LIST`` item)."""
        return (c for c in self.chunks if c.payload and c.cid not in NAMED and not c.parents)

    def list_items(self, list_type: str) -> list[RiffChunk]:
        """Sub-chunks of ``LIST`` chunks of the given type (e.g. ``INFO``)."""
        return [c for c in self.chunks if c.parents and c.parents[-1] == list_type]


@once
def read_riff(path: Path) -> RiffInfo:
    """Walk a RIFF file. Raises :class:`FormatProblem` if it is not RIFF."""
    with open_regular(path) as stream:
        size = path.stat().st_size
        return read_riff_stream(stream, size)


def read_riff_stream(stream: BinaryIO, file_size: int) -> RiffInfo:
    """Walk the RIFF stream positioned at its start."""
    header = stream.read(12)
    if len(header) < 12 or header[:4] != b"RIFF":
        raise FormatProblem("not a RIFF file")
    info = RiffInfo(form=header[8:12].decode("latin-1"))
    declared = struct.unpack("<I", header[4:8])[0]
    end = min(file_size, 8 + declared)
    if 8 + declared > file_size:
        info.problems.append(
            f"RIFF size {declared} runs past the end of the file ({file_size} bytes)"
        )
    budget = [MAX_CHUNKS]
    for chunk in _walk(stream, end, (), budget, info):
        info.chunks.append(chunk)
    return info


def _walk(
    stream: BinaryIO, end: int, parents: tuple[str, ...], budget: list[int], info: RiffInfo
) -> Iterator[RiffChunk]:
    while stream.tell() + 8 <= end:
        if budget[0] <= 0:
            info.limits.append(f"more than {MAX_CHUNKS} RIFF chunks; the rest was not read")
            return
        budget[0] -= 1
        cid_raw, size = struct.unpack("<4sI", stream.read(8))
        cid = cid_raw.decode("latin-1")
        start = stream.tell()
        stop = start + size + (size & 1)
        if start + size > end:
            info.problems.append(f"chunk {cid!r} of {size} bytes runs past its container")
        if cid == "LIST" and size >= 4:
            yield from _list(stream, cid, min(start + size, end), parents, budget, info)
        else:
            yield _leaf(stream, cid, size, parents, min(size, end - start))
        stream.seek(min(stop, end))


def _list(
    stream: BinaryIO,
    cid: str,
    end: int,
    parents: tuple[str, ...],
    budget: list[int],
    info: RiffInfo,
) -> Iterator[RiffChunk]:
    list_type = stream.read(4).decode("latin-1")
    yield RiffChunk(cid, parents, end - stream.tell() + 4, None)
    if len(parents) >= MAX_DEPTH:
        info.limits.append(f"LIST nesting deeper than {MAX_DEPTH}; not read")
        return
    yield from _walk(stream, end, (*parents, list_type), budget, info)


def _leaf(
    stream: BinaryIO, cid: str, size: int, parents: tuple[str, ...], available: int
) -> RiffChunk:
    if cid in SKIPPED or size > MAX_PAYLOAD:
        return RiffChunk(cid, parents, size, None)
    return RiffChunk(cid, parents, size, stream.read(max(0, available)))
