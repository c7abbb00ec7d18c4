"""Metadata places damaged by one byte or one length are read, or said unread, never skipped.

Found by mutating generated files (a Firefly XMP JPEG, signed C2PA JPEGs and
PNGs): an XMP segment whose identifier lost a byte, or which the segment
before it swallowed with a length too long, and a C2PA store whose JUMBF label
lost a byte, left a generated file with no evidence at all, and the audit
passed it as 'provenance unknown'. So did a place whose *name* lost a byte
while its content still reads as XMP or C2PA (a Sora MP4's C2PA ``uuid``
type, a DALL-E WebP's ``C2PA`` chunk id, a PNG's ``XML:com.adobe.xmp``
keyword, a JPEG ``APP1`` identifier with its packet's opening): each is
built here from a clean generated file, damaged by the test.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.classify import classify_file
from provenance.detectors import c2pa as c2pa_detector
from provenance.detectors import xmp as xmp_detector
from provenance.detectors.base import MARKERS_UNREAD, DetectorContext
from provenance.evidence import Evidence
from provenance.files.formats.bmff import C2PA_UUID, MAX_UNKNOWN, MAX_UNNAMED, XMP_UUID
from provenance.files.formats.jpeg import XMP_ID
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_generators import webp_bytes
from tests.detectors.builders_metadata import (
    IPTC,
    SigningIdentity,
    box,
    dst,
    insert_segment,
    itxt,
    jpeg_bytes,
    jpeg_with_xmp,
    make_signer,
    manifest_with_actions,
    mp4_bytes,
    png_bytes,
    png_chunk,
    riff_chunk,
    sign_asset,
    wav_bytes,
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


# -- places whose name was damaged, recognised by what they hold ------------------------------


def _one_byte_off(data: bytes, name: bytes, at: int = 0) -> bytes:
    """``data`` with one byte of its only ``name`` changed."""
    assert data.count(name) == 1
    where = data.index(name) + at
    return data[:where] + bytes([data[where] ^ 0x01]) + data[where + 1 :]


def test_a_c2pa_uuid_box_whose_type_is_damaged_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    asset, _ = sign_asset(signer, mp4_bytes(), "video/mp4", manifest_with_actions(CREATED_BY_AI))
    # The box's type (the hash exclusion of the claim names it again: left as it is).
    path = write(tmp_path / "a.mp4", _one_byte_off(asset, b"uuid" + C2PA_UUID, at=19))
    items = detect(path, c2pa_detector.DETECTOR)
    assert kinds(items) == {MARKERS_UNREAD}
    assert "uuid box of an unknown type holding a C2PA manifest store" in items[0].detail
    assert classify_file(path, SETTINGS)[1].verdict != "not_genai"


def test_an_xmp_uuid_box_whose_type_is_damaged_is_still_read(tmp_path: Path) -> None:
    damaged = bytes([XMP_UUID[0] ^ 0x01]) + XMP_UUID[1:]
    path = write(tmp_path / "a.mp4", mp4_bytes(box(b"uuid", GENERATED.encode(), damaged)))
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))
    assert classify_file(path, SETTINGS)[1].verdict == "genai"


def test_a_large_packet_in_an_unknown_uuid_box_is_read_whole(tmp_path: Path) -> None:
    padded = GENERATED.replace("</x:xmpmeta>", " " * 70_000 + "</x:xmpmeta>")
    path = write(tmp_path / "a.mp4", mp4_bytes(box(b"uuid", padded.encode(), bytes(16))))
    assert kinds(detect(path, xmp_detector.DETECTOR)) == {"genai"}  # within UNNAMED_BUDGET


def test_unknown_uuid_boxes_of_other_content_say_nothing(tmp_path: Path) -> None:
    vendor = box(b"uuid", b"PROF" + bytes(200), bytes(range(16)))  # a camera's own box
    path = write(tmp_path / "a.mp4", mp4_bytes(vendor, vendor))
    assert detect(path, c2pa_detector.DETECTOR) == []
    assert detect(path, xmp_detector.DETECTOR) == []


def test_more_unknown_uuid_boxes_than_are_looked_into_is_markers_unread(tmp_path: Path) -> None:
    vendor = box(b"uuid", bytes(32), bytes(range(16)))
    path = write(tmp_path / "a.mp4", mp4_bytes(*[vendor] * (MAX_UNNAMED + 1)))
    assert kinds(detect(path, c2pa_detector.DETECTOR)) == {MARKERS_UNREAD}


def test_a_riff_c2pa_chunk_whose_id_is_damaged_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    asset, _ = sign_asset(signer, webp_bytes(), "image/webp", manifest_with_actions(CREATED_BY_AI))
    path = write(tmp_path / "a.webp", asset.replace(b"C2PA", b"K2PA"))
    items = detect(path, c2pa_detector.DETECTOR)
    assert kinds(items) == {MARKERS_UNREAD}
    assert "RIFF chunk 'K2PA' holding a C2PA manifest store" in items[0].detail


def test_a_riff_xmp_chunk_whose_id_is_damaged_is_still_read(tmp_path: Path) -> None:
    webp = webp_bytes(xmp=GENERATED.encode())
    path = write(tmp_path / "a.webp", _one_byte_off(webp, b"XMP ", at=2))
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))


def test_a_riff_chunk_of_a_vendor_says_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "a.wav", wav_bytes(riff_chunk(b"minf", b"<x:y>" + bytes(64))))
    assert detect(path, c2pa_detector.DETECTOR) == []
    assert detect(path, xmp_detector.DETECTOR) == []


@pytest.mark.parametrize("at", [0, 4, 16])
def test_a_png_xmp_chunk_whose_keyword_is_damaged_is_still_read(tmp_path: Path, at: int) -> None:
    chunk = bytearray(itxt("XML:com.adobe.xmp", GENERATED))
    chunk[at] ^= 0x80
    path = write(tmp_path / "a.png", png_bytes(((b"iTXt", bytes(chunk)),)))  # its CRC made anew
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))


def test_a_packet_cut_short_in_another_png_text_is_markers_unread(tmp_path: Path) -> None:
    cut = GENERATED[: GENERATED.index("</rdf:RDF>")]
    path = write(tmp_path / "a.png", png_bytes(((b"tEXt", b"Comment\x00" + cut.encode()),)))
    assert kinds(detect(path, xmp_detector.DETECTOR)) == {MARKERS_UNREAD}


def _raw_profile(data: bytes, declared: int | None = None) -> bytes:
    """ImageMagick's zTXt ``Raw profile type xmp``: the type, the length, then 72 hex a line."""
    lines = "".join(f"\n{data[i : i + 36].hex()}" for i in range(0, len(data), 36))
    text = f"\nxmp\n{len(data) if declared is None else declared:8d}{lines}\n"
    return b"Raw profile type xmp\x00\x00" + zlib.compress(text.encode("latin-1"))


