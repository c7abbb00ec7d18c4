"""FLAC's frame headers and checksums: what tells a FLAC frame from other bytes.

Each frame of FLAC audio starts with a sync code (``FF F8`` or ``FF F9``) and
a header closed by a CRC-8, and ends with a CRC-16 of the whole frame. The
walk of a FLAC file (:mod:`.flac`) and the look behind a leading ID3 tag
(:mod:`.id3_lead`, where FLAC's sync code also reads as an MPEG one) both
tell frames by them.
"""

from __future__ import annotations

MAGIC = b"fLaC"


def frame_header_length(data: bytes) -> int | None:
    """The length of the frame header ``data`` starts with (its CRC-8 checked), else None."""
    if len(data) < 6 or data[0] != 0xFF or data[1] & 0xFE != 0xF8:
        return None
    if data[2] >> 4 == 0 or data[2] & 0x0F == 0x0F or data[3] >> 4 > 0x0A or data[3] & 0x01:
        return None  # reserved block size, sample rate, channel layout or bit
    length = _coded_number_end(data, 4)
    if length is None:
        return None
    length += {6: 1, 7: 2}.get(data[2] >> 4, 0) + {12: 1, 13: 2, 14: 2}.get(data[2] & 0x0F, 0)
    if length >= len(data) or crc8(data[:length]) != data[length]:
        return None
    return length + 1


def _coded_number_end(data: bytes, at: int) -> int | None:
    # The frame or sample number, coded as UTF-8 stretched to 36 bits: a lead byte
    # whose leading ones count the bytes (up to 7), then 10xxxxxx continuation bytes.
    lead = data[at]
    ones = 8 - (~lead & 0xFF).bit_length()
    if lead < 0x80:
        return at + 1
    if ones in {1, 8}:
        return None
    end = at + ones
    if end > len(data) or any(byte & 0xC0 != 0x80 for byte in data[at + 1 : end]):
        return None
    return end


def crc8(data: bytes) -> int:
    """FLAC's frame header CRC-8 (polynomial 0x07, initial value 0)."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def crc16(data: bytes | memoryview) -> int:
    """FLAC's frame CRC-16 (polynomial 0x8005, initial value 0, most significant bit first)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _table(poly: int, width: int) -> tuple[int, ...]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    rows = []
    for index in range(256):
        crc = index << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly if crc & top else crc << 1) & mask
        rows.append(crc)
    return tuple(rows)


_CRC8 = _table(0x07, 8)
_CRC16 = _table(0x8005, 16)
