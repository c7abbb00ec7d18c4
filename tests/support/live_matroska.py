"""Matroska as a live recording writes it: a ``Segment`` and ``Cluster`` elements of unknown size.

A writer that cannot seek back writes the size of these elements as all
one-bits ("unknown"): a browser's MediaRecorder both, ``ffmpeg`` to a pipe
the Segment's (it holds each cluster in memory and knows its size). A
cluster of unknown size ends where the next segment-level element begins.
The blocks here are real ``SimpleBlock`` headers (track 1, relative
timestamp, keyframe flag) around a few placeholder bytes of frame: all a
tag reader that never decodes may see. Nothing here is committed as a file.
"""

from __future__ import annotations

import struct

from tests.support.containers import ebml_element, matroska_tags_element

EBML_HEADER = ebml_element(0x1A45DFA3, ebml_element(0x4282, b"webm"))
SEGMENT = bytes.fromhex("18538067")
CLUSTER = bytes.fromhex("1F43B675")
UNKNOWN_SIZE = b"\x01" + b"\xff" * 7  # eight bytes, all value bits set
INFO = ebml_element(0x1549A966, ebml_element(0x4D80, b"provenance-tests"))
# One audio track of 16-bit PCM, so that a real demuxer (ffmpeg) accepts the file.
TRACKS = ebml_element(
    0x1654AE6B,
    ebml_element(
        0xAE,
        ebml_element(0xD7, b"\x01")
        + ebml_element(0x73C5, b"\x01")
        + ebml_element(0x83, b"\x02")
        + ebml_element(0x86, b"A_PCM/INT/LIT")
        + ebml_element(
            0xE1,
            ebml_element(0xB5, struct.pack(">d", 48000.0))
            + ebml_element(0x9F, b"\x01")
            + ebml_element(0x6264, b"\x10"),
        ),
    ),
)


def size_vint(size: int) -> bytes:
    """``size`` as the shortest EBML size (its all-ones value is "unknown", so one more byte)."""
    length = 1
    while size >= (1 << (7 * length)) - 1:
        length += 1
    return ((1 << (7 * length)) | size).to_bytes(length, "big")


def simple_block(timecode: int = 0, frame: bytes = b"\x00\x00") -> bytes:
    """A ``SimpleBlock`` of the shortest size: track 1, ``timecode`` in the cluster, a keyframe."""
    body = b"\x81" + struct.pack(">h", timecode) + b"\x80" + frame
    return b"\xa3" + size_vint(len(body)) + body


def live_cluster(blocks: int, timestamp: int = 0) -> bytes:
    """A ``Cluster`` of unknown size: its ``Timestamp``, then ``blocks`` simple blocks."""
    frames = b"".join(simple_block(n % 32768) for n in range(blocks))
    return CLUSTER + UNKNOWN_SIZE + ebml_element(0xE7, struct.pack(">I", timestamp)) + frames


def live_matroska(*parts: bytes, segment_unsized: bool = True) -> bytes:
    """EBML header, then a ``Segment`` (of unknown size by default): Info, Tracks, ``parts``."""
    body = INFO + TRACKS + b"".join(parts)
    if segment_unsized:
        return EBML_HEADER + SEGMENT + UNKNOWN_SIZE + body
    return EBML_HEADER + ebml_element(0x18538067, body)


def live_recording(
    tags: list[tuple[str, str]] | None, clusters: int = 3, blocks: int = 30
) -> bytes:
    """A live recording of ``clusters`` unknown-size clusters, with ``tags`` after them, if any."""
    recorded = b"".join(live_cluster(blocks, n * 1000) for n in range(clusters))
    return live_matroska(recorded, matroska_tags_element(tags) if tags else b"")