def test_an_imagemagick_raw_xmp_profile_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "a.png", png_bytes(((b"zTXt", _raw_profile(GENERATED.encode())),)))
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))
    assert classify_file(path, SETTINGS)[1].verdict == "genai"


def test_a_raw_xmp_profile_that_does_not_decode_is_markers_unread(tmp_path: Path) -> None:
    short = _raw_profile(GENERATED.encode(), declared=len(GENERATED) + 40)
    path = write(tmp_path / "a.png", png_bytes(((b"zTXt", short),)))
    assert kinds(detect(path, xmp_detector.DETECTOR)) == {MARKERS_UNREAD}


def test_an_app1_with_its_identifier_and_opening_damaged_is_markers_unread(
    tmp_path: Path,
) -> None:
    jpeg = _one_byte_off(jpeg_with_xmp(GENERATED), XMP_ID)
    path = write(tmp_path / "a.jpg", _one_byte_off(jpeg, b"<x:xmpmeta", at=5))
    assert kinds(detect(path, xmp_detector.DETECTOR)) == {MARKERS_UNREAD}
    assert classify_file(path, SETTINGS)[1].verdict != "not_genai"


def test_an_app1_of_another_kind_says_nothing(tmp_path: Path) -> None:
    flir = insert_segment(jpeg_bytes(), 0xE1, b"FLIR\x00\x01\x01\x00" + bytes(200))
    path = write(tmp_path / "a.jpg", flir)
    assert detect(path, xmp_detector.DETECTOR) == []
    assert detect(path, c2pa_detector.DETECTOR) == []


