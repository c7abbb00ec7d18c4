"""DPX (SMPTE 268M) frames: the header fields a decoder needs, and the pixels.

A DPX file is a fixed binary header followed by uncompressed samples. The
first four bytes say the byte order (``SDPX`` big-endian, ``XPDS``
little-endian). The generic image header at byte 768 gives the size and, for
the first image element, the layout of its samples:

* ``descriptor``: 50 RGB, 51 RGBA, 52 ABGR, 6 luma only;
* ``bit_size``: 8, 10, 12 or 16 bits a sample;
* ``packing``: 0 samples packed back to back, 1 "method A" (samples filled
  into 32-bit words, padding in the low bits), 2 "method B" (padding in the
  high bits). Packing matters only for 10 and 12 bits;
* ``transfer``: 1 printing density and 3 logarithmic mean Cineon-style log
  code values; the rest (video, linear, user-defined) are read as they are.

Only the first image element is read, and only every ``step``-th line of it
(the file is memory-mapped, so skipped lines are never decoded): that is the
reduced decoding a perceptual fingerprint needs. The common packings are
supported (8-bit, 10-bit method A/B, 12-bit method A, 16-bit); anything else
is a :class:`FormatProblem` that says which packing it was.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from provenance.files.formats import FormatProblem
from provenance.files.opening import open_regular

MAGIC_BE = b"SDPX"
MAGIC_LE = b"XPDS"
HEADER_SIZE = 2048
LOG_TRANSFERS = frozenset({1, 3})
_CHANNELS = {50: 3, 51: 4, 52: 4, 6: 1}


@dataclass(frozen=True)
class DpxHeader:
    """What the decoder reads from the header (see the module docstring)."""

    endian: str  # ">" or "<", for numpy and struct
    width: int
    height: int
    descriptor: int
    transfer: int
    bit_size: int
    packing: int
    data_offset: int

    @property
    def channels(self) -> int:
        """Samples a pixel."""
        return _CHANNELS[self.descriptor]

    @property
    def is_log(self) -> bool:
        """True when the code values are Cineon-style log (printing density)."""
        return self.transfer in LOG_TRANSFERS


def read_header(path: Path) -> DpxHeader:
    """Parse the fields of :class:`DpxHeader`, refusing layouts this reader cannot decode."""
    with open_regular(path) as stream:
        raw = stream.read(HEADER_SIZE)
    if len(raw) < 820 or raw[:4] not in (MAGIC_BE, MAGIC_LE):
        raise FormatProblem("not a DPX file (no SDPX magic or header cut short)")
    e = ">" if raw[:4] == MAGIC_BE else "<"
    (image_offset,) = struct.unpack_from(e + "I", raw, 4)
    width, height = struct.unpack_from(e + "II", raw, 772)
    descriptor, transfer, _, bit_size, packing = struct.unpack_from(e + "BBBBH", raw, 800)
    (element_offset,) = struct.unpack_from(e + "I", raw, 808)
    header = DpxHeader(
        e, width, height, descriptor, transfer, bit_size, packing, element_offset or image_offset
    )
    _check_supported(header)
    return header


def _check_supported(h: DpxHeader) -> None:
    if h.descriptor not in _CHANNELS:
        raise FormatProblem(f"DPX descriptor {h.descriptor} is not supported (only RGB, RGBA, Y)")
    supported = {8: {0, 1, 2}, 10: {1, 2}, 12: {1}, 16: {0, 1, 2}}
    if h.packing not in supported.get(h.bit_size, set()):
        raise FormatProblem(f"DPX {h.bit_size}-bit samples with packing {h.packing} unsupported")
    if h.bit_size == 10 and h.channels != 3:
        raise FormatProblem("10-bit DPX is supported for RGB only")
    if h.width <= 0 or h.height <= 0 or h.data_offset < 768:
        raise FormatProblem("DPX header gives an empty image or an impossible data offset")


def _line_bytes(h: DpxHeader) -> int:
    """Bytes of one line: words of 32 bits for 10-bit, 16-bit samples for 12/16, bytes for 8."""
    samples = h.width * h.channels
    if h.bit_size == 10:
        return 4 * h.width
    if h.bit_size in (12, 16):
        return 2 * samples
    return (samples + 3) // 4 * 4 if h.packing else samples


def read_rows(path: Path, h: DpxHeader, step: int) -> NDArray[np.float32]:
    """Every ``step``-th line as floats in [0, 1]: shape (lines, width, 3 or 1), alpha dropped."""
    line = _line_bytes(h)
    if path.stat().st_size < h.data_offset + line * h.height:
        raise FormatProblem("DPX file is shorter than its header says (truncated?)")
    raw = np.memmap(path, np.uint8, "r", offset=h.data_offset, shape=(h.height, line))
    rows = np.ascontiguousarray(raw[::step])
    del raw
    pixels = _unpack(rows, h)
    if h.descriptor == 52:  # ABGR
        return pixels[..., 3:0:-1]
    return pixels[..., :3]


def _unpack(rows: NDArray[np.uint8], h: DpxHeader) -> NDArray[np.float32]:
    n = rows.shape[0]
    if h.bit_size == 10:
        words = rows.view(h.endian + "u4").astype(np.uint32)
        if h.packing == 1:
            words >>= 2
        planes = [(words >> shift) & 0x3FF for shift in (20, 10, 0)]
        return (np.stack(planes, axis=-1) / np.float32(1023)).astype(np.float32)
    if h.bit_size in (12, 16):
        values = rows.view(h.endian + "u2").astype(np.float32)
        scale = 65535.0 if h.bit_size == 16 else 4095.0
        if h.bit_size == 12:
            values = np.floor(values / 16)  # method A: the 12 bits sit at the top of each word
        out = values / np.float32(scale)
    else:
        out = rows.astype(np.float32) / np.float32(255)
    samples = h.width * h.channels
    return out[:, :samples].reshape(n, h.width, h.channels)
