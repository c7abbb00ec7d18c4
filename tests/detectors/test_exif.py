"""The EXIF detector: cameras, editors, misused tags, containers and hostile blocks."""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path

import pytest
from PIL import Image

from provenance.detectors import exif as exif_detector
from provenance.detectors.base import DetectorContext
from provenance.detectors.exif import plausible_camera
from provenance.detectors.exif_blocks import MAX_READS, BudgetStream, ExifBudgetExceeded
from provenance.evidence import Evidence
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import insert_segment, jpeg_bytes, png_bytes, write

SETTINGS = Settings(db="sqlite://")


def exif_block(
    make: str | None = "Canon",
    model: str | None = "Canon EOS R5",
    software: str | None = None,
    exposure: bool = True,
) -> bytes:
    exif = Image.Exif()
    for tag, value in ((0x010F, make), (0x0110, model), (0x0131, software)):
        if value is not None:
            exif[tag] = value
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2024:05:01 10:00:00"
    if exposure:
        sub[0x829A] = 1 / 250
        sub[0x829D] = 2.8
    return exif.tobytes()


def detect(path: Path) -> list[Evidence]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=SETTINGS)
    return list(exif_detector.DETECTOR.detect(ctx))


def kinds(items: list[Evidence]) -> list[tuple[str, str, str | None]]:
    return [(e.kind, e.signal, e.tool) for e in items]


def test_a_camera_jpeg_is_capture_evidence(tmp_path: Path) -> None:
    [item] = detect(write(tmp_path / "a.jpg", jpeg_bytes(exif=exif_block())))
    assert (item.kind, item.signal, item.tool, item.confidence) == (
        "camera-exif",
        "not_genai",
        "camera",
        "strong",
    )
    assert item.fields["captured"] == "2024:05:01 10:00:00"
    assert "Canon EOS R5" in item.detail


def test_without_exposure_data_a_camera_is_medium(tmp_path: Path) -> None:
    [item] = detect(write(tmp_path / "a.jpg", jpeg_bytes(exif=exif_block(exposure=False))))
    assert item.confidence == "medium"


def test_editing_software_is_neutral_and_named(tmp_path: Path) -> None:
    items = detect(
        write(tmp_path / "a.jpg", jpeg_bytes(exif=exif_block(None, None, "GIMP 2.10.34")))
    )
    assert kinds(items) == [("exif-software", "neutral", "gimp")]


def test_camera_firmware_is_folded_into_the_camera_item(tmp_path: Path) -> None:
    [item] = detect(
        write(tmp_path / "a.jpg", jpeg_bytes(exif=exif_block(software="Firmware 1.0.2")))
    )
    assert item.fields["software"] == "Firmware 1.0.2"


@pytest.mark.parametrize(
    ("make", "model"),
    [
        ('workflow:{"nodes": []}', 'prompt:{"3": {}}'),
        ("Prompt: {}", "x"),
        ("NovelAI", "NovelAI Diffusion V4"),
        ("Canon", "x" * 100),
        ("Canon", ""),
    ],
)
def test_generator_text_in_make_or_model_is_no_camera(make: str, model: str) -> None:
    assert not plausible_camera(make, model)


def test_comfyui_webp_make_model_is_no_camera(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    block = exif_block(
        'workflow:{"last_node_id": 9}', 'prompt:{"3": {"inputs": {}}}', exposure=False
    )
    Image.new("RGB", (4, 4)).save(buffer, "WEBP", exif=block)
    assert detect(write(tmp_path / "c.webp", buffer.getvalue())) == []


def test_exif_after_c2pa_segments_is_still_read(tmp_path: Path) -> None:
    jpeg = jpeg_bytes(exif=exif_block())
    jumbf = b"JP\x00\x01\x00\x00\x00\x01" + b"\x00\x00\x00\x10jumb" + b"\x00" * 8
    items = detect(write(tmp_path / "a.jpg", insert_segment(jpeg, 0xEB, jumbf)))
    assert kinds(items) == [("camera-exif", "not_genai", "camera")]


def test_png_exif_chunk_and_imagemagick_raw_profile(tmp_path: Path) -> None:
    block = exif_block()[6:]
    items = detect(write(tmp_path / "a.png", png_bytes(((b"eXIf", block),))))
    assert kinds(items) == [("camera-exif", "not_genai", "camera")]
    hexed = block.hex()
    profile = f"\nexif\n{len(block):8d}\n" + "\n".join(
        hexed[i : i + 72] for i in range(0, len(hexed), 72)
    )
    raw = b"Raw profile type exif\x00\x00" + __import__("zlib").compress(profile.encode())
    items = detect(write(tmp_path / "b.png", png_bytes(((b"zTXt", raw),))))
    assert kinds(items) == [("camera-exif", "not_genai", "camera")]


def test_tiff_files_are_read_in_place(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "NIKON CORPORATION", "NIKON D850"
    Image.new("RGB", (4, 4)).save(buffer, "TIFF", exif=exif)
    items = detect(write(tmp_path / "a.tif", buffer.getvalue()))
    assert kinds(items) == [("camera-exif", "not_genai", "camera")]


def test_a_tiff_without_camera_or_software_tags_is_not_given_to_exifread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "TIFF", tiffinfo={270: "comp v003"})
    path = write(tmp_path / "frame.1001.tif", buffer.getvalue())

    def never(stream: object) -> dict[str, str]:
        raise AssertionError("exifread was run on a TIFF with no EXIF tags")

    monkeypatch.setattr(exif_detector, "read_exif_tags", never)
    assert detect(path) == []


def test_a_tiff_naming_its_software_is_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0"
    Image.new("RGB", (4, 4)).save(buffer, "TIFF", exif=exif)
    items = detect(write(tmp_path / "a.tif", buffer.getvalue()))
    assert [(i.kind, i.tool) for i in items] == [("exif-software", "adobe-photoshop")]


def hostile_tiff(directories: int) -> bytes:
    """A TIFF whose IFD chain visits ``directories`` IFDs, each of 4000 one-byte tags.

    Each IFD opens with a Software tag, so the file is one the detector reads.
    """
    entries = 4000
    ifd_size = 2 + 12 * entries + 4
    data = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for index in range(directories):
        nxt = 8 + (index + 1) * ifd_size if index + 1 < directories else 0
        data += struct.pack("<H", entries)
        data += struct.pack("<HHII", 0x0131, 7, 999, 8)
        data += b"".join(
            struct.pack("<HHII", 0x9000 + i % 200, 7, 999, 8) for i in range(1, entries)
        )
        data += struct.pack("<I", nxt)
    return bytes(data)


def test_a_hostile_tiff_ends_quickly(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.tif", hostile_tiff(50))
    started = time.process_time()  # CPU: the work done, not the wait for a core
    with pytest.raises(ExifBudgetExceeded):
        detect(path)
    assert time.process_time() - started < 5.0


def test_the_budget_stream_stops_endless_reading() -> None:
    stream = BudgetStream(io.BytesIO(b"x" * 10))
    with pytest.raises(ExifBudgetExceeded):
        for _ in range(MAX_READS + 1):
            stream.seek(0)
            stream.read(1)


def test_formats_without_exif_yield_nothing(tmp_path: Path) -> None:
    assert detect(write(tmp_path / "a.jpg", jpeg_bytes())) == []
    assert detect(write(tmp_path / "a.wav", b"RIFF\x04\x00\x00\x00WAVE")) == []
