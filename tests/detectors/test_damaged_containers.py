"""Containers whose type was damaged, per-track metadata, XMP in UTF-16/32: read, or said unread.

Left open by the fuzzing round of ``test_damaged_metadata_places``: an MP4
whose ``moov/udta`` (or its ``meta``, or ``ilst``) lost a byte of its type
was walked past, and the ComfyUI graph in its comment tag was never seen;
per-track user data (``trak/udta``) was not looked into for XMP; an XMP
packet in UTF-16 or UTF-32 was found only where a reader takes a place
whole, and UTF-32 was not decoded at all. Each file is built here from a
clean generated one and damaged by the test.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from provenance.classify import classify_file, unvouched_reason
from provenance.detectors import c2pa as c2pa_detector
from provenance.detectors import xmp as xmp_detector
from provenance.detectors.base import MARKERS_UNREAD, DetectorContext
from provenance.detectors.c2pa_presence import may_hold_c2pa
from provenance.detectors.xmp_packets import UNNAMED_BUDGET, scan_for_packets
from provenance.evidence import Evidence
from provenance.files.formats.bmff import C2PA_UUID, read_bmff
from provenance.files.formats.xmp import decode_packet, parse_xmp
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import (
    IPTC,
    box,
    dst,
    make_signer,
    manifest_with_actions,
    mp4_bytes,
    sign_asset,
    write,
    xmp_packet,
)
from tests.support import containers as build
from tests.support.corpus import CORPUS

SETTINGS = Settings(db="sqlite://")
GENERATED = xmp_packet(dst("trainedAlgorithmicMedia"))
COMFY_MP4 = CORPUS / "Kosinkadink+ComfyUI-AnimateDiff-Evolved/examples__samples__longer_00001.mp4"


def detect(path: Path, detector: xmp_detector.XmpDetector | c2pa_detector.C2paDetector) -> set[str]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=SETTINGS)
    items: list[Evidence] = list(detector.detect(ctx))
    return {e.signal if e.signal == "genai" else e.kind for e in items}


def verdict(path: Path) -> str:
    return classify_file(path, SETTINGS)[1].verdict


def _flipped(data: bytes, name: bytes, at: int, flip: int = 0x01) -> bytes:
    """``data`` with byte ``at`` of the box type ``name`` (its only box of that type) changed."""
    where = data.index(struct.pack(">4s", name)) + at
    assert data.count(name) == 1, name
    return data[:where] + bytes([data[where] ^ flip]) + data[where + 1 :]


def _vhs(comment: str | None = None) -> bytes:
    """ComfyUI VideoHelperSuite's MP4: its graph in ``moov/udta/meta/ilst`` ``©cmt``."""
    return build.mp4_bytes([("\xa9cmt", comment if comment is not None else build.vhs_comment())])


# -- gap 1: a container whose type lost a byte -------------------------------------------------


@pytest.mark.parametrize("name", [b"moov", b"udta", b"meta", b"ilst"])
@pytest.mark.parametrize("at", [0, 1, 2, 3])
def test_a_graph_in_a_container_whose_type_is_damaged_is_still_found(
    tmp_path: Path, name: bytes, at: int
) -> None:
    path = write(tmp_path / "a.mp4", _flipped(_vhs(), name, at))
    assert classify_file(path, SETTINGS)[1].tool == "comfyui"
    assert verdict(path) == "genai"


@pytest.mark.parametrize("name", [b"\xa9cmt", b"data"])
@pytest.mark.parametrize("at", [0, 3])
def test_a_graph_in_a_tag_whose_type_is_damaged_is_still_found(
    tmp_path: Path, name: bytes, at: int
) -> None:
    path = write(tmp_path / "a.mp4", _flipped(_vhs(), name, at))
    assert classify_file(path, SETTINGS)[1].tool == "comfyui"


def _byte_changed(data: bytes, where: int, flip: int) -> bytes:
    return data[:where] + bytes([data[where] ^ flip]) + data[where + 1 :]


@pytest.mark.parametrize("flip", [0x01, 0x80])
@pytest.mark.parametrize(("name", "at"), [(b"ilst", -1), (b"\xa9cmt", -1), (b"data", -1)])
def test_a_tag_list_whose_sizes_are_damaged_blocks(
    tmp_path: Path, name: bytes, at: int, flip: int
) -> None:
    """The last byte of an item list's, an item's or its data box's size, one bit off."""
    movie = _vhs()
    path = write(tmp_path / "a.mp4", _byte_changed(movie, movie.index(name) + at, flip))
    facts, result = classify_file(path, SETTINGS)
    assert result.verdict == "genai" or unvouched_reason(facts, result)


