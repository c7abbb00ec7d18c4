"""Metadata places damaged by one byte or one length are read, or said unread, never skipped.

Found by mutating generated files (a Firefly XMP JPEG, signed C2PA JPEGs and
PNGs): an XMP segment whose identifier lost a byte, or which the segment
before it swallowed with a length too long, and a C2PA store whose JUMBF label
lost a byte, left a generated file with no evidence at all, and the audit
passed it as 'provenance unknown'.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.classify import classify_file
from provenance.detectors import c2pa as c2pa_detector
from provenance.detectors import xmp as xmp_detector
from provenance.detectors.base import MARKERS_UNREAD, DetectorContext
from provenance.evidence import Evidence
from provenance.files.formats.jpeg import XMP_ID
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import (
    IPTC,
    SigningIdentity,
    dst,
    insert_segment,
    jpeg_bytes,
    jpeg_with_xmp,
    make_signer,
    manifest_with_actions,
    png_bytes,
    sign_asset,
    write,
    xmp_packet,
)

SETTINGS = Settings(db="sqlite://")
GENERATED = xmp_packet(dst("trainedAlgorithmicMedia"))
CAPTURED = xmp_packet(dst("digitalCapture"))
CREATED_BY_AI = {"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}


def detect(
    path: Path, detector: xmp_detector.XmpDetector | c2pa_detector.C2paDetector
) -> list[Evidence]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=SETTINGS)
    return list(detector.detect(ctx))


def kinds(items: list[Evidence]) -> set[str]:
    return {e.signal if e.signal == "genai" else e.kind for e in items}


def _damaged_identifier(at: int, value: int) -> bytes:
    jpeg = jpeg_with_xmp(GENERATED)
    where = jpeg.index(XMP_ID) + at
    return jpeg[:where] + bytes([value]) + jpeg[where + 1 :]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(at=st.integers(0, len(XMP_ID) - 1), value=st.integers(0, 255))
def test_an_xmp_segment_with_a_damaged_identifier_is_still_read(
    tmp_path: Path, at: int, value: int
) -> None:
    path = write(tmp_path / "a.jpg", _damaged_identifier(at, value))
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))


def test_an_xmp_segment_swallowed_by_the_one_before_it_is_still_read(tmp_path: Path) -> None:
    iptc = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00\x00\x00\x00\x08" + bytes(8)
    jpeg = insert_segment(jpeg_with_xmp(GENERATED), 0xED, iptc)
    length = struct.unpack(">H", jpeg[4:6])[0]
    swallowing = jpeg[:4] + struct.pack(">H", length * 2) + jpeg[6:]  # ends inside the XMP
    path = write(tmp_path / "a.jpg", swallowing)
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))
    assert classify_file(path, SETTINGS)[1].verdict == "genai"


def test_a_stray_packet_cut_short_is_markers_unread(tmp_path: Path) -> None:
    damaged = _damaged_identifier(0, ord("H"))
    cut = damaged.replace(b"</rdf:RDF></x:xmpmeta>", b"</rdf:RDF>" + b" " * 12)
    path = write(tmp_path / "a.jpg", cut)
    assert kinds(detect(path, xmp_detector.DETECTOR)) == {MARKERS_UNREAD}


def test_every_standard_xmp_segment_is_read(tmp_path: Path) -> None:
    decoy_first = insert_segment(jpeg_with_xmp(GENERATED), 0xE1, XMP_ID + CAPTURED.encode())
    path = write(tmp_path / "a.jpg", decoy_first)
    items = detect(path, xmp_detector.DETECTOR)
    assert {e.signal for e in items} == {"genai", "not_genai"}


def test_a_packet_in_the_image_data_is_not_taken_for_the_header(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jpg", jpeg_bytes() + GENERATED.encode())
    assert detect(path, xmp_detector.DETECTOR) == []


@pytest.fixture(scope="module")
def signer() -> SigningIdentity:
    return make_signer()


@pytest.mark.parametrize(
    ("name", "mime", "data"),
    [("a.jpg", "image/jpeg", jpeg_bytes()), ("a.png", "image/png", png_bytes())],
)
def test_a_manifest_store_whose_label_is_damaged_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity, name: str, mime: str, data: bytes
) -> None:
    asset, _ = sign_asset(signer, data, mime, manifest_with_actions(CREATED_BY_AI))
    assert asset.count(b"jumdc2pa") == 1
    damaged = asset.replace(b"jumdc2pa", b"jumdc20a")
    path = write(tmp_path / name, damaged)
    items = detect(path, c2pa_detector.DETECTOR)
    assert kinds(items) == {MARKERS_UNREAD}  # a JPEG's store the SDK no longer finds at all
    assert classify_file(path, SETTINGS)[1].verdict != "not_genai"


def test_a_file_without_a_manifest_place_says_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jpg", jpeg_bytes())
    assert detect(path, c2pa_detector.DETECTOR) == []


def test_a_store_whose_claim_no_longer_decodes_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(CREATED_BY_AI))
    at = asset.index(b"c2pa.created") - 4  # the CBOR text head of the "action" key's tail
    path = write(tmp_path / "a.jpg", asset[:at] + b"\xff" * 4 + asset[at + 4 :])
    items = detect(path, c2pa_detector.DETECTOR)
    assert kinds(items) == {MARKERS_UNREAD}  # the SDK's decoding error, said as unread
    assert classify_file(path, SETTINGS)[1].verdict != "not_genai"


class _EmptyStore:
    """What the SDK gives for a store none of whose manifests decoded: a store, no manifests."""

    def __enter__(self) -> _EmptyStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def json(self) -> str:
        return '{"validation_state": "Invalid", "manifests": {}}'


def test_a_store_with_no_manifest_left_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(CREATED_BY_AI))
    path = write(tmp_path / "a.jpg", asset)
    sdk = c2pa_detector.sdk()
    monkeypatch.setattr(sdk.Reader, "try_create", staticmethod(lambda *_a: _EmptyStore()))
    items = detect(path, c2pa_detector.DETECTOR)
    assert kinds(items) == {MARKERS_UNREAD}
    assert "no manifest in it decodes (validation state Invalid)" in items[0].detail
