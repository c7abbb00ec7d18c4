"""Cheap container checks that prove a file holds no embedded C2PA manifest.

Opening a file with the C2PA SDK costs about a millisecond even when there is
nothing to find. Each container has one place a manifest can live (see the
table in ``MARKERS.md`` §3), and looking there is far cheaper:

=========================  ==============================================
JPEG                       an ``APP11`` segment (JUMBF)
PNG                        a ``caBX`` chunk
WebP, WAV, AVI (RIFF)      a ``C2PA`` chunk
MP4, MOV, M4A, HEIF, AVIF  a top-level ``uuid`` box of the C2PA type
MP3                        an ID3v2 ``GEOB`` frame
TIFF, DNG, raw             IFD0 tag 0xCD41
=========================  ==============================================

:func:`may_hold_c2pa` answers False only when the check ran cleanly and found
no such place. A damaged container or a format without a check (PDF, GIF,
SVG, FLAC, JPEG XL, ...) answers True: the SDK is asked, and its error, if
any, becomes evidence. A walk stopped at one of its limits answers False (a
GIF's too, though GIF has no check otherwise): the
file is unreadable anyway (see :mod:`provenance.detectors.integrity`: it
blocks, naming the limit), and the SDK, which reads a file whole and is
quadratic in some structures, is never handed hundreds of megabytes of fill
bytes or 100,000 ``uuid`` boxes. A file whose XMP names a
manifest (``dcterms:provenance``, left by a remote or stripped manifest) is
given to the SDK too, which reports the remote address.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from pathlib import Path

from provenance.detectors.xmp_packets import find_packets
from provenance.files.formats import FormatProblem
from provenance.files.formats.bmff import (
    C2PA_UUID,
    MAX_UNKNOWN,
    MAX_UNNAMED,
    BmffInfo,
    Box,
    read_bmff,
    unnamed_heads,
)
from provenance.files.formats.gif import read_gif
from provenance.files.formats.jpeg import read_jpeg
from provenance.files.formats.png import ChunkRef, chunk_index, read_png
from provenance.files.formats.riff import RiffInfo, read_riff
from provenance.files.formats.tiff_file import C2PA_TAG, ifd0_of
from provenance.files.formats.xmp import decode_packet, packet_codec
from provenance.files.opening import open_regular

MAX_ID3_BYTES = 64 * 1024 * 1024


def _jpeg(path: Path) -> bool:
    info = read_jpeg(path)
    return not info.limits and (bool(info.problems) or bool(info.app(0xEB)))


def _png(path: Path) -> bool:
    refs, problems, limits = chunk_index(path)
    return not limits and (bool(problems) or _in_png(refs))


def _riff(path: Path) -> bool:
    info = read_riff(path)
    return not info.limits and (bool(info.problems) or _in_riff(info))


def _bmff(path: Path) -> bool:
    info = read_bmff(path)
    return not info.limits and (bool(info.problems) or _in_bmff(info))


# The one place a manifest store lives in each container, in its walk: what the checks
# above look for, and what a store the SDK did not find is said to be damaged in.
def _in_png(refs: Sequence[ChunkRef]) -> bool:
    return any(ref.ctype == b"caBX" for ref in refs)


def _in_riff(info: RiffInfo) -> bool:
    return any(chunk.cid == "C2PA" for chunk in info.chunks)


def _in_bmff(info: BmffInfo) -> bool:
    return bool(info.find("uuid", C2PA_UUID))


def _mp3(path: Path) -> bool:
    with open_regular(path) as stream:
        header = stream.read(10)
        if len(header) < 10 or not header.startswith(b"ID3"):
            return False
        size = _syncsafe(header[6:10])
        if size > MAX_ID3_BYTES:
            return True
        tag = stream.read(size)
    # Frame ids stay readable even in compressed or unsynchronised tags.
    return b"GEOB" in tag or (header[3] == 2 and b"GEO" in tag)


def _syncsafe(raw: bytes) -> int:
    return (raw[0] & 0x7F) << 21 | (raw[1] & 0x7F) << 14 | (raw[2] & 0x7F) << 7 | (raw[3] & 0x7F)


def _tiff(path: Path) -> bool:
    return C2PA_TAG in ifd0_of(path).entries


_CHECKS: dict[str, Callable[[Path], bool]] = {
    "jpeg": _jpeg,
    "png": _png,
    "webp": _riff,
    "wav": _riff,
    "avi": _riff,
    "mp4": _bmff,
    "mov": _bmff,
    "m4a": _bmff,
    "heif": _bmff,
    "avif": _bmff,
    "mp3": _mp3,
    "tiff": _tiff,
    "raw": _tiff,
}


def _jpeg_place(path: Path) -> bool:
    return any(b"c2pa" in data for data in read_jpeg(path).app(0xEB))


def _png_place(path: Path) -> bool:
    return _in_png(chunk_index(path)[0])


def _riff_place(path: Path) -> bool:
    return _in_riff(read_riff(path))


def _bmff_place(path: Path) -> bool:
    return _in_bmff(read_bmff(path))


# Where a manifest store itself lives: the SDK finding none there means it is damaged.
_PLACES: dict[str, tuple[str, Callable[[Path], bool]]] = {
    "jpeg": ("JPEG APP11 segment naming c2pa", _jpeg_place),
    "png": ("PNG caBX chunk", _png_place),
    "webp": ("RIFF C2PA chunk", _riff_place),
    "wav": ("RIFF C2PA chunk", _riff_place),
    "mp4": ("C2PA uuid box", _bmff_place),
    "mov": ("C2PA uuid box", _bmff_place),
    "heif": ("C2PA uuid box", _bmff_place),
}


def manifest_place(path: Path, fmt: str | None) -> str | None:
    """The container's place for a manifest store, when the file has one (None when not seen)."""
    named = _PLACES.get(fmt or "")
    try:
        return named[0] if named is not None and named[1](path) else None
    except (FormatProblem, OSError, struct.error, ValueError):
        return None