@pytest.mark.parametrize("code", [0, 0x81, 0x15])
def test_a_comment_whose_data_type_is_damaged_is_still_read(tmp_path: Path, code: int) -> None:
    movie = _vhs()
    where = movie.index(b"data") + 7  # the low byte of the data box's type code: 1 (UTF-8)
    path = write(tmp_path / "a.mp4", movie[:where] + bytes([code]) + movie[where + 1 :])
    assert classify_file(path, SETTINGS)[1].tool == "comfyui"


@pytest.mark.parametrize("name", [b"udta", b"meta", b"ilst"])
def test_a_damaged_container_without_a_marker_is_damaged(tmp_path: Path, name: bytes) -> None:
    path = write(tmp_path / "a.mp4", _flipped(_vhs("holiday"), name, 2))
    assert verdict(path) == "unreadable"  # was 'unknown': passed with a warning


def test_a_container_damaged_past_recognition_holding_metadata_is_not_read(tmp_path: Path) -> None:
    damaged = _vhs().replace(b"udta", b"uXXa")  # two bytes: no container type one byte away
    path = write(tmp_path / "a.mp4", damaged)
    assert verdict(path) == "unreadable"
    assert any("uXXa" in text for text in read_bmff(path).limits)


def test_an_xmp_box_in_damaged_user_data_is_read(tmp_path: Path) -> None:
    udta = box(b"udtA", box(b"XMP_", GENERATED.encode()))
    path = write(tmp_path / "a.mp4", mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + udta)))
    assert "genai" in detect(path, xmp_detector.DETECTOR)


# Camera vendor boxes in moov and moov/udta, some holding boxes of their own: never evidence.
VENDOR = (
    box(b"NCDT", box(b"NCTG", bytes(80)) + box(b"NCTH", bytes(40))),  # Nikon
    box(b"CNTH", box(b"CNDA", b"\xff\xd8\xff\xdb" + bytes(120))),  # Canon
    box(b"smta", struct.pack(">I", 0) + box(b"saut", bytes(12))),  # Samsung
    box(b"PANA", b"Panasonic" + bytes(100)),
)


def test_vendor_containers_say_nothing(tmp_path: Path) -> None:
    moov = box(b"moov", box(b"mvhd", bytes(100)) + VENDOR[0] + box(b"udta", b"".join(VENDOR)))
    path = write(tmp_path / "a.mp4", mp4_bytes(moov))
    info = read_bmff(path)
    assert (info.problems, info.limits) == ([], [])
    assert verdict(path) == "unknown"


def test_a_movie_whose_moov_is_damaged_past_recognition_is_damaged(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mp4", _vhs().replace(b"moov", b"mXXv"))
    assert verdict(path) == "unreadable"  # no movie header: the integrity detector says so


@pytest.mark.skipif(not COMFY_MP4.is_file(), reason="the shared corpus is not here")
@pytest.mark.parametrize("name", [b"udta", b"ilst"])
def test_a_real_comfyui_movie_with_damaged_user_data_is_still_found(
    tmp_path: Path, name: bytes
) -> None:
    data = COMFY_MP4.read_bytes()
    path = write(tmp_path / "a.mp4", _flipped(data, name, 3) if data.count(name) == 1 else data)
    assert verdict(path) == "genai"


# -- gap 2: metadata per track -----------------------------------------------------------------


def _with_track(*atoms: bytes) -> bytes:
    trak = box(b"trak", box(b"tkhd", bytes(84)) + box(b"udta", b"".join(atoms)))
    return mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + trak))


def test_an_xmp_box_in_a_tracks_user_data_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mp4", _with_track(box(b"XMP_", GENERATED.encode())))
    assert "genai" in detect(path, xmp_detector.DETECTOR)
    assert verdict(path) == "genai"


def test_a_packet_in_an_unknown_box_of_a_tracks_user_data_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mp4", _with_track(box(b"XMQ_", GENERATED.encode())))
    assert "genai" in detect(path, xmp_detector.DETECTOR)


