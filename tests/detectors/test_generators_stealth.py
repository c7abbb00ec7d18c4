"""Stealth metadata in pixel low bits: alpha and RGB, plain and gzip, PNG and WebP, limits."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from PIL import Image

from provenance.detectors.generators.detector import STEALTH_DETECTOR, _png_candidate
from provenance.detectors.generators.pixels import PillowColumns, PngColumns
from provenance.detectors.generators.stealth import MAX_PAYLOAD, read_stealth
from provenance.files.formats.png import read_png
from tests.detectors.builders_generators import (
    classify_bytes,
    filtered_png,
    png_bytes,
    stealth_image,
    text_chunk,
    webp_bytes,
)

INFOTEXT = (
    b"a lighthouse\nNegative prompt: fog\nSteps: 30, Sampler: Euler a, Seed: 9, Version: v1.9.4"
)
NOVELAI = json.dumps(
    {
        "Description": "1girl",
        "Software": "NovelAI",
        "Source": "Stable Diffusion XL C1E1DE52",
        "Comment": json.dumps({"prompt": "1girl", "uc": "lowres", "seed": 5, "steps": 28}),
    }
).encode()


@pytest.mark.parametrize(
    "signature", ["stealth_pnginfo", "stealth_pngcomp", "stealth_rgbinfo", "stealth_rgbcomp"]
)
def test_every_signature_in_png(tmp_path: Path, signature: str) -> None:
    mode = "RGBA" if "png" in signature else "RGB"
    data = png_bytes(stealth_image(INFOTEXT, signature, mode=mode))
    result = classify_bytes(tmp_path, data)
    assert (result.verdict, result.tool, result.prompt) == (
        "genai",
        "automatic1111",
        "a lighthouse",
    )
    item = result.evidence[0]
    assert item.kind == "stealth-metadata"
    assert item.fields["stealth"] == signature
    assert item.detector == "generator_stealth"


def test_rgb_signature_in_an_rgba_image(tmp_path: Path) -> None:
    data = png_bytes(stealth_image(INFOTEXT, "stealth_rgbcomp", mode="RGBA"))
    assert classify_bytes(tmp_path, data).tool == "automatic1111"


def test_novelai_payload(tmp_path: Path) -> None:
    data = png_bytes(stealth_image(NOVELAI, "stealth_pngcomp", size=(64, 64)))
    result = classify_bytes(tmp_path, data)
    assert (result.tool, result.prompt) == ("novelai", "1girl")
    assert result.evidence[0].fields["negative_prompt"] == "lowres"


def test_swarmui_json_payload(tmp_path: Path) -> None:
    payload = json.dumps({"sui_image_params": {"prompt": "a bay", "seed": 1}}).encode()
    data = png_bytes(stealth_image(payload, "stealth_pnginfo"))
    assert classify_bytes(tmp_path, data).tool == "swarmui"


@pytest.mark.parametrize("size", [(3, 400), (400, 3), (30, 30)])
def test_payload_spanning_columns_of_odd_shapes(tmp_path: Path, size: tuple[int, int]) -> None:
    data = png_bytes(stealth_image(INFOTEXT, "stealth_pnginfo", size=size))
    assert classify_bytes(tmp_path, data).prompt == "a lighthouse"


def test_streaming_reader_matches_pillow_for_every_filter(tmp_path: Path) -> None:
    image = Image.effect_noise((37, 23), 80).convert("RGBA")
    path = tmp_path / "f.png"
    path.write_bytes(filtered_png(image))
    streamed = PngColumns(path, read_png(path)).columns(5, 23)
    assert streamed == PillowColumns(path).columns(5, 23)


def test_interlaced_png_goes_through_pillow(tmp_path: Path) -> None:
    path = tmp_path / "i.png"
    stealth_image(INFOTEXT, "stealth_pnginfo").save(path, "PNG")
    info = read_png(path)
    info.interlace = 1  # Pillow cannot write Adam7; the choice of reader is what is tested
    candidate = _png_candidate(path, info)
    assert candidate is not None
    assert isinstance(candidate[0], PillowColumns)
    payload = read_stealth(*candidate)
    assert payload is not None
    assert payload.text == INFOTEXT.decode()


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_lossless_webp(tmp_path: Path, mode: str) -> None:
    signature = "stealth_pngcomp" if mode == "RGBA" else "stealth_rgbcomp"
    data = webp_bytes(stealth_image(INFOTEXT, signature, mode=mode))
    assert classify_bytes(tmp_path, data, "a.webp").tool == "automatic1111"


def test_lossy_webp_and_jpeg_are_not_decoded(tmp_path: Path) -> None:
    image = stealth_image(INFOTEXT, "stealth_rgbinfo", mode="RGB")
    assert (
        classify_bytes(tmp_path, webp_bytes(image, lossless=False), "a.webp").verdict == "unknown"
    )
    out = io.BytesIO()
    image.save(out, "JPEG")
    assert classify_bytes(tmp_path, out.getvalue(), "a.jpg").verdict == "unknown"


def test_skipped_when_text_markers_are_present(tmp_path: Path) -> None:
    text = text_chunk("parameters", INFOTEXT.decode())
    data = png_bytes(stealth_image(INFOTEXT, "stealth_pnginfo"), before=[text])
    result = classify_bytes(tmp_path, data)
    assert [e.detector for e in result.evidence] == ["generator_metadata"]


def test_plain_images_have_no_stealth(tmp_path: Path) -> None:
    for mode in ("RGBA", "RGB", "L", "P"):
        image = Image.effect_noise((50, 50), 100).convert(mode)
        assert classify_bytes(tmp_path, png_bytes(image)).verdict == "unknown"


@pytest.mark.parametrize(
    ("payload", "signature", "reason"),
    [
        (b"not gzip at all", "stealth_pngcomp", "gzip"),
        (b"x" * 40, "stealth_pnginfo", "not recognised"),
    ],
)
def test_unreadable_payload_still_marks_a_generator(
    tmp_path: Path, payload: bytes, signature: str, reason: str
) -> None:
    data = png_bytes(stealth_image(payload, signature, raw=True))
    result = classify_bytes(tmp_path, data)
    assert (result.verdict, result.tool, result.confidence) == ("genai", "unknown-genai", "medium")
    assert reason in result.evidence[0].detail


def test_declared_length_past_the_limit_is_not_read(tmp_path: Path) -> None:
    image = stealth_image(b"", "stealth_pnginfo")
    pixels = image.load()
    assert pixels is not None
    length = (MAX_PAYLOAD + 1) * 8
    bits = [(length >> (31 - i)) & 1 for i in range(32)]
    for index, bit in enumerate(bits):
        x, y = divmod(120 + index, image.height)
        r, g, b, a = pixels[x, y]  # type: ignore[misc]
        pixels[x, y] = (r, g, b, (a & ~1) | bit)
    result = classify_bytes(tmp_path, png_bytes(image))
    assert result.confidence == "medium"
    assert "not read" in result.evidence[0].detail


def test_magic_check_reads_only_the_top_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("RGBA", (64, 20000), (1, 2, 3, 255)).save(path)
    source = PngColumns(path, read_png(path))
    started = time.process_time()  # CPU: the work done, not the wait for a core
    assert read_stealth(source, ("alpha", "rgb")) is None
    assert time.process_time() - started < 1.0


def test_detector_ignores_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("stealth_pnginfo")
    result = classify_bytes(tmp_path, path.read_bytes(), "a.txt")
    assert result.verdict == "unknown"
    assert STEALTH_DETECTOR.name == "generator_stealth"


def test_alpha_plane_of_lossy_webp(tmp_path: Path) -> None:
    data = webp_bytes(stealth_image(INFOTEXT, "stealth_pngcomp"), lossless=False)
    assert classify_bytes(tmp_path, data, "a.webp").tool == "automatic1111"
