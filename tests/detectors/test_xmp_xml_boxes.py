"""XMP in a BMFF ``xml `` box is read; other XML there (a camera's) is left alone.

ISO/IEC 14496-12 keeps XML metadata in an ``xml `` full box inside a
``meta`` box, and some tools write their XMP packet there (the movie's
``moov/meta``, user data's ``meta``, a file-level ``meta``) rather than in
QuickTime's ``moov/udta/XMP_`` or the XMP ``uuid`` box. The XMP reader did
not look there: a packet naming ``trainedAlgorithmicMedia`` passed as
``unknown``. Sony's XAVC files keep their ``NonRealTimeMeta`` XML in
``moov/meta/xml ``: that is not XMP, and must not block.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.classify import classify_file, unvouched_reason
from provenance.detectors.base import MARKERS_UNREAD
from provenance.detectors.xmp_packets import MAX_NAMED_BOXES
from provenance.settings import Settings
from tests.detectors.builders_metadata import dst, write, xmp_packet
from tests.support import containers as build

SETTINGS = Settings(db="sqlite://")
GENERATED = xmp_packet(dst("trainedAlgorithmicMedia")).encode()
SONY_NRT = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<NonRealTimeMeta xmlns="urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.00" '
    b'lastUpdate="2026-01-01T00:00:00Z"><Duration value="240"/>'
    b'<Device manufacturer="Sony" modelName="ILCE-7M4"/></NonRealTimeMeta>'
)
FTYP = build.box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
MVHD = build.full_box(b"mvhd", b"\x00" * 96)
MDAT = build.box(b"mdat", b"\x00" * 32)


def _meta(*boxes: bytes) -> bytes:
    handler = build.full_box(b"hdlr", b"\x00" * 4 + b"null" + b"\x00" * 13)
    return build.full_box(b"meta", handler + b"".join(boxes))


def _xml(text: bytes) -> bytes:
    return build.full_box(b"xml ", text)


def _movie(xml: bytes, place: str, brand: bytes = b"isom") -> bytes:
    """An MP4 (a MOV, an M4A by ``brand``) holding the ``xml `` box at ``place``."""
    track = build.box(b"trak", build.full_box(b"tkhd", bytes(80)) + _meta(xml))
    movie = {
        "moov/meta": MVHD + _meta(xml),
        "moov/udta/meta": MVHD + build.box(b"udta", _meta(xml)),
        "moov/trak/meta": MVHD + track,
    }.get(place, MVHD)
    top = {"meta": _meta(xml), "top": xml}.get(place, b"")
    ftyp = build.box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand)
    return ftyp + top + build.box(b"moov", movie) + MDAT


def _result(path: Path) -> tuple[str, str | None, list[str]]:
    facts, result = classify_file(path, SETTINGS)
    unread = [e.detail for e in result.evidence if e.kind == MARKERS_UNREAD]
    return result.verdict, unvouched_reason(facts, result), unread


@pytest.mark.parametrize("place", ["moov/meta", "moov/udta/meta", "moov/trak/meta", "meta", "top"])
@pytest.mark.parametrize("brand", [b"isom", b"qt  ", b"M4A "])
def test_a_generated_packet_in_an_xml_box_is_read(tmp_path: Path, place: str, brand: bytes) -> None:
    path = write(tmp_path / "a.mp4", _movie(_xml(GENERATED), place, brand))
    assert _result(path)[0] == "genai"


def test_a_utf16_packet_in_an_xml_box_is_read(tmp_path: Path) -> None:
    text = GENERATED.decode().encode("utf-16-le")
    path = write(tmp_path / "a.mp4", _movie(_xml(b"\xff\xfe" + text), "moov/meta"))
    assert _result(path)[0] == "genai"


def test_a_cameras_xml_that_is_not_xmp_does_not_block(tmp_path: Path) -> None:
    path = write(tmp_path / "C0001.mp4", _movie(_xml(SONY_NRT), "moov/meta"))
    verdict, reason, unread = _result(path)
    assert verdict != "genai" and reason is None and not unread


def test_a_packet_cut_short_in_an_xml_box_blocks(tmp_path: Path) -> None:
    cut = GENERATED[: GENERATED.index(b"</rdf:RDF>")]
    path = write(tmp_path / "a.mp4", _movie(_xml(cut), "moov/meta"))
    verdict, reason, _unread = _result(path)
    assert verdict == "genai" or reason is not None


def test_too_many_xml_boxes_block(tmp_path: Path) -> None:
    boxes = b"".join(_xml(SONY_NRT) for _ in range(MAX_NAMED_BOXES + 1))
    path = write(tmp_path / "a.mp4", FTYP + build.box(b"moov", MVHD + _meta(boxes)) + MDAT)
    assert _result(path)[1] is not None


def _heif(xml: bytes, place: str, brand: bytes = b"heic", filler: int = 0) -> bytes:
    """A HEIF/AVIF still whose ``xml `` box is in its ``meta`` box or at the top level,
    between ``filler`` bytes of a ``free`` box and as many of coded data (a large file's middle:
    past the windows the scan reads)."""
    picture = b"av01" if brand == b"avif" else b"hvc1"
    handler = build.full_box(b"hdlr", b"\x00" * 4 + b"pict" + b"\x00" * 13)
    infe = build.full_box(b"infe", b"\x00\x01\x00\x00" + picture + b"\x00", version=2)
    iinf = build.full_box(b"iinf", b"\x00\x01" + infe)
    inside = xml if place == "meta" else b""
    meta = build.full_box(b"meta", handler + iinf + inside)
    ftyp = build.box(b"ftyp", brand + b"\x00\x00\x00\x00mif1" + brand)
    free = build.box(b"free", bytes(filler)) if filler else b""
    after = build.box(b"mdat", bytes(filler)) if filler else MDAT
    return ftyp + free + meta + (xml if place == "top" else b"") + after


@pytest.mark.parametrize("filler", [0, 6 * 1024 * 1024], ids=["small", "in the middle"])
@pytest.mark.parametrize("place", ["meta", "top"])
@pytest.mark.parametrize("brand", [b"heic", b"avif"])
def test_a_generated_packet_in_a_heif_xml_box_is_read(
    tmp_path: Path, place: str, brand: bytes, filler: int
) -> None:
    name = "a.avif" if brand == b"avif" else "a.heic"
    path = write(tmp_path / name, _heif(_xml(GENERATED), place, brand, filler))
    assert _result(path)[0] == "genai"


def test_a_cameras_xml_in_a_heif_does_not_block(tmp_path: Path) -> None:
    path = write(tmp_path / "a.heic", _heif(_xml(SONY_NRT), "meta", filler=6 * 1024 * 1024))
    verdict, reason, unread = _result(path)
    assert verdict != "genai" and reason is None and not unread
