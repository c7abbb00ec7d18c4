"""Damaged and hostile input: the generator detectors never raise, hang or balloon.

Valid files of every kind the detectors read are mutated by hypothesis
(truncated, bytes flipped, lengths made absurd); each mutant goes through the
detectors directly -- which must not raise -- and through ``classify_file``,
within a time bound. The parsers are also fed arbitrary text and JSON.
"""

from __future__ import annotations

import contextlib
import functools
import json
import struct
import time
import zlib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.classify import classify_file
from provenance.detectors.base import DetectorContext
from provenance.detectors.generators.a1111 import parse_infotext
from provenance.detectors.generators.comfyui import summarise
from provenance.detectors.generators.detector import METADATA_DETECTOR, STEALTH_DETECTOR
from provenance.detectors.generators.entries import Entries, expand_json_containers
from provenance.detectors.generators.identify import identify
from provenance.files.formats import FormatProblem
from provenance.files.formats.tiff_ifd import RawTag, decode_user_comment, read_tiff
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_generators import (
    UNDEFINED,
    ascii_tag,
    chunk,
    exif_block,
    jpeg_bytes,
    png_bytes,
    stealth_image,
    text_chunk,
    user_comment,
    webp_bytes,
)
from tests.support.hostile import mutate

SECONDS = 3.0
INFOTEXT = "a fox\nNegative prompt: x\nSteps: 20, Sampler: Euler a, Seed: 1, Version: neo"
GRAPH = json.dumps(
    {
        "3": {"class_type": "KSampler", "inputs": {"positive": ["6", 0]}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox"}},
    }
)


@functools.cache
def seeds() -> dict[str, bytes]:
    """One valid file per container and marker family."""
    block = exif_block(
        {0x0110: ascii_tag("prompt:" + GRAPH)}, {0x9286: (UNDEFINED, user_comment(INFOTEXT, "le"))}
    )
    return {
        "text.png": png_bytes(
            before=[text_chunk("parameters", INFOTEXT, "zTXt")],
            after=[text_chunk("prompt", GRAPH, "iTXt-z"), chunk(b"eXIf", block)],
        ),
        "stealth.png": png_bytes(stealth_image(INFOTEXT.encode(), "stealth_pngcomp")),
        "exif.jpg": jpeg_bytes(exif=block, comments=[INFOTEXT.encode()], xmp=b"<x>Job ID: 1</x>"),
        "exif.webp": webp_bytes(exif=block, xmp=b"<x:xmpmeta/>"),
        "stealth.webp": webp_bytes(stealth_image(INFOTEXT.encode(), "stealth_rgbinfo", mode="RGB")),
    }


def run_all(path: Path) -> None:
    """Both detectors directly (must not raise), then the classifier, within the time bound."""
    started = time.process_time()  # CPU: the work done, not the wait for a core
    ctx = DetectorContext(
        path=path, facts=read_facts(path, path.stat().st_size), settings=Settings(db="sqlite://")
    )
    for detector in (METADATA_DETECTOR, STEALTH_DETECTOR):
        list(detector.detect(ctx))
    classify_file(path, ctx.settings, detectors=(METADATA_DETECTOR, STEALTH_DETECTOR))
    assert time.process_time() - started < SECONDS


HOSTILE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HOSTILE
@given(
    name=st.sampled_from(sorted(seeds())),
    kind=st.integers(0, 3),
    at=st.integers(0, 1 << 20),
    value=st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 0xFFFFFFFF, 0x7FFFFFFF])),
)
def test_mutated_files_never_raise(
    tmp_path: Path, name: str, kind: int, at: int, value: int
) -> None:
    path = tmp_path / name
    path.write_bytes(mutate(seeds()[name], kind, at, value))
    run_all(path)


@HOSTILE
@given(junk=st.binary(max_size=2048), name=st.sampled_from(["a.png", "a.jpg", "a.webp"]))
def test_signature_then_noise(tmp_path: Path, junk: bytes, name: str) -> None:
    head = {
        "a.png": b"\x89PNG\r\n\x1a\n",
        "a.jpg": b"\xff\xd8\xff",
        "a.webp": b"RIFF\xff\xff\x00\x00WEBP",
    }
    path = tmp_path / name
    path.write_bytes(head[name] + junk)
    run_all(path)


def test_text_bombs_and_huge_dimensions_are_bounded(tmp_path: Path) -> None:
    bomb = chunk(b"zTXt", b"parameters\x00\x00" + zlib.compress(b"A" * (64 << 20), 9))
    header = struct.pack(">IIBBBBB", 0xFFFFFF, 0xFFFFFF, 8, 6, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + bomb
        + chunk(b"IDAT", b"\x78\x9c")
        + chunk(b"IEND", b"")
    )
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    run_all(path)


def test_pathological_text_stays_linear(tmp_path: Path) -> None:
    spaces = " " * 1_000_000
    xmp = "CreatorTool>Draw Things" + "<exif:UserComment>" * 100_000 + "<rdf:li" * 100_000
    infotext = "Steps: 1, " + "a:" * 200_000
    chunks = [
        text_chunk("Description", spaces + "Job ID:"),
        text_chunk("Comment", "[" * 100_000),
        text_chunk("XML:com.adobe.xmp", xmp, "iTXt"),
        text_chunk("parameters", infotext),
    ]
    path = tmp_path / "slow.png"
    path.write_bytes(png_bytes(before=chunks))
    run_all(path)


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.png"
    path.write_bytes(png_bytes(before=[text_chunk("prompt", deep), text_chunk("parameters", deep)]))
    run_all(path)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=400))
def test_infotext_parser_on_any_text(text: str) -> None:
    parse_infotext(text)
    parse_infotext("Steps: 1, " + text)


@settings(max_examples=150, deadline=None)
@given(block=st.binary(max_size=512), big=st.booleans())
def test_tiff_reader_and_comment_decoder_on_any_bytes(block: bytes, big: bool) -> None:
    for candidate in (block, b"II*\x00" + block, b"MM\x00*" + block):
        with contextlib.suppress(FormatProblem):
            read_tiff(candidate)
    decode_user_comment(RawTag(UNDEFINED, b"UNICODE\x00" + block), big)
    decode_user_comment(RawTag(UNDEFINED, block), big)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    [
        "parameters",
        "prompt",
        "workflow",
        "Comment",
        "UserComment",
        "Software",
        "Description",
        "XMP",
        "invokeai_metadata",
        "sd-metadata",
        "Dream",
        "generation_data",
        "smproj",
        "parameters-json",
        "fooocus_scheme",
        "use_stable_diffusion_model",
        "Title",
        "Source",
        "Make",
        "Model",
    ]
)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.tuples(KEYS, JSON), max_size=5))
def test_matchers_on_arbitrary_json(items: list[tuple[str, Any]]) -> None:
    entries = Entries()
    for key, value in items:
        entries.add(key, value if isinstance(value, str) else json.dumps(value), "test")
    expand_json_containers(entries)
    identify(entries)


@settings(max_examples=200, deadline=None)
@given(graph=st.dictionaries(st.text(max_size=3), JSON, max_size=6))
def test_comfy_summary_on_arbitrary_graphs(graph: dict[str, Any]) -> None:
    summarise(graph)