def test_a_store_in_an_unknown_box_of_a_tracks_user_data_is_markers_unread(
    tmp_path: Path,
) -> None:
    created = {"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}
    signed, _ = sign_asset(make_signer(), mp4_bytes(), "video/mp4", manifest_with_actions(created))
    store = signed[signed.index(C2PA_UUID) + 16 :]  # the uuid box's payload: the store, then more
    path = write(tmp_path / "a.mp4", _with_track(box(b"C2PA", store[:4096])))
    assert detect(path, c2pa_detector.DETECTOR) == {MARKERS_UNREAD}
    facts, result = classify_file(path, SETTINGS)
    assert unvouched_reason(facts, result)  # the gate blocks it


def test_a_graph_in_a_tracks_item_list_is_found(tmp_path: Path) -> None:
    movie = _vhs()
    udta = movie[movie.index(b"udta") - 4 :]
    udta = udta[: struct.unpack(">I", udta[:4])[0]]
    path = write(tmp_path / "a.mp4", _with_track(udta[8:]))
    assert classify_file(path, SETTINGS)[1].tool == "comfyui"


# -- gap 3: XMP in UTF-16 and UTF-32 -----------------------------------------------------------

ENCODINGS = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("bom", [True, False])
def test_a_packet_in_utf_16_or_32_is_decoded(encoding: str, bom: bool) -> None:
    data = ("\ufeff" if bom else "").encode(encoding) + GENERATED.encode(encoding)
    assert "trainedAlgorithmicMedia" in decode_packet(data)
    assert parse_xmp(data).named("DigitalSourceType")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_wide_packet_in_a_named_box_is_read(tmp_path: Path, encoding: str) -> None:
    udta = box(b"udta", box(b"XMP_", GENERATED.encode(encoding)))
    path = write(tmp_path / "a.mov", mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + udta)))
    assert "genai" in detect(path, xmp_detector.DETECTOR)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_wide_packet_in_a_box_of_a_damaged_type_is_read(tmp_path: Path, encoding: str) -> None:
    udta = box(b"udta", box(b"XMQ_", GENERATED.encode(encoding)))
    path = write(tmp_path / "a.mov", mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + udta)))
    assert "genai" in detect(path, xmp_detector.DETECTOR)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_wide_packet_is_found_by_the_scan(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "a.bin", bytes(100) + GENERATED.encode(encoding) + bytes(100))
    packets = scan_for_packets(path, path.stat().st_size)
    assert len(packets) == 1 and parse_xmp(packets[0]).named("DigitalSourceType")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_wide_packet_in_a_heif_item_is_found(tmp_path: Path, encoding: str) -> None:
    item = build.Item(2, b"mime", GENERATED.encode(encoding), "application/rdf+xml")
    path = write(tmp_path / "a.heic", build.heif_bytes(b"heic", [item]))
    assert "genai" in detect(path, xmp_detector.DETECTOR)
    assert verdict(path) == "genai"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_manifest_address_in_a_wide_packet_is_handed_to_the_sdk(
    tmp_path: Path, encoding: str
) -> None:
    remote = xmp_packet("<dcterms:provenance>https://example.invalid/m</dcterms:provenance>")
    udta = box(b"udta", box(b"XMP_", remote.encode(encoding)))
    path = write(tmp_path / "a.mov", mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + udta)))
    assert may_hold_c2pa(path, "mov")


def test_a_wide_packet_cut_short_is_markers_unread(tmp_path: Path) -> None:
    cut = GENERATED.replace("</x:xmpmeta>", "").encode("utf-32-le")
    path = write(tmp_path / "a.heic", build.heif_bytes(b"heic", []) + cut)
    assert detect(path, xmp_detector.DETECTOR) == {MARKERS_UNREAD}


# -- gap 4: a large packet under a damaged name ------------------------------------------------
# One over 64 KiB is read whole (test_damaged_metadata_places), while the budget lasts.

LARGE = GENERATED.replace("</x:xmpmeta>", " " * 70_000 + "</x:xmpmeta>")


def test_large_packets_past_the_budget_are_markers_unread(tmp_path: Path) -> None:
    big = LARGE.replace("</x:xmpmeta>", " " * (UNNAMED_BUDGET // 2) + "</x:xmpmeta>").encode()
    udta = box(b"udta", box(b"XMQ_", big) + box(b"XMR_", big) + box(b"XMS_", big))
    path = write(tmp_path / "a.mov", mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + udta)))
    assert detect(path, xmp_detector.DETECTOR) == {MARKERS_UNREAD}  # the second cut short


def test_a_heif_xmp_item_between_the_scanned_windows_is_read(tmp_path: Path) -> None:
    """The item table says where the packet is: past the 4 MiB a scan reads, before the last 1."""
    xmp = build.Item(2, b"mime", GENERATED.encode(), "application/rdf+xml")
    fill = [build.Item(3, b"hvc1", bytes(5 * 2**20)), xmp, build.Item(4, b"hvc1", bytes(2 * 2**20))]
    path = write(tmp_path / "a.heic", build.heif_bytes(b"heic", fill))
    assert scan_for_packets(path, path.stat().st_size) == []
    assert "genai" in detect(path, xmp_detector.DETECTOR)
