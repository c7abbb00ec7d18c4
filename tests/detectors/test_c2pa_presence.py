"""The cheap container checks that let the C2PA detector skip files without a manifest."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from provenance.detectors.c2pa_presence import can_precheck, may_hold_c2pa
from provenance.files.formats import FormatProblem, bmff, gif, jpeg
from provenance.files.formats.bmff import C2PA_UUID, MAX_DEPTH, read_bmff
from provenance.files.formats.tiff_file import C2PA_TAG, read_ifd0, read_value
from tests.detectors.builders_metadata import (
    box,
    id3_frame,
    id3_tag,
    id3_text,
    insert_segment,
    jpeg_bytes,
    jpeg_with_xmp,
    mp3_bytes,
    mp4_bytes,
    png_bytes,
    riff_chunk,
    wav_bytes,
    write,
    xmp_packet,
)
from tests.support import hostile_files as hostile
from tests.support.containers import gif_bytes


def tiff_bytes(extra_tag: int | None = None) -> bytes:
    buffer = io.BytesIO()
    info = {extra_tag: b"\x00" * 16} if extra_tag else {}
    Image.new("RGB", (2, 2)).save(buffer, "TIFF", tiffinfo=info)
    return buffer.getvalue()


ABSENT = {
    ("jpeg", "a.jpg"): jpeg_bytes(),
    ("png", "a.png"): png_bytes(),
    ("wav", "a.wav"): wav_bytes(),
    ("mp4", "a.mp4"): mp4_bytes(box(b"moov", box(b"udta", b""))),
    ("mp3", "a.mp3"): mp3_bytes(id3_tag(id3_frame("TSSE", id3_text("LAME")))),
    ("mp3", "b.mp3"): mp3_bytes(b""),
    ("tiff", "a.tif"): tiff_bytes(),
}
PRESENT = {
    ("jpeg", "a.jpg"): insert_segment(jpeg_bytes(), 0xEB, b"JP\x00\x01\x00\x00\x00\x01jumb"),
    ("png", "a.png"): png_bytes(((b"caBX", b"\x00" * 8),)),
    ("wav", "a.wav"): wav_bytes(riff_chunk(b"C2PA", b"\x00" * 8)),
    ("mp4", "a.mp4"): mp4_bytes(box(b"uuid", b"\x00" * 8, C2PA_UUID)),
    ("mp3", "a.mp3"): mp3_bytes(
        id3_tag(id3_frame("GEOB", b"\x00application/c2pa\x00c2pa\x00\x00"))
    ),
    ("tiff", "a.tif"): tiff_bytes(C2PA_TAG),
    ("jpeg", "remote.jpg"): jpeg_with_xmp(
        xmp_packet("<dcterms:provenance>https://example.invalid/m</dcterms:provenance>")
    ),
}


@pytest.mark.parametrize(("fmt", "name"), sorted(ABSENT))
def test_absence_is_proved(tmp_path: Path, fmt: str, name: str) -> None:
    assert can_precheck(fmt)
    assert not may_hold_c2pa(write(tmp_path / name, ABSENT[(fmt, name)]), fmt)


@pytest.mark.parametrize(("fmt", "name"), sorted(PRESENT))
def test_a_possible_manifest_is_never_skipped(tmp_path: Path, fmt: str, name: str) -> None:
    assert may_hold_c2pa(write(tmp_path / name, PRESENT[(fmt, name)]), fmt)


@pytest.mark.parametrize("fmt", ["pdf", "gif", "svg", "flac", None])
def test_formats_without_a_check_always_go_to_the_sdk(tmp_path: Path, fmt: str | None) -> None:
    assert not can_precheck(fmt)
    assert may_hold_c2pa(write(tmp_path / "x", b""), fmt)


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("jpeg", b"\xff\xd8\xff\xe1\xff"),
        ("png", b"\x89PNG"),
        ("tiff", b"II*\x00\xff\xff\xff\x7f"),
        ("mp4", b"\x00"),
    ],
)
def test_a_container_that_cannot_be_walked_goes_to_the_sdk(
    tmp_path: Path, fmt: str, data: bytes
) -> None:
    assert may_hold_c2pa(write(tmp_path / "x", data), fmt)


def test_the_sdk_is_not_handed_a_gif_past_its_sub_block_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 million sub-blocks kept the SDK past the detectors' 5 s budget.
    monkeypatch.setattr(gif, "MAX_SUB_BLOCKS", 5)
    assert not may_hold_c2pa(write(tmp_path / "many.gif", gif_bytes(comment=b"x", frames=8)), "gif")
    monkeypatch.setattr(gif, "MAX_SUB_BLOCKS", 1000)
    assert may_hold_c2pa(write(tmp_path / "few.gif", gif_bytes(comment=b"x", frames=8)), "gif")


def test_bmff_nesting_and_sizes_are_bounded(tmp_path: Path) -> None:
    nested = b""
    for _ in range(MAX_DEPTH + 5):
        nested = box(b"moov", nested)
    info = read_bmff(write(tmp_path / "deep.mp4", box(b"ftyp", b"isom") + nested))
    assert any("deeper" in p for p in info.limits)
    absurd = box(b"ftyp", b"isom") + struct.pack(">I4s", 0xFFFFFFF0, b"moov")
    assert any(
        "impossible size" in p for p in read_bmff(write(tmp_path / "big.mp4", absurd)).problems
    )
    large = box(b"ftyp", b"isom") + struct.pack(">I4sQ", 1, b"free", 16)
    assert read_bmff(write(tmp_path / "large.mp4", large)).problems == []


def test_bmff_refuses_other_files(tmp_path: Path) -> None:
    with pytest.raises(FormatProblem):
        read_bmff(write(tmp_path / "x.mp4", b"not a movie"))


def test_tiff_ifd0_values_are_read_within_limits(tmp_path: Path) -> None:
    path = write(tmp_path / "a.tif", tiff_bytes(C2PA_TAG))
    with path.open("rb") as stream:
        entry = read_ifd0(stream).entries[C2PA_TAG]
        assert read_value(stream, entry) == b"\x00" * 16
        with pytest.raises(FormatProblem):
            read_value(stream, entry, limit=8)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=256),
    st.sampled_from(["jpeg", "png", "wav", "mp4", "mp3", "tiff", "raw", "heif"]),
)
def test_arbitrary_bytes_never_raise(data: bytes, fmt: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        assert may_hold_c2pa(write(Path(folder) / "x", data), fmt) in (True, False)


def test_the_sdk_is_not_handed_a_file_past_a_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14: 100,000 C2PA uuid boxes cost the SDK 46 s; 200 MB of JPEG fill bytes,
    # a read of the whole file. Past a limit the file is unreadable anyway (it blocks).
    monkeypatch.setattr(bmff, "MAX_BOXES", 100)
    uuid_box = struct.pack(">I4s", 24, b"uuid") + C2PA_UUID
    boxes = write(tmp_path / "boxes.mp4", box(b"ftyp", b"isom") + uuid_box * 200)
    assert not may_hold_c2pa(boxes, "mp4")
    few = write(tmp_path / "few.mp4", box(b"ftyp", b"isom") + uuid_box * 50)
    assert may_hold_c2pa(few, "mp4")
    monkeypatch.setattr(jpeg, "MAX_SKIPPED", 64 * 1024)
    fill = write(tmp_path / "fill.jpg", hostile.jpeg_fill_bytes(megabytes=1))
    assert not may_hold_c2pa(fill, "jpeg")