def _renamed_png_chunk(png: bytes, old: bytes, new: bytes) -> bytes:
    """The PNG with its ``old`` chunk named ``new``, its checksum made anew."""
    at = png.index(old) - 4
    length = struct.unpack(">I", png[at : at + 4])[0]
    payload = png[at + 8 : at + 8 + length]
    return png[:at] + png_chunk(new, payload) + png[at + 12 + length :]


def test_a_store_in_a_jpeg_segment_or_png_chunk_of_another_name_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    created = manifest_with_actions(CREATED_BY_AI)
    jpeg, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", created)
    png, _ = sign_asset(signer, png_bytes(), "image/png", created)
    app10 = jpeg.replace(b"\xff\xeb", b"\xff\xea")  # every APP11 of the store now APP10
    for name, data in (("a.jpg", app10), ("a.png", _renamed_png_chunk(png, b"caBX", b"caBY"))):
        items = detect(write(tmp_path / name, data), c2pa_detector.DETECTOR)
        assert kinds(items) == {MARKERS_UNREAD}, name
        assert "holding a C2PA manifest store" in items[0].detail


# -- boxes whose four-character type was damaged, looked into by their first bytes -------------

# A camera's own atoms in moov/udta (Canon, GoPro, Sony, DJI, Nikon, Panasonic): never evidence.
VENDOR_ATOMS = (
    box(b"CNTH", box(b"CNDA", b"\xff\xd8\xff\xdb" + bytes(120))),  # Canon's thumbnail
    box(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00"),
    *(box(kind, bytes(24)) for kind in (b"FIRM", b"LENS", b"CAME", b"SETT", b"MUID", b"HMMT")),
    box(b"BCID", bytes(40)),  # GoPro
    box(b"MTDT", bytes(60)),  # Sony
    box(b"\xa9xyz", b"\x00\x11\x15\xc7+35.6895+139.6917/"),
    box(b"dvtm", b"<?xml version='1.0'?><DJI/>"),  # DJI's XML, not XMP
    box(b"NCDT", box(b"NCTG", bytes(80))),  # Nikon
    box(b"PANA", b"Panasonic" + bytes(100)),
)


@pytest.fixture(scope="module")
def movie(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A clip written by PyAV as a MOV (its moov, holding a udta, last in the file)."""
    pytest.importorskip("av")
    from tests.support.videos import Encoding, clip

    folder = tmp_path_factory.mktemp("movie")
    return clip(folder / "clip.mov", 3, Encoding(options={"crf": "35"})).read_bytes()


def _with_user_data(movie: bytes, *atoms: bytes) -> bytes:
    """The movie with ``atoms`` added at the end of its ``moov/udta`` (both end the file)."""
    moov = movie.rindex(b"moov") - 4
    udta = movie.index(b"udta", moov) - 4
    for at in (moov, udta):
        assert at + struct.unpack(">I", movie[at : at + 4])[0] == len(movie)
    added = sum(len(atom) for atom in atoms)
    for at in (moov, udta):
        size = struct.unpack(">I", movie[at : at + 4])[0] + added
        movie = movie[:at] + struct.pack(">I", size) + movie[at + 4 :]
    return movie + b"".join(atoms)


def _generated_mov(movie: bytes, *atoms: bytes) -> bytes:
    """The clip as an Adobe tool saves a generated movie: its XMP packet in moov/udta/XMP_."""
    return _with_user_data(movie, *atoms, box(b"XMP_", GENERATED.encode()))


def test_the_generated_movie_is_read_as_generated(tmp_path: Path, movie: bytes) -> None:
    path = write(tmp_path / "a.mov", _generated_mov(movie, *VENDOR_ATOMS))
    assert classify_file(path, SETTINGS)[1].verdict == "genai"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(at=st.integers(0, 3), flip=st.integers(1, 255))
def test_an_xmp_box_whose_type_is_damaged_is_still_read(
    tmp_path: Path, movie: bytes, at: int, flip: int
) -> None:
    generated = _generated_mov(movie, *VENDOR_ATOMS)
    where = generated.rindex(b"XMP_") + at
    damaged = generated[:where] + bytes([generated[where] ^ flip]) + generated[where + 1 :]
    path = write(tmp_path / "a.mov", damaged)
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))
    assert classify_file(path, SETTINGS)[1].verdict == "genai"


def test_a_damaged_xmp_box_over_64_kib_is_read_whole(tmp_path: Path, movie: bytes) -> None:
    padded = GENERATED.replace("</x:xmpmeta>", " " * 70_000 + "</x:xmpmeta>")
    path = write(tmp_path / "a.mov", _with_user_data(movie, box(b"XMQ_", padded.encode())))
    assert kinds(detect(path, xmp_detector.DETECTOR)) == {"genai"}  # within UNNAMED_BUDGET


def test_a_packet_in_an_unknown_moov_meta_box_is_read(tmp_path: Path) -> None:
    meta = box(b"meta", box(b"hdlr", bytes(25)) + box(b"XMQ_", GENERATED.encode()))
    path = write(tmp_path / "a.mov", mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + meta)))
    assert "genai" in kinds(detect(path, xmp_detector.DETECTOR))


def test_vendor_atoms_of_cameras_say_nothing(tmp_path: Path, movie: bytes) -> None:
    path = write(tmp_path / "a.mov", _with_user_data(movie, *VENDOR_ATOMS, *VENDOR_ATOMS))
    assert detect(path, xmp_detector.DETECTOR) == []
    assert detect(path, c2pa_detector.DETECTOR) == []
    assert classify_file(path, SETTINGS)[1].verdict == "unknown"


def test_more_unknown_user_data_boxes_than_are_looked_into_is_markers_unread(
    tmp_path: Path, movie: bytes
) -> None:
    atoms = [box(b"V%03d" % n, bytes(16)) for n in range(MAX_UNKNOWN + 1)]
    path = write(tmp_path / "a.mov", _with_user_data(movie, *atoms))
    assert kinds(detect(path, c2pa_detector.DETECTOR)) == {MARKERS_UNREAD}


def _c2pa_box_renamed(signer: SigningIdentity, new: bytes) -> bytes:
    asset, _ = sign_asset(signer, mp4_bytes(), "video/mp4", manifest_with_actions(CREATED_BY_AI))
    assert asset.count(b"uuid" + C2PA_UUID) == 1
    return asset.replace(b"uuid" + C2PA_UUID, new + C2PA_UUID)


@pytest.mark.parametrize("new", [b"uuie", b"Uuid", b"u\x00id"])
def test_a_c2pa_box_whose_type_is_damaged_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity, new: bytes
) -> None:
    path = write(tmp_path / "a.mp4", _c2pa_box_renamed(signer, new))
    items = detect(path, c2pa_detector.DETECTOR)
    assert kinds(items) == {MARKERS_UNREAD}
    assert "of an unknown type holding a C2PA manifest store" in items[0].detail
    assert classify_file(path, SETTINGS)[1].verdict != "not_genai"


def test_a_store_in_an_unknown_user_data_box_is_markers_unread(
    tmp_path: Path, signer: SigningIdentity, movie: bytes
) -> None:
    signed = _c2pa_box_renamed(signer, b"uuid")
    store = signed[signed.index(C2PA_UUID) + 16 :]  # the box's payload: the store, then the rest
    path = write(tmp_path / "a.mov", _with_user_data(movie, box(b"C2PA", store[:4096])))
    assert kinds(detect(path, c2pa_detector.DETECTOR)) == {MARKERS_UNREAD}


def test_an_xmp_uuid_box_whose_type_is_damaged_is_read(tmp_path: Path) -> None:
    for new in (b"uuie", b"xuid"):
        path = write(tmp_path / "a.mp4", mp4_bytes(box(new, GENERATED.encode(), XMP_UUID)))
        assert "genai" in kinds(detect(path, xmp_detector.DETECTOR)), new
