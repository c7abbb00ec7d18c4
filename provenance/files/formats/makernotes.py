"""Cameras that name themselves only in their maker note: Reconyx trail cameras.

Trail (camera-trap) cameras from Reconyx write no ``Make`` or ``Model`` in
IFD0; their maker note (EXIF tag 0x927C, a fixed binary block rather than an
IFD) identifies the camera and holds its serial number. exifread does not
decode it, so it is read here from the raw tag bytes, in the three layouts
exiftool's ``Reconyx.pm`` documents (after Reconyx's own specifications):

HyperFire (HC500, HC600, PC900...)
    little-endian 16-bit words starting ``0xF101`` (maker note version), then
    a firmware version ``0x0002`` or ``0x0003``; serial number at word 0x15
    as 15 UCS-2 characters.
UltraFire
    starts ``RECONYXUF\\0``; serial number at byte 0x4B, 15 ASCII characters.
HF2 PRO
    starts ``RECONYXH2\\0``; serial number at byte 0x7E, 15 UCS-2 characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.files.formats import c_text


@dataclass(frozen=True)
class MakerNoteCamera:
    """The camera a maker note identifies: make, model family, serial (may be empty)."""

    make: str
    model: str
    serial: str


def _ucs2(data: bytes) -> str:
    return data[: len(data) & ~1].decode("utf-16-le", errors="replace").split("\x00", 1)[0].strip()


def read_maker_note(note: bytes) -> MakerNoteCamera | None:
    """The camera a maker note names, when its layout is one of those above."""
    if note.startswith(b"RECONYXUF\x00"):
        return MakerNoteCamera("Reconyx", "UltraFire", c_text(note[0x4B : 0x4B + 15]))
    if note.startswith(b"RECONYXH2\x00"):
        return MakerNoteCamera("Reconyx", "HF2 PRO", _ucs2(note[0x7E : 0x7E + 30]))
    if note[:2] == b"\x01\xf1" and note[2:4] in (b"\x02\x00", b"\x03\x00"):
        return MakerNoteCamera("Reconyx", "HyperFire", _ucs2(note[0x2A : 0x2A + 30]))
    return None
