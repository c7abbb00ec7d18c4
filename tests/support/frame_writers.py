"""Writers of VFX frame formats for tests and benchmarks: DPX, EXR and 16-bit RGB TIFF.

Pillow writes none of these (it has no DPX or EXR support and writes 16-bit
TIFF only in grey), so they are written here byte by byte: small, uncompressed
and exactly as the specifications lay them out, to test the readers in
:mod:`provenance.files.formats` against files whose content is known.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

DPX_HEADER = 2048


def _dpx_samples(codes: NDArray[np.uint32], bits: int, packing: int, e: str) -> bytes:
    """Pack integer code values (height, width, 3) the way DPX lays them out."""
    h, w, _ = codes.shape
    if bits == 10:
        r, g, b = (codes[..., i].astype(np.uint32) for i in range(3))
        words = (r << 20) | (g << 10) | b
        if packing == 1:
            words <<= 2
        return words.astype(e + "u4").tobytes()
    if bits in (12, 16):
        shifted = codes << 4 if bits == 12 else codes
        return shifted.astype(e + "u2").tobytes()
    rows = codes.astype(np.uint8).reshape(h, w * 3)
    pad = (-rows.shape[1]) % 4 if packing else 0
    return np.pad(rows, ((0, 0), (0, pad))).tobytes()


def write_dpx(
    path: Path,
    rgb: NDArray[np.floating],
    *,
    bits: int = 10,
    packing: int = 1,
    big_endian: bool = True,
    transfer: int = 6,
) -> Path:
    """Write ``rgb`` (floats in [0, 1], shape (h, w, 3)) as a one-element RGB DPX."""
    e = ">" if big_endian else "<"
    codes = np.rint(np.clip(rgb, 0, 1) * ((1 << bits) - 1)).astype(np.uint32)
    data = _dpx_samples(codes, bits, packing, e)
    header = bytearray(DPX_HEADER)
    header[0:4] = b"SDPX" if big_endian else b"XPDS"
    struct.pack_into(e + "I8sI", header, 4, DPX_HEADER, b"V2.0", DPX_HEADER + len(data))
    struct.pack_into(e + "HHII", header, 768, 0, 1, rgb.shape[1], rgb.shape[0])
    struct.pack_into(e + "BBBBHHI", header, 800, 50, transfer, transfer, bits, packing, 0, 2048)
    path.write_bytes(bytes(header) + data)
    return path


def write_exr(path: Path, linear_rgb: NDArray[np.floating], *, half: bool = True) -> Path:
    """Write scene-linear RGB as a ZIP-compressed scanline EXR."""
    import OpenEXR

    pixels = np.asarray(linear_rgb, dtype=np.float16 if half else np.float32)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, {"RGB": pixels}).write(str(path))
    return path


def _ifd_entry(tag: int, kind: int, count: int, value: int) -> bytes:
    if kind == 3 and count == 1:
        return struct.pack("<HHIHH", tag, kind, count, value, 0)
    return struct.pack("<HHII", tag, kind, count, value)


def write_tiff16(path: Path, rgb16: NDArray[np.uint16]) -> Path:
    """Write 16-bit RGB (shape (h, w, 3)) as an uncompressed little-endian baseline TIFF."""
    h, w, _ = rgb16.shape
    entries = 10
    bits_at = 8 + 2 + 12 * entries + 4
    data_at = bits_at + 6
    data = np.asarray(rgb16, dtype="<u2").tobytes()
    table = [
        _ifd_entry(256, 4, 1, w),
        _ifd_entry(257, 4, 1, h),
        _ifd_entry(258, 3, 3, bits_at),
        _ifd_entry(259, 3, 1, 1),
        _ifd_entry(262, 3, 1, 2),
        _ifd_entry(273, 4, 1, data_at),
        _ifd_entry(277, 3, 1, 3),
        _ifd_entry(278, 4, 1, h),
        _ifd_entry(279, 4, 1, len(data)),
        _ifd_entry(284, 3, 1, 1),
    ]
    head = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", entries)
    tail = struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16)
    path.write_bytes(head + b"".join(table) + tail + data)
    return path
