"""Corrupt input is reported by the media readers, not left to the C2PA reader (issue 17).

A fuzzed TIFF whose directory chain is sound but whose tags claim values past
the end of the file, a PNG cut anywhere (even inside the ``IEND`` chunk's
CRC), a movie without its ``moov`` header, a Panasonic RW2 with garbage
offsets: each comes back with ``damaged`` evidence from the integrity
detector, which runs the same bounded readers the other detectors use.
"""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from provenance.classify import classify_file
from provenance.detectors import integrity
from provenance.files.formats import FormatProblem
from provenance.files.formats.tiff_file import walk_ifd_chain
from provenance.settings import Settings
from tests.detectors.builders_metadata import box, mp4_bytes, tiff_bytes, tiff_entry, write

SETTINGS = Settings(db="sqlite://")
ONLY_INTEGRITY = [integrity.DETECTOR]


def damage(path: Path) -> list[str]:
    _, result = classify_file(path, SETTINGS, detectors=ONLY_INTEGRITY)
    return [e.detail for e in result.evidence if e.kind == "damaged"]


def test_a_tiff_tag_claiming_gigabytes_is_damage(tmp_path: Path) -> None:
    icc = tiff_entry(0x8773, 7, 2_857_953_617, 64)  # exiftool: "Bad length ICC_Profile"
    path = write(tmp_path / "fuzzed.tif", tiff_bytes(tiff_entry(256, 3, 1, 8), icc))
    _, result = classify_file(path, SETTINGS)
    assert result.verdict == "unreadable"
    assert any("past the end of the file" in d for d in damage(path))


def test_a_tiff_tag_value_offset_past_the_end_is_damage(tmp_path: Path) -> None:
    tables = tiff_entry(347, 7, 64, 1_000_000)  # JPEGTables, out in nowhere
    assert damage(write(tmp_path / "fuzzed.tif", tiff_bytes(tables)))


def test_a_sound_tiff_has_no_damage(tmp_path: Path) -> None:
    stream = io.BytesIO()
    Image.new("RGB", (8, 8)).save(stream, "TIFF", description="a plate")
    assert damage(write(tmp_path / "plate.tif", stream.getvalue())) == []


@pytest.fixture(scope="module")
def png_file() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(stream, "PNG")
    return stream.getvalue()


def test_a_png_cut_anywhere_is_damage(png_file: bytes, tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    for cut in range(len(png_file) - 1, 8, -1):
        path.write_bytes(png_file[:cut])
        assert damage(path), f"cut at {cut} of {len(png_file)} bytes passed as sound"
    path.write_bytes(png_file)
    assert damage(path) == []


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_a_movie_without_its_moov_header_is_damage(tmp_path: Path, suffix: str) -> None:
    header = box(b"ftyp", b"qt  \x00\x00\x02\x00qt  ") + box(b"Udta", box(b"NCHD", b" " * 180))
    path = write(tmp_path / f"poc{suffix}", header)
    assert damage(path) == ["damaged: no 'moov' box: the movie's header is missing"]
    _, result = classify_file(path, SETTINGS)
    assert result.verdict == "unreadable"


def test_a_movie_with_its_header_is_not_damage(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mp4", mp4_bytes(box(b"moov", box(b"udta", b""))))
    assert damage(path) == []


def test_a_fuzzed_rw2_is_read_as_tiff_and_damaged(tmp_path: Path) -> None:
    entries = (tiff_entry(0x010F, 3, 1, 0x3030), tiff_entry(0x0130, 5, 48, 0x30303030))
    path = write(tmp_path / "poc.rw2", b"IIU" + tiff_bytes(*entries)[3:])
    _, result = classify_file(path, SETTINGS)
    assert result.verdict == "unreadable", result.evidence
    assert any("past the end" in d for d in damage(path))


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=8, max_size=600), st.sampled_from([b"II*\x00", b"MM\x00*", b"IIU\x00"]))
def test_walking_hostile_tiff_directories_is_bounded(body: bytes, magic: bytes) -> None:
    data = magic + body
    started = time.process_time()  # CPU: the work done, not the wait for a core
    try:
        chain = walk_ifd_chain(io.BytesIO(data), len(data))
    except FormatProblem:
        return
    assert time.process_time() - started < 1.0
    assert len(chain.problems) <= 2


def heif_with_item(infe: bytes, version: int = 0) -> bytes:
    """A HEIF whose ``meta`` holds an ``iinf`` item list with one item entry."""
    count = struct.pack(">H" if version == 0 else ">I", 1)
    item_list = box(b"iinf", bytes([version]) + b"\x00\x00\x00" + count + infe)
    handler = box(b"hdlr", b"\x00" * 8 + b"pict" + b"\x00" * 13)
    return box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + box(
        b"meta", b"\x00" * 4 + handler + item_list
    )


@pytest.mark.parametrize("version", [0, 1])
def test_a_heif_item_entry_claiming_gigabytes_is_damage(tmp_path: Path, version: int) -> None:
    infe = struct.pack(">I4s", 0x8000001F, b"infe") + b"\x02\x00\x00\x00\x00\x01\x00\x00Exif"
    path = write(tmp_path / "poc.heif", heif_with_item(infe, version))
    assert any("'infe'" in d and "impossible size" in d for d in damage(path))


def test_a_sound_heif_item_list_is_not_damage(tmp_path: Path) -> None:
    infe = box(b"infe", b"\x02\x00\x00\x00\x00\x01\x00\x00Exif\x00")
    assert damage(write(tmp_path / "a.heic", heif_with_item(infe))) == []
