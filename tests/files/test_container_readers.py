"""The newer containers' readers: HEIF/AVIF items, JPEG XL boxes, MP4 and Matroska tags, GIF.

Every input is built by :mod:`tests.support.containers` from the formats'
specifications (or written by PyAV and Pillow, real muxers); damaged and
hostile variants are generated here and fuzzed by hypothesis, each read
within a time and a memory bound.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.files.formats import FormatProblem, ebml, gif, heif_items
from provenance.files.formats.ebml import read_matroska_stream, read_matroska_tags
from provenance.files.formats.gif import read_gif, read_gif_stream
from provenance.files.formats.heif_items import parse_iinf, parse_iloc, read_heif_items
from provenance.files.formats.jxl import read_jxl, read_jxl_stream
from provenance.files.formats.mp4_tags import parse_ilst, parse_keys, read_mp4_tags
from provenance.files.media import read_facts
from tests.detectors.builders_generators import ascii_tag, exif_block
from tests.support import containers as build
from tests.support.hostile import mutate

TIFF = exif_block({0x010F: ascii_tag("Canon"), 0x0110: ascii_tag("Canon EOS R5")})
XMP = build.xmp_packet({"prompt": json.dumps(build.GRAPH)})
SECONDS = 2.0
PEAK_BYTES = 64 * 1024 * 1024


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# HEIF / AVIF items


@pytest.mark.parametrize("in_idat", [False, True])
@pytest.mark.parametrize("brand", [b"avif", b"heic"])
def test_heif_exif_and_xmp_items_are_found(tmp_path: Path, brand: bytes, in_idat: bool) -> None:
    extra = [
        build.Item(2, b"Exif", build.exif_item(TIFF)),
        build.Item(3, b"mime", XMP, "application/rdf+xml"),
    ]
    path = write(tmp_path, "a.heic", build.heif_bytes(brand, extra, in_idat=in_idat))
    items = read_heif_items(path)
    assert items.exif == [TIFF]
    assert items.xmp == [XMP]
    assert read_facts(path, path.stat().st_size).format == ("avif" if brand == b"avif" else "heif")


def test_an_exif_item_with_the_exif_prefix_is_unwrapped(tmp_path: Path) -> None:
    prefixed = struct.pack(">I", 6) + b"Exif\x00\x00" + TIFF
    path = write(tmp_path, "a.heic", build.heif_bytes(b"heic", [build.Item(2, b"Exif", prefixed)]))
    assert read_heif_items(path).exif == [TIFF]


def test_other_mime_items_are_not_xmp(tmp_path: Path) -> None:
    other = build.Item(2, b"mime", b"<html/>", "text/html")
    assert read_heif_items(write(tmp_path, "a.avif", build.heif_bytes(b"avif", [other]))).xmp == []


def test_an_item_past_the_end_of_the_file_is_damage(tmp_path: Path) -> None:
    data = build.heif_bytes(b"heic", [build.Item(2, b"Exif", build.exif_item(TIFF))])
    with pytest.raises(FormatProblem, match="past the end"):
        read_heif_items(write(tmp_path, "a.heic", data[:-40]))


def test_item_tables_with_absurd_counts_are_refused() -> None:
    with pytest.raises(FormatProblem, match="items"):
        parse_iloc(bytes([1, 0, 0, 0, 0x44, 0]) + struct.pack(">H", 65535))
    many_extents = bytes([1, 0, 0, 0, 0x44, 0]) + struct.pack(">HHHHH", 1, 1, 0, 0, 65535)
    with pytest.raises(FormatProblem, match="extents"):
        parse_iloc(many_extents)
    assert len(parse_iinf(bytes([0, 0, 0, 0]) + struct.pack(">H", 65535))) == 0


def test_an_oversized_item_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heif_items, "MAX_ITEM_BYTES", 8)
    data = build.heif_bytes(b"heic", [build.Item(2, b"Exif", build.exif_item(TIFF))])
    with pytest.raises(FormatProblem, match="over the limit"):
        read_heif_items(write(tmp_path, "a.heic", data))


def test_items_over_the_budget_in_all_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many items pointing at one large extent would each be read: the sum is bounded."""
    monkeypatch.setattr(heif_items, "MAX_ITEMS_BYTES", 2048)
    xmp = [build.Item(n, b"mime", b"<x/>" + bytes(1000), "application/rdf+xml") for n in (2, 3, 4)]
    path = write(tmp_path, "a.heic", build.heif_bytes(b"heic", xmp[:2]))
    assert len(read_heif_items(path).xmp) == 2
    path = write(tmp_path, "b.heic", build.heif_bytes(b"heic", xmp))
    with pytest.raises(FormatProblem, match="in all"):
        read_heif_items(path)


# JPEG XL


