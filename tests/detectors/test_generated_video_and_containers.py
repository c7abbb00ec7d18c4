"""Generated video and the newer containers are classified from their metadata, never decoded.

ComfyUI's VideoHelperSuite MP4 and WebM (comment tag; newer prompt/workflow
tags), animated WebP (EXIF Make/Model), GIF (comment extension, XMP), APNG
(text chunks), AVIF/HEIF (XMP and Exif items) and JPEG XL (Exif box). Each
file is built by test code; classification runs every registered detector
with frame decoding made impossible.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from provenance.classify import Classification, classify_file
from provenance.detectors.generators.containers import with_xmp_properties
from provenance.detectors.generators.entries import Entries
from provenance.settings import Settings
from tests.detectors.builders_generators import UNDEFINED, ascii_tag, exif_block, user_comment
from tests.detectors.builders_metadata import insert_segment, jpeg_bytes
from tests.support import containers as build
from tests.support.hostile import mutate

SETTINGS = Settings(db="sqlite://")
GRAPH_JSON = json.dumps(build.GRAPH)
CAMERA = exif_block({0x010F: ascii_tag("NIKON CORPORATION"), 0x0110: ascii_tag("NIKON D1X")})


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("a frame was decoded to classify the file")


def classify(tmp_path: Path, name: str, data: bytes) -> Classification:
    """Classify with every registered detector, PyAV's and Pillow's decoding made to fail."""
    path = tmp_path / name
    path.write_bytes(data)
    av = pytest.importorskip("av")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(av, "open", _refuse)
        patch.setattr(Image.Image, "load", _refuse)
        return classify_file(path, SETTINGS)[1]


def assert_comfyui(result: Classification, where: str) -> None:
    assert (result.verdict, result.tool) == ("genai", "comfyui"), result.evidence
    assert result.prompt == build.PROMPT_TEXT
    best = result.strongest()
    assert best is not None and where in best.detail and best.confidence == "strong"


def test_vhs_mp4_comment(tmp_path: Path) -> None:
    data = build.mp4_bytes([("\xa9too", "Lavf58.76.100"), ("\xa9cmt", build.vhs_comment())])
    assert_comfyui(classify(tmp_path, "AnimateDiff_00001.mp4", data), "MP4 moov/udta/meta/ilst")


def test_vhs_mp4_prompt_and_workflow_tags(tmp_path: Path) -> None:
    tags = [("prompt", GRAPH_JSON), ("workflow", json.dumps(build.WORKFLOW))]
    data = build.mp4_bytes(tags, keyed=True)
    assert_comfyui(classify(tmp_path, "vhs.mp4", data), "tag 'prompt'")


@pytest.mark.parametrize("tags_last", [True, False])
def test_vhs_webm_comment(tmp_path: Path, tags_last: bool) -> None:
    data = build.matroska_bytes([("COMMENT", build.vhs_comment())], tags_last=tags_last)
    assert_comfyui(classify(tmp_path, "vhs.webm", data), "Matroska Tags")


def test_webm_upper_case_prompt_tag(tmp_path: Path) -> None:
    data = build.matroska_bytes([("PROMPT", GRAPH_JSON), ("ENCODER", "Lavf61")])
    assert_comfyui(classify(tmp_path, "vhs.webm", data), "tag 'PROMPT'")


def test_gif_comment(tmp_path: Path) -> None:
    comment = json.dumps({"prompt": build.GRAPH, "workflow": build.WORKFLOW}).encode()
    assert_comfyui(classify(tmp_path, "vhs.gif", build.gif_bytes(comment=comment)), "GIF comment")


def test_gif_xmp(tmp_path: Path) -> None:
    xmp = build.xmp_packet({"prompt": GRAPH_JSON})
    assert_comfyui(classify(tmp_path, "a.gif", build.gif_bytes(xmp=xmp)), "GIF XMP")


def test_apng_text_chunks(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", GRAPH_JSON)
    info.add_text("workflow", json.dumps(build.WORKFLOW))
    frames = [Image.new("RGB", (8, 8), (60 * n, 0, 0)) for n in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:], pnginfo=info)
    assert b"acTL" in out.getvalue()
    assert_comfyui(classify(tmp_path, "SaveAnimatedPNG.png", out.getvalue()), "PNG tEXt")


def test_animated_webp_exif(tmp_path: Path) -> None:
    block = exif_block(
        {
            0x010F: ascii_tag("workflow:" + json.dumps(build.WORKFLOW)),
            0x0110: ascii_tag("prompt:" + GRAPH_JSON),
        }
    )
    frames = [Image.new("RGB", (8, 8), (60 * n, 0, 0)) for n in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], exif=block)
    assert b"ANMF" in out.getvalue()
    assert_comfyui(classify(tmp_path, "SaveAnimatedWEBP.webp", out.getvalue()), "WebP EXIF")


@pytest.mark.parametrize("brand", [b"avif", b"heic"])
def test_comfyui_xmp_item_in_avif_and_heif(tmp_path: Path, brand: bytes) -> None:
    xmp = build.xmp_packet({"prompt": GRAPH_JSON, "workflow": json.dumps(build.WORKFLOW)})
    item = build.Item(2, b"mime", xmp, "application/rdf+xml")
    result = classify(tmp_path, "ComfyUI_00001.avif", build.heif_bytes(brand, [item]))
    assert_comfyui(result, "HEIF item XMP property 'prompt'")


def test_comfyui_user_comment_in_an_avif_exif_item(tmp_path: Path) -> None:
    comment = json.dumps({"prompt": build.GRAPH, "workflow": build.WORKFLOW})
    block = exif_block({}, {0x9286: (UNDEFINED, user_comment(comment, "be"))}, big_endian=True)
    item = build.Item(2, b"Exif", build.exif_item(block))
    assert_comfyui(
        classify(tmp_path, "a.avif", build.heif_bytes(b"avif", [item])), "HEIF item Exif"
    )


def test_comfyui_in_a_jpeg_xl_exif_box(tmp_path: Path) -> None:
    block = exif_block({0x0110: ascii_tag("prompt:" + GRAPH_JSON)})
    assert_comfyui(classify(tmp_path, "a.jxl", build.jxl_bytes(exif=block)), "JPEG XL box Exif")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("camera.jxl", build.jxl_bytes(exif=CAMERA)),
        (
            "camera.heic",
            build.heif_bytes(b"heic", [build.Item(2, b"Exif", build.exif_item(CAMERA))]),
        ),
        (
            "camera.avif",
            build.heif_bytes(b"avif", [build.Item(2, b"Exif", build.exif_item(CAMERA))]),
        ),
    ],
)
def test_a_cameras_exif_in_the_newer_containers(tmp_path: Path, name: str, data: bytes) -> None:
    result = classify(tmp_path, name, data)
    assert (result.verdict, result.tool) == ("not_genai", "camera")


def test_a_damaged_heif_item_table_is_reported(tmp_path: Path) -> None:
    data = build.heif_bytes(b"heic", [build.Item(2, b"Exif", build.exif_item(CAMERA))])
    infe = data.index(b"infe")
    broken = data[: infe - 4] + b"\x7f\xff\xff\xff" + data[infe:]
    result = classify(tmp_path, "broken.heic", broken)
    assert result.verdict != "not_genai"
    assert any(e.signal == "error" and "HEIF" in e.detail for e in result.evidence)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plain.mp4", build.mp4_bytes([("\xa9too", "Lavf61.7.100"), ("\xa9cmt", "holiday")])),
        ("plain.webm", build.matroska_bytes([("ENCODER", "Lavf61"), ("COMMENT", "a note")])),
        ("plain.gif", build.gif_bytes(comment=b"made with GIMP")),
        ("plain.jxl", build.jxl_bytes()),
        ("plain.avif", build.heif_bytes(b"avif")),
    ],
)
def test_files_without_markers_stay_unknown(tmp_path: Path, name: str, data: bytes) -> None:
    assert classify(tmp_path, name, data).verdict == "unknown"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cut.gif", build.gif_bytes(comment=b"x")[:-1]),
        ("cut.jxl", build.jxl_bytes(exif=CAMERA)[:-30]),
    ],
)
def test_a_damaged_gif_or_jpeg_xl_is_unreadable(tmp_path: Path, name: str, data: bytes) -> None:
    result = classify(tmp_path, name, data)
    assert result.verdict == "unreadable"
    assert any(e.kind == "damaged" for e in result.evidence)


def test_comfyui_xmp_properties_in_a_jpeg_and_a_webp(tmp_path: Path) -> None:
    xmp = build.xmp_packet({"prompt": GRAPH_JSON})
    jpeg = insert_segment(jpeg_bytes(), 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp)
    assert_comfyui(classify(tmp_path, "a.jpg", jpeg), "JPEG APP1 XMP property 'prompt'")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "WEBP", xmp=xmp)
    assert_comfyui(classify(tmp_path, "a.webp", out.getvalue()), "WebP XMP chunk property")


def test_a_cameras_xmp_is_not_parsed_for_generator_properties() -> None:
    entries = Entries()
    entries.add("XMP", build.xmp_packet({"description": "sunset"}).decode(), "JPEG APP1 XMP")
    assert [item.key for item in with_xmp_properties(entries).items] == ["XMP"]
    entries.add("XMP", build.xmp_packet({"prompt": "a fox"}).decode(), "PNG iTXt")
    assert [item.key for item in with_xmp_properties(entries).items] == ["XMP", "XMP", "prompt"]


SEEDS: dict[str, bytes] = {
    "vhs.mp4": build.mp4_bytes([("\xa9cmt", build.vhs_comment())]),
    "keys.mp4": build.mp4_bytes([("prompt", GRAPH_JSON)], keyed=True),
    "vhs.webm": build.matroska_bytes([("COMMENT", build.vhs_comment())]),
    "vhs.gif": build.gif_bytes(comment=build.vhs_comment().encode(), xmp=build.xmp_packet({})),
    "xmp.avif": build.heif_bytes(
        b"avif",
        [
            build.Item(2, b"mime", build.xmp_packet({"prompt": GRAPH_JSON}), "application/rdf+xml"),
            build.Item(3, b"Exif", build.exif_item(CAMERA)),
        ],
    ),
    "exif.jxl": build.jxl_bytes(exif=CAMERA, xmp=build.xmp_packet({"workflow": "{}"})),
}


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(SEEDS)),
    kind=st.integers(0, 3),
    at=st.integers(0, 1 << 16),
    value=st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 0xFFFFFFFF])),
)
def test_mutated_outputs_classify_within_bounds(name: str, kind: int, at: int, value: int) -> None:
    """Every detector on a damaged file: no exception escapes, within time and memory bounds."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.process_time()  # CPU: the work done, not the wait for a core
        tracemalloc.start()
        try:
            result = classify(Path(folder), name, mutate(SEEDS[name], kind, at, value))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert time.process_time() - started < 5.0 and peak < 128 * 1024 * 1024
    assert not any("AssertionError" in e.detail for e in result.evidence)  # nothing was decoded
