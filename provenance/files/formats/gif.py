"""GIF blocks: comment extensions and the XMP application extension, without decoding frames.

A GIF is a header and logical screen descriptor (with an optional global
colour table), then a sequence of blocks up to the trailer (``0x3B``):

* image descriptors (``0x2C``): a fixed header, an optional local colour
  table, then LZW data in *sub-blocks* (a length byte, up to 255 bytes, a
  zero length ending the run);
* extensions (``0x21`` and a label): graphic control (``0xF9``), plain text,
  **comment** (``0xFE``: text in sub-blocks, where tools such as Pillow's
  ``comment=`` and generators' savers put their parameters) and
  **application** (``0xFF``: an 11-byte identifier; ``XMP DataXMP`` is an
  XMP packet written raw, its bytes doubling as sub-block lengths, followed
  by a 258-byte "magic trailer" that ends the run for readers that skip it).

:func:`read_gif` walks the blocks, skipping image data sub-block by
sub-block (frames are never decoded), and returns the comments and XMP
packets. Sub-block count and kept text are bounded; what stopped the walk is
in :attr:`GifInfo.limits`, damage (a truncated file) in :attr:`GifInfo.problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from provenance.files.formats import FormatProblem
from provenance.files.formats.once import once
from provenance.files.opening import open_regular

MAX_SUB_BLOCKS = 2_000_000
MAX_TEXT_BYTES = 16 * 1024 * 1024
XMP_APPLICATION = b"XMP DataXMP"
_TRAILER, _IMAGE, _EXTENSION = 0x3B, 0x2C, 0x21
_COMMENT, _APPLICATION = 0xFE, 0xFF


class _Budget(Exception):
    """The sub-block budget is spent."""


@dataclass
class GifInfo:
    """The comments and XMP packets of a GIF, its frame count, and what spoiled the walk."""

    comments: list[bytes] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    frames: int = 0
    problems: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    sub_blocks: int = 0


@once
def read_gif(path: Path) -> GifInfo:
    """Walk a GIF file's blocks. Raises :class:`FormatProblem` when it is not a GIF."""
    with open_regular(path) as stream:
        return read_gif_stream(stream)


def read_gif_stream(stream: BinaryIO) -> GifInfo:
    """Walk the blocks of a GIF stream positioned at its start."""
    header = stream.read(13)
    if len(header) < 13 or header[:6] not in (b"GIF87a", b"GIF89a"):
        raise FormatProblem("not a GIF file")
    info = GifInfo()
    _skip_colour_table(stream, header[10])
    try:
        _walk(stream, info)
    except _Budget:
        info.limits.append(f"more than {MAX_SUB_BLOCKS} GIF sub-blocks; the rest was not read")
    return info


def _skip_colour_table(stream: BinaryIO, flags: int) -> None:
    if flags & 0x80:
        stream.seek(3 * (2 << (flags & 0x07)), 1)


def _walk(stream: BinaryIO, info: GifInfo) -> None:
    while True:
        introducer = stream.read(1)
        if not introducer:
            info.problems.append("GIF ends without its trailer (truncated)")
            return
        if introducer[0] == _TRAILER:
            return
        if introducer[0] == _IMAGE:
            info.frames += 1
            _image(stream, info)
        elif introducer[0] == _EXTENSION:
            _extension(stream, info)
        else:
            info.problems.append(f"unknown GIF block 0x{introducer[0]:02x}; the rest was not read")
            return


def _image(stream: BinaryIO, info: GifInfo) -> None:
    descriptor = stream.read(9)
    if len(descriptor) < 9:
        return
    _skip_colour_table(stream, descriptor[8])
    stream.read(1)  # LZW minimum code size
    _sub_blocks(stream, info, keep=False)


def _extension(stream: BinaryIO, info: GifInfo) -> None:
    label = stream.read(1)
    if not label:
        return
    if label[0] == _COMMENT:
        info.comments.append(_sub_blocks(stream, info, keep=True))
    elif label[0] == _APPLICATION:
        _application(stream, info)
    else:
        _sub_blocks(stream, info, keep=False)


def _application(stream: BinaryIO, info: GifInfo) -> None:
    size = stream.read(1)
    identifier = stream.read(size[0]) if size else b""
    if identifier != XMP_APPLICATION:
        _sub_blocks(stream, info, keep=False)
        return
    # The packet's own bytes are read as sub-block lengths and data: keep both.
    raw = _sub_blocks(stream, info, keep=True, with_lengths=True)
    end = raw.rfind(b"<?xpacket end")
    close = raw.find(b"?>", end) if end >= 0 else -1
    info.xmp.append(raw[: close + 2] if close >= 0 else raw)


def _sub_blocks(
    stream: BinaryIO, info: GifInfo, *, keep: bool, with_lengths: bool = False
) -> bytes:
    kept = bytearray()
    while True:
        info.sub_blocks += 1
        if info.sub_blocks > MAX_SUB_BLOCKS:
            raise _Budget
        length = stream.read(1)
        if not length or length[0] == 0:
            return bytes(kept)
        if keep and len(kept) < MAX_TEXT_BYTES:
            kept += length if with_lengths else b""
            kept += stream.read(length[0])
        else:
            stream.seek(length[0], 1)
