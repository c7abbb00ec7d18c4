"""Cameras that name themselves outside IFD0 are capture evidence; hostile copies stay bounded.

The files are built from the formats' specifications by
:mod:`tests.detectors.builders_cameras` (trail and action cameras have no
sibling in the shared corpus); the corpus's CR3, X3F, R3D, AVCHD and iPhone
movie are checked by ``test_corpus.py``.
"""

from __future__ import annotations

import functools
import struct
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.classify import Classification, classify_file, decide
from provenance.detectors import camera_files
from provenance.detectors.base import DetectorContext
from provenance.evidence import Evidence
from provenance.files.formats.avchd import read_mdpm
from provenance.files.formats.camera_boxes import iter_boxes
from provenance.files.formats.gpmf import MAX_DEPTH, read_gpmf_names
from provenance.files.formats.makernotes import read_maker_note
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors import builders_cameras as build
from tests.detectors.builders_metadata import write

SETTINGS = Settings(db="sqlite://")
SECONDS = 3.0
MEGABYTES = 64


def classify(path: Path) -> Classification:
    return classify_file(path, SETTINGS)[1]


def camera_items(path: Path) -> list[Evidence]:
    ctx = DetectorContext(path, read_facts(path, path.stat().st_size), SETTINGS)
    return list(camera_files.DETECTOR.detect(ctx))


def assert_camera(path: Path, kind: str, *names: str) -> Evidence:
    result = classify(path)
    assert (result.verdict, result.tool) == ("not_genai", "camera"), result.evidence
    [item] = [e for e in result.evidence if e.detector == "camera_files"]
    assert item.kind == kind
    for name in names:
        assert name in item.detail, item.detail
    return item


def test_cr3_names_the_camera_from_its_cmt_boxes(tmp_path: Path) -> None:
    path = write(
        tmp_path / "IMG_0001.CR3", build.cr3_bytes("Canon", "Canon EOS R6", "072021007989")
    )
    item = assert_camera(path, "camera-cr3", "Canon EOS R6", "072021007989")
    assert item.fields["captured"] == "2024:05:01 10:00:00"


def test_raf_names_the_camera_from_header_and_preview_exif(tmp_path: Path) -> None:
    exif = build.tiff({0x010F: "FUJIFILM", 0x0110: "X-T4", 0x0131: "Digital Camera X-T4 Ver1.00"})
    path = write(tmp_path / "DSCF0001.RAF", build.raf_bytes("X-T4", exif))
    item = assert_camera(path, "camera-raw-header", "FUJIFILM X-T4")
    assert item.fields["software"].startswith("Digital Camera X-T4")


def test_raf_header_alone_is_enough(tmp_path: Path) -> None:
    assert_camera(write(tmp_path / "a.raf", build.raf_bytes("GFX100S", None)), "camera-raw-header")


def test_x3f_names_the_camera_from_its_property_list(tmp_path: Path) -> None:
    props = {"AEMODE": "8", "CAMMANUF": "SIGMA", "CAMMODEL": "SIGMA DP2", "CAMSERIAL": "1008382"}
    path = write(tmp_path / "SDIM0001.X3F", build.x3f_bytes(props))
    assert_camera(path, "camera-raw-header", "SIGMA DP2", "1008382")


def test_r3d_names_the_red_camera(tmp_path: Path) -> None:
    path = write(tmp_path / "A001_C001.R3D", build.r3d_bytes("KOMODO 6K", "130-246-CE5"))
    assert_camera(path, "camera-raw-header", "RED KOMODO 6K", "130-246-CE5")


@pytest.mark.parametrize(
    ("name", "magic"), [("P1000001.RW2", b"IIU\x00"), ("P1.ORF", b"IIRO"), ("P2.ORF", b"IIRS")]
)
def test_raws_with_their_own_tiff_magic_are_read_as_exif(
    tmp_path: Path, name: str, magic: bytes
) -> None:
    data = build.tiff({0x010F: "Panasonic", 0x0110: "DC-GH5"}, magic=magic)
    path = write(tmp_path / name, data)
    result = classify(path)
    assert (result.verdict, result.tool) == ("not_genai", "camera"), result.evidence
    assert any("DC-GH5" in e.detail for e in result.evidence)


