"""The bounded readers stop at their limits and say so ("not fully read"), apart from damage.

Every hostile input here is built by :mod:`tests.support.hostile_files`, small
where the limit can be lowered for the test.
"""

from __future__ import annotations

import contextlib
import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.files.formats import FormatProblem, jpeg, png
from provenance.files.formats.exr_header import read_exr_layout
from provenance.files.formats.jpeg import read_jpeg_stream
from provenance.files.formats.png import read_png_stream
from provenance.files.formats.tiff_file import walk_ifd_chain
from tests.support import hostile_files as hostile


def test_jpeg_fill_bytes_stop_at_the_skip_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jpeg, "MAX_SKIPPED", 256 * 1024)
    info = read_jpeg_stream(io.BytesIO(hostile.jpeg_fill_bytes(megabytes=1)))
    assert info.limits and "between JPEG segments" in info.limits[0]
    assert not info.problems


def test_jpeg_fill_bytes_within_the_budget_are_skipped_whole() -> None:
    picture = hostile.jpeg_markers_past_segment_limit(comments=3)
    # 300 KB of fill bytes before the XMP segment: several scan buffers' worth.
    cut = picture.index(b"\xff\xe1")
    padded = picture[:cut] + b"\xff" * (300 * 1024) + picture[cut:]
    info = read_jpeg_stream(io.BytesIO(padded))
    assert info.xmp is not None and b"Firefly" in info.xmp
    assert not info.limits and not info.problems


@settings(max_examples=150)
@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\xff", b"")), max_size=6),
       st.integers(0, 70_000))  # fmt: skip
def test_jpeg_garbage_between_segments_changes_nothing(garbage: list[bytes], fill: int) -> None:
    clean = hostile.jpeg_markers_past_segment_limit(comments=len(garbage))
    expected = read_jpeg_stream(io.BytesIO(clean))
    parts = clean.split(b"\xff\xfe")  # comment segments: put garbage and fill before each
    noisy = parts[0] + b"".join(
        g + b"\xff" * fill + b"\xff\xfe" + p for g, p in zip(garbage, parts[1:], strict=False)
    ) + b"".join(b"\xff\xfe" + p for p in parts[1 + len(garbage) :])  # fmt: skip
    found = read_jpeg_stream(io.BytesIO(noisy))
    assert found.segments == expected.segments and found.frame == expected.frame


def test_jpeg_segment_limit_is_not_fully_read() -> None:
    info = read_jpeg_stream(io.BytesIO(hostile.jpeg_markers_past_segment_limit(comments=4096)))
    assert info.xmp is None
    assert info.limits == ["more than 4096 JPEG segments; the rest was not read"]


def test_jpeg_frame_header_of_a_12_bit_jpeg() -> None:
    frame = read_jpeg_stream(io.BytesIO(hostile.jpeg_12bit(4, 6))).frame
    assert frame is not None and (frame.precision, frame.height, frame.width) == (12, 32, 48)


def test_png_chunk_limit_is_not_fully_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png, "MAX_CHUNKS", 500)
    info = read_png_stream(io.BytesIO(hostile.png_markers_past_chunk_limit(empty_chunks=1000)))
    assert info.text("parameters") is None
    assert info.limits == ["more than 500 PNG chunks; the rest was not read"]


def test_image_data_chunks_have_a_limit_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # A big picture written in libpng's 8 KiB chunks has many: they do not count as others.
    monkeypatch.setattr(png, "MAX_CHUNKS", 500)
    monkeypatch.setattr(png, "MAX_DATA_CHUNKS", 2000)
    text = hostile.png_chunk(b"tEXt", b"parameters\x00" + hostile.A1111_PARAMETERS.encode())
    data = hostile.png_with(hostile.png_chunk(b"IDAT", b"") * 1500, text)
    info = read_png_stream(io.BytesIO(data))
    assert info.text("parameters") and not info.limits
    assert info.chunk_types == ["IHDR", "IDAT", "tEXt"]
    refs, problems, limits = png.index_chunks(io.BytesIO(data))
    assert [r.ctype for r in refs] == [b"IHDR", b"tEXt"] and not problems and not limits
    too_many = hostile.png_many_data_chunks(2001)
    assert "image data chunks" in read_png_stream(io.BytesIO(too_many)).limits[0]
    assert "image data chunks" in png.index_chunks(io.BytesIO(too_many))[2][0]


def test_png_text_has_a_budget_for_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png, "MAX_TOTAL_TEXT", 3 * 1024 * 1024)
    data = hostile.png_ztxt_bombs(chunks=6, expands_to=1024 * 1024)
    info = read_png_stream(io.BytesIO(data))
    assert sum(len(t.text) for t in info.texts) <= 3 * 1024 * 1024
    assert len(info.texts) == 3
    assert info.limits and "PNG text past" in info.limits[0]