def holds_c2pa_store(data: bytes) -> bool:
    """Whether bytes open with a JUMBF superbox labelled ``c2pa``: a manifest store."""
    at = data.find(b"jumb", 0, 64)
    return at >= 0 and b"c2pa" in data[at : at + 64]


def _jpeg_unnamed(path: Path) -> str | None:
    for marker, data in read_jpeg(path).segments:
        if marker != 0xEB and holds_c2pa_store(data[:128]):
            return f"JPEG segment 0x{marker:02X} holding a C2PA manifest store (not APP11)"
    return None


def _png_unnamed(path: Path) -> str | None:
    for name, payload in read_png(path).chunks.items():
        if name != "caBX" and holds_c2pa_store(payload[:128]):
            return f"PNG chunk {name!r} holding a C2PA manifest store (not caBX)"
    return None


def _riff_unnamed(path: Path) -> str | None:
    for chunk in read_riff(path).unnamed():
        if holds_c2pa_store((chunk.payload or b"")[:128]):
            return f"RIFF chunk {chunk.cid!r} holding a C2PA manifest store (not C2PA)"
    return None


def _bmff_unnamed(path: Path) -> str | None:
    found = unnamed_heads(path)
    if found.more:
        return (
            f"more than {MAX_UNNAMED} uuid boxes or {MAX_UNKNOWN} boxes of unknown types"
            " (the rest not looked into)"
        )
    for box, head in found.heads:
        if holds_c2pa_store(head):
            return f"{_box_name(box)} of an unknown type holding a C2PA manifest store"
    return None


def _box_name(box: Box) -> str:
    return "uuid box" if box.type == "uuid" else f"box {box.path!r}"


# A manifest store under a damaged name: a place no reader looks in, holding a store.
_UNNAMED: dict[str, Callable[[Path], str | None]] = {
    "jpeg": _jpeg_unnamed,
    "png": _png_unnamed,
    **dict.fromkeys(("webp", "wav", "avi"), _riff_unnamed),
    **dict.fromkeys(("mp4", "mov", "m4a", "heif", "avif"), _bmff_unnamed),
}


def unnamed_place(path: Path, fmt: str | None) -> str | None:
    """A place of another name that holds a manifest store (its name damaged), if any.

    The SDK looks for a store in the container's one place only (see the
    table above); a store whose place lost its name is found here by its
    JUMBF label, in the first bytes of places the walk read already (a few
    bytes of each BMFF ``uuid`` box of an unknown type).
    """
    look = _UNNAMED.get(fmt or "")
    try:
        return look(path) if look is not None else None
    except (FormatProblem, OSError, struct.error, ValueError):
        return None  # a damaged container: the integrity detector says so


def can_precheck(fmt: str | None) -> bool:
    """True when :func:`may_hold_c2pa` has a real check for this format."""
    return fmt in _CHECKS


def may_hold_c2pa(
    path: Path, fmt: str | None, packets: Callable[[], list[bytes]] | None = None
) -> bool:
    """False only when a clean container check proves there is no manifest, local or remote.

    ``packets`` gives the file's XMP packets when the caller has them (or will
    read them anyway): a remote manifest leaves only its address there.
    """
    check = _CHECKS.get(fmt or "")
    if check is None:
        return not _given_up(path, fmt)
    try:
        if check(path):
            return True
        return _points_to_manifest(packets() if packets is not None else _file_packets(path, fmt))
    except (FormatProblem, OSError, struct.error, ValueError):
        return True


def _given_up(path: Path, fmt: str | None) -> bool:
    """Whether the bounded walk of a format without a check gave up on the file.

    GIF has no place to look cheaply, so the SDK is asked; but it reads a GIF
    of millions of sub-blocks for more than the detectors' time budget (5
    million: over 5 s), and one past the walk's budget is unreadable anyway.
    """
    if fmt != "gif":
        return False
    try:
        return bool(read_gif(path).limits)
    except (FormatProblem, OSError):
        return False


def _file_packets(path: Path, fmt: str | None) -> list[bytes]:
    return find_packets(path, fmt, path.stat().st_size)


def _points_to_manifest(packets: list[bytes]) -> bool:
    # A remote (or stripped) manifest leaves only its address, in XMP dcterms:provenance;
    # a packet in UTF-16 or UTF-32 is decoded to be looked in.
    return any(
        b"provenance" in packet
        or (packet_codec(packet) != "utf-8" and "provenance" in decode_packet(packet))
        for packet in packets
    )