def test_phone_movie_names_the_camera_in_its_quicktime_keys(tmp_path: Path) -> None:
    keys = {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 15 Pro"}
    path = write(tmp_path / "IMG_0001.MOV", build.mov_bytes(keys))
    assert_camera(path, "camera-movie", "Apple iPhone 15 Pro", "QuickTime metadata keys")


@pytest.mark.parametrize(
    "keys",
    [
        {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "Mac15,9"},
        {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.software": "macOS 14.6.1"},
        {"com.apple.quicktime.make": "Midjourney", "com.apple.quicktime.model": "v7"},
        {"com.apple.quicktime.make": "workflow:{}", "com.apple.quicktime.model": "prompt:{}"},
    ],
    ids=["mac-screen-recording", "macos", "generator-name", "comfyui-json"],
)
def test_movie_keys_that_name_no_camera_are_not_capture(
    tmp_path: Path, keys: dict[str, str]
) -> None:
    assert camera_items(write(tmp_path / "a.mov", build.mov_bytes(keys))) == []


def test_camera_movie_names_itself_in_quicktime_user_data(tmp_path: Path) -> None:
    path = write(tmp_path / "DJI_0001.MP4", build.udta_movie("DJI", "FC3582"))
    assert_camera(path, "camera-movie", "DJI FC3582", "QuickTime user data")


def test_sony_xavc_names_the_camera_in_its_xml(tmp_path: Path) -> None:
    path = write(tmp_path / "C0001.MP4", build.sony_xavc_mp4("ILME-FX3", "5012345"))
    assert_camera(path, "camera-movie", "Sony ILME-FX3", "5012345", "Sony XAVC")


def test_user_data_naming_a_generator_is_no_camera(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mp4", build.udta_movie("Runway", "Gen-3 Alpha"))
    assert camera_items(path) == []


def test_gopro_names_its_model_only_in_gpmf_telemetry(tmp_path: Path) -> None:
    names = {b"DVNM": "Camera", b"MINF": "HERO11 Black", b"CASN": "C3471325208909"}
    path = write(tmp_path / "GX010001.MP4", build.gopro_mp4(names))
    item = assert_camera(path, "camera-movie", "GoPro HERO11 Black", "GPMF telemetry")
    assert item.fields["serial"] == "C3471325208909"


def test_gopro_device_name_stands_in_for_the_model(tmp_path: Path) -> None:
    path = write(tmp_path / "GH010001.MP4", build.gopro_mp4({b"DVNM": "HERO8 Black"}))
    assert_camera(path, "camera-movie", "GoPro HERO8 Black")


def test_gpmf_that_only_says_camera_names_nothing(tmp_path: Path) -> None:
    assert camera_items(write(tmp_path / "a.mp4", build.gopro_mp4({b"DVNM": "Camera"}))) == []


@pytest.mark.parametrize(
    ("code", "make"), [(0x0108, "Sony"), (0x0103, "Panasonic"), (0x1011, "Canon")]
)
def test_avchd_names_the_camera_in_its_h264_user_data(tmp_path: Path, code: int, make: str) -> None:
    path = write(tmp_path / "00001.MTS", build.m2ts_bytes(code, "HDR-CX405"))
    assert_camera(path, "camera-avchd", f"{make} HDR-CX405")


def test_avchd_with_an_unknown_maker_code_names_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "00001.MTS", build.m2ts_bytes(0x7777, "X1"))
    assert read_mdpm(path) is not None and camera_items(path) == []


@pytest.mark.parametrize(
    ("layout", "model"),
    [("hyperfire", "HyperFire"), ("ultrafire", "UltraFire"), ("hf2", "HF2 PRO")],
)
def test_trail_camera_named_only_in_its_maker_note(tmp_path: Path, layout: str, model: str) -> None:
    path = write(tmp_path / "IMG_0001.JPG", build.reconyx_jpeg(layout, "H500XY12345678"))
    item = assert_camera(path, "camera-maker-note", f"Reconyx {model}", "H500XY12345678")
    assert item.fields["make"] == "Reconyx"


def test_a_maker_note_of_no_known_layout_names_nothing() -> None:
    assert read_maker_note(b"\x00" * 64) is None
    assert read_maker_note(b"Nikon\x00\x02\x10\x00\x00") is None


def test_a_camera_never_outweighs_a_generator_marker(tmp_path: Path) -> None:
    keys = {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 15 Pro"}
    path = write(tmp_path / "a.mov", build.mov_bytes(keys))
    items = camera_items(path)
    generator = Evidence("xmp", "digital-source-type", "IPTC", "genai", "adobe-firefly", "strong")
    facts = read_facts(path, path.stat().st_size)
    assert decide(facts, items).verdict == "not_genai"
    assert decide(facts, (*items, generator)).verdict == "genai"


def test_a_damaged_raw_header_is_damage(tmp_path: Path) -> None:
    data = build.x3f_bytes({"CAMMANUF": "SIGMA", "CAMMODEL": "SIGMA DP2"})
    path = write(tmp_path / "cut.x3f", data[:-4] + struct.pack("<I", 1 << 30))
    result = classify(path)
    assert result.verdict == "unreadable"
    assert any(e.kind == "damaged" and "X3F" in e.detail for e in result.evidence)


# --- hostile copies --------------------------------------------------------------------------


@functools.cache
def seeds() -> dict[str, bytes]:
    """One valid file per reader."""
    exif = build.tiff({0x010F: "FUJIFILM", 0x0110: "X-T4"})
    return {
        "a.cr3": build.cr3_bytes("Canon", "Canon EOS R5", "1234"),
        "a.raf": build.raf_bytes("X-T4", exif),
        "a.x3f": build.x3f_bytes({"CAMMANUF": "SIGMA", "CAMMODEL": "SIGMA DP2"}),
        "a.r3d": build.r3d_bytes("V-RAPTOR", "1"),
        "a.mov": build.mov_bytes(
            {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone"}
        ),
        "a.mp4": build.gopro_mp4({b"MINF": "HERO11 Black"}),
        "a.mts": build.m2ts_bytes(0x0108, "ILCE-7M3"),
        "udta.mp4": build.udta_movie("Panasonic", "DC-GH6"),
        "xavc.mp4": build.sony_xavc_mp4("ILCE-7SM3", "1"),
        "a.jpg": build.reconyx_jpeg("hyperfire", "1"),
        "a.rw2": build.rw2_bytes("Panasonic", "DC-S5"),
    }


def _mutate(data: bytes, kind: int, at: int, value: int) -> bytes:
    at %= max(len(data), 1)
    if kind == 0:
        return data[:at]
    if kind == 1:
        return data[:at] + bytes([data[at] ^ (value & 0xFF or 1)]) + data[at + 1 :]
    if kind == 2:
        return data[:at] + struct.pack(">I", value) + data[at + 4 :]
    return data[:at] + struct.pack("<I", value) + data[at + 4 :]


def run_bounded(path: Path) -> None:
    """The detector directly (it must not raise), then the classifier, in time and memory bounds."""
    tracemalloc.start()
    started = time.process_time()  # CPU: the work done, not the wait for a core
    try:
        camera_items(path)
        classify(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < SECONDS
    assert peak < MEGABYTES * 1024 * 1024


HOSTILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HOSTILE
@given(
    name=st.sampled_from(sorted(seeds())),
    kind=st.integers(0, 3),
    at=st.integers(0, 1 << 16),
    value=st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 0xFFFFFFFF, 0x7FFFFFFF, 8])),
)
def test_mutated_camera_files_never_raise(
    tmp_path: Path, name: str, kind: int, at: int, value: int
) -> None:
    run_bounded(write(tmp_path / name, _mutate(seeds()[name], kind, at, value)))


@HOSTILE
@given(junk=st.binary(max_size=4096), name=st.sampled_from(["a.raf", "a.x3f", "a.r3d", "a.mts"]))
def test_magic_then_noise(tmp_path: Path, junk: bytes, name: str) -> None:
    head = {
        "a.raf": b"FUJIFILMCCD-RAW ",
        "a.x3f": b"FOVb",
        "a.r3d": b"\x00\x00\x04\x88RED2",
        "a.mts": b"\x00\x00\x00\x00\x47" + b"\x00" * 187 + b"\x00\x00\x00\x00\x47",
    }
    run_bounded(write(tmp_path / name, head[name] + junk))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_gpmf_on_any_bytes_is_bounded(data: bytes) -> None:
    found = read_gpmf_names(data)
    assert found.items <= 4097


def test_gpmf_nesting_is_capped() -> None:
    nest = build.klv(b"DVNM", b"c", b"HERO")
    for _ in range(MAX_DEPTH + 3):
        nest = build.klv(b"DEVC", b"\x00", nest)
    found = read_gpmf_names(nest)
    assert found.problems and "device" not in found.names


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=1024),
    st.sampled_from(["", "RECONYXUF\x00", "RECONYXH2\x00", "\x01\xf1\x03\x00"]),
)
def test_maker_notes_of_any_bytes_are_read_or_refused(data: bytes, head: str) -> None:
    found = read_maker_note(head.encode("latin-1") + data)
    assert found is None or (found.make == "Reconyx" and len(found.serial) <= 15)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_packed_boxes_of_any_bytes_end(data: bytes) -> None:
    boxes = list(iter_boxes(data))
    assert sum(8 + len(payload) for _, payload in boxes) <= len(data)