def test_a_text_chunk_that_expands_past_its_limit_is_not_fully_read() -> None:
    data = hostile.png_ztxt_bombs(chunks=1, expands_to=png.MAX_TEXT_BYTES + 1)
    info = read_png_stream(io.BytesIO(data))
    assert not info.texts and "expands past" in info.limits[0]


def test_png_truncated_inside_a_huge_text_chunk() -> None:
    info = read_png_stream(io.BytesIO(hostile.png_truncated_huge_text()))
    assert "over limit" in info.limits[0]
    assert "truncated" in info.problems[0]


def test_tiff_ifd_chain_that_loops_is_damage() -> None:
    data = hostile.tiff_ifd_loop()
    chain = walk_ifd_chain(io.BytesIO(data), len(data))
    assert chain.problems == ["TIFF IFD chain loops back to offset 8"]


def test_a_sound_tiff_chain() -> None:
    data = bytearray(hostile.tiff_ifd_loop())
    first = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[first : first + 2])[0]
    data[first + 2 + 12 * count : first + 6 + 12 * count] = b"\x00\x00\x00\x00"
    chain = walk_ifd_chain(io.BytesIO(bytes(data)), len(data))
    assert (chain.count, chain.problems, chain.limits) == (1, [], [])


def test_a_sound_exr_layout() -> None:
    data = hostile.exr_scanline(40, 20)
    layout = read_exr_layout(io.BytesIO(data), len(data))
    assert (layout.problems, layout.limits) == ([], [])
    assert (layout.parts[0].width, layout.parts[0].height, layout.parts[0].chunk_count) == (
        40,
        20,
        20,
    )


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (hostile.exr_early_eof, "last EXR chunk runs past the end"),
        (hostile.exr_bad_bounds, "offsets point outside the file"),
        (hostile.exr_negative_window, "empty or negative"),
        (hostile.exr_absurd_window, "absurdly large"),
        (hostile.exr_invalid, "header ends before it is complete"),
    ],
)
def test_damaged_exrs(build: hostile.Builder, says: str) -> None:
    data = build()
    layout = read_exr_layout(io.BytesIO(data), len(data))
    assert says in layout.problems[0]


def _written_by_openexr(path: Path) -> dict[str, bytes]:
    exr_lib = pytest.importorskip("OpenEXR")
    np = pytest.importorskip("numpy")
    pixels = np.random.default_rng(1).random((70, 90, 3)).astype(np.float16)
    scan = {"compression": exr_lib.PIZ_COMPRESSION, "type": exr_lib.scanlineimage}
    tiles = exr_lib.TileDescription()
    tiles.xSize = tiles.ySize = 16
    tiled = {"compression": exr_lib.ZIP_COMPRESSION, "type": exr_lib.tiledimage, "tiles": tiles}
    parts = [exr_lib.Part(scan, {"RGB": pixels}, "a"), exr_lib.Part(tiled, {"RGB": pixels}, "b")]
    files = {
        "multipart": parts,
        "tiled": tiled,
        "overscan": dict(scan, dataWindow=((-10, -5), (79, 64))),
    }  # fmt: skip
    found = {}
    for name, header in files.items():
        target = path / f"{name}.exr"
        made = (
            exr_lib.File(header)
            if isinstance(header, list)
            else exr_lib.File(header, {"RGB": pixels})
        )
        made.write(str(target))
        found[name] = target.read_bytes()
    return found


def test_exrs_written_by_openexr_are_sound_and_their_cut_is_seen(tmp_path: Path) -> None:
    for name, data in _written_by_openexr(tmp_path).items():
        whole = read_exr_layout(io.BytesIO(data), len(data))
        assert (whole.problems, whole.limits) == ([], []), name
        cut = read_exr_layout(io.BytesIO(data[:-40]), len(data) - 40)
        assert "runs past the end of the file" in cut.problems[0], name


@settings(max_examples=300)
@given(st.integers(8, 2000), st.binary(min_size=1, max_size=8), st.integers(0, 2000))
def test_exr_reader_on_mutations(cut: int, junk: bytes, at: int) -> None:
    data = bytearray(hostile.exr_scanline(8, 4)[:cut])
    data[at : at + len(junk)] = junk
    with contextlib.suppress(FormatProblem):
        layout = read_exr_layout(io.BytesIO(bytes(data)), len(data))
        assert isinstance(layout.problems, list)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_exr_reader_on_noise(tail: bytes) -> None:
    data = hostile.EXR_MAGIC + tail
    with contextlib.suppress(FormatProblem):
        read_exr_layout(io.BytesIO(data), len(data))