def test_jxl_exif_and_xml_boxes(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jxl", build.jxl_bytes(exif=TIFF, xmp=XMP))
    info = read_jxl(path)
    assert info.exif == [TIFF] and info.xmp == [XMP]
    assert info.box_types == ["JXL ", "ftyp", "Exif", "xml ", "jxlc"]
    assert read_facts(path, path.stat().st_size).format == "jxl"


def test_jxl_compressed_boxes_are_listed_not_read() -> None:
    info = read_jxl_stream(
        io.BytesIO(data := build.jxl_bytes(brob=b"Exif" + b"\x1b" * 9)), len(data)
    )
    assert info.compressed == ["Exif"] and info.exif == []


def test_a_bare_codestream_has_no_boxes(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jxl", b"\xff\x0a" + b"\x00" * 32)
    assert read_jxl(path).box_types == ["codestream"]
    assert read_facts(path, path.stat().st_size).format == "jxl"


def test_a_jxl_box_past_the_end_is_damage() -> None:
    data = build.jxl_bytes(exif=TIFF)
    cut = data[: data.index(b"Exif") + 10]
    info = read_jxl_stream(io.BytesIO(cut), len(cut))
    assert info.problems and info.exif == []


# MP4 tags


def test_mp4_item_list_tags_by_code(tmp_path: Path) -> None:
    comment = build.vhs_comment()
    path = write(tmp_path, "a.mp4", build.mp4_bytes([("\xa9too", "Lavf58"), ("\xa9cmt", comment)]))
    found = [(t.name, t.text, t.where) for t in read_mp4_tags(path)]
    assert found == [
        ("encoder", "Lavf58", "moov/udta/meta/ilst"),
        ("comment", comment, "moov/udta/meta/ilst"),
    ]


def test_mp4_keyed_tags(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.mp4", build.mp4_bytes([("prompt", "{}"), ("workflow", "[]")], keyed=True)
    )
    assert [(t.name, t.text, t.where) for t in read_mp4_tags(path)] == [
        ("prompt", "{}", "moov/meta/ilst"),
        ("workflow", "[]", "moov/meta/ilst"),
    ]


def test_mp4_tags_written_by_ffmpeg(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = tmp_path / "ffmpeg.mp4"
    _encode(av, path, {"comment": "hello"}, {"movflags": "use_metadata_tags"})
    tags = {t.name: t.text for t in read_mp4_tags(path)}
    assert tags["comment"] == "hello" and tags["encoder"].startswith("Lavf")


def test_mp4_tag_boxes_of_impossible_size_are_damage() -> None:
    with pytest.raises(FormatProblem):
        list(parse_ilst(struct.pack(">I4s", 4000, b"\xa9cmt"), []))
    with pytest.raises(FormatProblem):
        parse_keys(bytes(4) + struct.pack(">II4s", 1, 3, b"mdta"))


# Matroska / WebM tags


@pytest.mark.parametrize("tags_last", [True, False])
def test_matroska_tags_before_or_after_the_clusters(tmp_path: Path, tags_last: bool) -> None:
    data = build.matroska_bytes([("COMMENT", "c"), ("PROMPT", "{}")], tags_last=tags_last)
    found = read_matroska_tags(write(tmp_path, "a.webm", data))
    assert found.tags == [("COMMENT", "c"), ("PROMPT", "{}")]
    assert not found.problems and not found.limits


def test_matroska_tags_written_by_ffmpeg(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = tmp_path / "ffmpeg.webm"
    _encode(av, path, {"comment": "hello", "prompt": "{}"}, {}, codec="libvpx-vp9")
    tags = dict(read_matroska_tags(path).tags)
    assert tags["COMMENT"] == "hello" and tags["PROMPT"] == "{}"
    assert read_facts(path, path.stat().st_size).format == "mkv"


def test_tags_after_a_cluster_of_unknown_size_are_read() -> None:
    """The cluster ends where the Tags element (a segment-level element) begins."""
    data = build.matroska_bytes([("COMMENT", "c")])
    cluster = data.index(b"\x1f\x43\xb6\x75")
    unknown = data[: cluster + 4] + b"\x01\xff\xff\xff\xff\xff\xff\xff" + data[cluster + 12 :]
    found = read_matroska_stream(io.BytesIO(unknown), len(unknown))
    assert found.tags == [("COMMENT", "c")]
    assert not found.problems and not found.limits


def test_not_ebml_is_refused() -> None:
    with pytest.raises(FormatProblem):
        read_matroska_stream(io.BytesIO(b"RIFF" + bytes(40)), 44)


def test_deeply_nested_tags_are_refused() -> None:
    body = b""
    for _ in range(20):
        body = build.ebml_element(0x7373, body)
    data = build.ebml_element(0x1A45DFA3, b"") + build.ebml_element(
        0x18538067, build.ebml_element(0x1254C367, body)
    )
    found = read_matroska_stream(io.BytesIO(data), len(data))
    assert found.problems and "nested" in found.problems[0]


# GIF


def test_gif_comment_and_frames(tmp_path: Path) -> None:
    path = write(tmp_path, "a.gif", build.gif_bytes(comment=b'{"prompt": "{}"}', frames=4))
    info = read_gif(path)
    assert info.comments == [b'{"prompt": "{}"}'] and info.frames == 4
    assert not info.problems


def test_gif_xmp_application_extension(tmp_path: Path) -> None:
    info = read_gif(write(tmp_path, "a.gif", build.gif_bytes(xmp=XMP)))
    assert info.xmp == [XMP] and info.frames == 3 and not info.problems


def test_a_truncated_gif_is_damage(tmp_path: Path) -> None:
    data = build.gif_bytes(comment=b"x")
    info = read_gif(write(tmp_path, "a.gif", data[:-1]))
    assert info.problems == ["GIF ends without its trailer (truncated)"]


def test_the_sub_block_budget_is_not_fully_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gif, "MAX_SUB_BLOCKS", 5)
    info = read_gif_stream(io.BytesIO(build.gif_bytes(comment=b"x", frames=8)))
    assert info.limits and "sub-blocks" in info.limits[0]


# Damaged and hostile input: every reader, fuzzed, within time and memory bounds.


def _encode(
    av: object, path: Path, tags: dict[str, str], options: dict[str, str], codec: str = "mpeg4"
) -> None:
    import numpy as np

    container = av.open(str(path), "w", options=options)  # type: ignore[attr-defined]
    container.metadata.update(tags)
    stream = container.add_stream(codec, rate=4)
    stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
    for _ in range(2):
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")  # type: ignore[attr-defined]
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


def _read_any(path: Path) -> object:
    readers: dict[str, Callable[[Path], object]] = {
        ".heic": read_heif_items,
        ".jxl": read_jxl,
        ".mp4": read_mp4_tags,
        ".webm": read_matroska_tags,
        ".gif": read_gif,
    }
    return readers[path.suffix](path)


SEEDS: dict[str, bytes] = {
    "a.heic": build.heif_bytes(
        b"heic",
        [
            build.Item(2, b"Exif", build.exif_item(TIFF)),
            build.Item(3, b"mime", XMP, "application/rdf+xml"),
        ],
    ),
    "b.heic": build.heif_bytes(
        b"avif", [build.Item(2, b"Exif", build.exif_item(TIFF))], in_idat=True
    ),
    "a.jxl": build.jxl_bytes(exif=TIFF, xmp=XMP),
    "a.mp4": build.mp4_bytes([("\xa9cmt", build.vhs_comment())]),
    "b.mp4": build.mp4_bytes([("prompt", "{}"), ("workflow", "{}")], keyed=True),
    "a.webm": build.matroska_bytes([("COMMENT", build.vhs_comment())]),
    "a.gif": build.gif_bytes(comment=b"{}", xmp=XMP),
}


def bounded(path: Path) -> None:
    """Read within the time and memory bounds; a FormatProblem is the only error allowed."""
    started = time.process_time()  # CPU: the work done, not the wait for a core
    tracemalloc.start()
    try:
        with contextlib.suppress(FormatProblem):
            _read_any(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < SECONDS
    assert peak < PEAK_BYTES


HOSTILE = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HOSTILE
@given(
    name=st.sampled_from(sorted(SEEDS)),
    kind=st.integers(0, 3),
    at=st.integers(0, 1 << 16),
    value=st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 0xFFFFFFFF, 0x7FFFFFFF])),
)
def test_mutated_containers_are_read_within_bounds(
    tmp_path: Path, name: str, kind: int, at: int, value: int
) -> None:
    path = tmp_path / name
    path.write_bytes(mutate(SEEDS[name], kind, at, value))
    bounded(path)


@HOSTILE
@given(junk=st.binary(max_size=2048), name=st.sampled_from(sorted(SEEDS)))
def test_signature_then_noise(tmp_path: Path, junk: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(SEEDS[name][:16] + junk)
    bounded(path)


@settings(max_examples=150, deadline=None)
@given(payload=st.binary(max_size=600))
def test_item_and_tag_parsers_on_any_bytes(payload: bytes) -> None:
    for parse in (
        parse_iinf,
        parse_iloc,
        parse_keys,
        lambda p: list(parse_ilst(p, ["a"])),
    ):
        with contextlib.suppress(FormatProblem):
            parse(payload)
    with contextlib.suppress(FormatProblem):
        ebml.element_header(payload)


def test_huge_declared_sizes_allocate_nothing(tmp_path: Path) -> None:
    """Sizes claiming gigabytes: each reader refuses or skips without reading them."""
    huge = struct.pack(">I", 0xFFFFFFF0)
    cases = {
        "a.jxl": build.JXL_SIGNATURE + huge + b"Exif" + bytes(64),
        "a.mp4": build.box(b"ftyp", b"isom") + huge + b"moov" + bytes(64),
        "a.webm": build.ebml_element(0x1A45DFA3, b"")
        + build.ebml_element(0x18538067, b"\x12\x54\xc3\x67\x01\xff\xff\xff\xff\xff\xff\xfe"),
        "a.heic": build.box(b"ftyp", b"heic") + huge + b"meta" + bytes(64),
    }
    for name, data in cases.items():
        bounded(write(tmp_path, name, data))
