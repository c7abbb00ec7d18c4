"""Hostile and broken inputs: every one ends in an error result, quickly, without a crash."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import provenance.likeness.fingerprint as fingerprint_module
from provenance.files.formats import dpx, exr
from provenance.likeness.fingerprint import fingerprint_file
from provenance.util.workpool import processes_available
from tests.support.failing import crash_fingerprinting
from tests.support.frame_writers import write_dpx, write_exr, write_tiff16
from tests.support.pictures import floats, needs_openexr, picture, save

Writer = Callable[[Path, NDArray[np.float32]], Path]
STATUSES = {"ok", "flat", "too_small", "unsupported", "unavailable", "undecodable", "error"}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, rows: int = 1) -> bytes:
    """A valid PNG header for a huge grey image, with a few rows of highly compressible data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = _deflated_zeros((width + 1) * rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _deflated_zeros(count: int, block: int = 1 << 24) -> bytes:
    """A zlib stream of ``count`` zero bytes (2 GB for a wide bomb), made by deflating one block.

    A compressor started afresh and flushed (``Z_FULL_FLUSH``) leaves byte-aligned deflate
    blocks that refer to nothing before them, so the whole stream is that block's bytes
    repeated, the remainder deflated on its own, and the Adler-32 of zeros, which is
    ``count`` modulo 65521 in its high half and 1 in its low.
    """
    zeros = bytes(min(count, block))
    whole = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = whole.compress(zeros) + whole.flush(zlib.Z_FULL_FLUSH)
    rest = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = rest.compress(zeros[: count % block]) + rest.flush()
    adler = struct.pack(">I", (count % 65521) << 16 | 1)
    return b"\x78\xda" + repeated * (count // block) + last + adler


@pytest.mark.parametrize(("count", "block"), [(0, 8), (5, 8), (8, 8), (77, 8), (70_000, 4096)])
def test_the_deflated_zeros_inflate_to_zeros(count: int, block: int) -> None:
    assert zlib.decompress(_deflated_zeros(count, block)) == bytes(count)


def jpeg_with_size(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims another size."""
    buf = io.BytesIO()
    picture(1, (64, 48)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def assert_refused(path: Path, *words: str) -> None:
    result = fingerprint_file(path)
    assert result.status == "undecodable", result  # the bytes decide it: stored, not retried
    assert result.fingerprint is None and result.reason is not None
    for word in words:
        assert word in result.reason, result.reason


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("bomb.png", partial(png_bomb, 100_000, 100_000)),
        ("wide.png", partial(png_bomb, 2_000_000_000, 1)),
        ("big.jpg", partial(jpeg_with_size, 65_000, 65_000)),
    ],
)
def test_absurd_dimensions_are_refused_from_the_header(
    name: str, build: Callable[[], bytes], tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(build())
    assert_refused(path, str(path))


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    """12,000 x 12,000 zero pixels in a file of a few kilobytes."""
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(12_000, 12_000, rows=12_000))
    assert path.stat().st_size < 1_000_000
    assert_refused(path, "decompression bomb guard")


def test_huge_tiff_header_is_refused(tmp_path: Path) -> None:
    path = write_tiff16(tmp_path / "t.tif", np.zeros((4, 4, 3), np.uint16))
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 8 + 2 + 8, 1_000_000)  # ImageWidth value
    struct.pack_into("<I", data, 8 + 2 + 12 + 8, 1_000_000)  # ImageLength value
    path.write_bytes(bytes(data))
    assert_refused(path)


def test_huge_dpx_header_is_refused(tmp_path: Path) -> None:
    path = write_dpx(tmp_path / "f.dpx", floats(picture(2, (40, 30))))
    data = bytearray(path.read_bytes())
    struct.pack_into(">II", data, 772, 200_000, 200_000)
    path.write_bytes(bytes(data))
    assert_refused(path, "decompression bomb guard")


@needs_openexr
def test_huge_exr_data_window_is_refused(tmp_path: Path) -> None:
    path = write_exr(tmp_path / "f.exr", floats(picture(3, (40, 30))))
    data = bytearray(path.read_bytes())
    at = data.index(b"dataWindow\x00box2i\x00") + len(b"dataWindow\x00box2i\x00") + 4
    struct.pack_into("<iiii", data, at, 0, 0, 199_999, 199_999)
    path.write_bytes(bytes(data))
    assert_refused(path)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "TIFF", "GIF", "BMP"])
@pytest.mark.parametrize("keep", [0.0, 0.1, 0.6])
def test_truncated_files_are_undecodable(fmt: str, keep: float, tmp_path: Path) -> None:
    whole = save(picture(4), tmp_path / "whole", fmt)
    data = whole.read_bytes()
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(data[: int(len(data) * keep)])
    assert fingerprint_file(cut).status == "undecodable"


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.9])
@pytest.mark.parametrize(
    "write", [write_dpx, pytest.param(write_exr, marks=needs_openexr)], ids=["dpx", "exr"]
)
def test_truncated_frames_are_undecodable(keep: float, write: Writer, tmp_path: Path) -> None:
    path = write(tmp_path / "frame", floats(picture(5)))
    data = path.read_bytes()
    path.write_bytes(data[: max(4, int(len(data) * keep))])
    assert fingerprint_file(path).status == "undecodable"


def test_unsupported_dpx_layouts_say_which(tmp_path: Path) -> None:
    path = write_dpx(tmp_path / "f.dpx", floats(picture(6, (40, 30))))
    data = bytearray(path.read_bytes())
    data[800] = 100  # descriptor: CbYCrY 4:2:2
    path.write_bytes(bytes(data))
    assert_refused(path, "descriptor 100")


@pytest.mark.parametrize("target", ["missing.png", "."])
def test_missing_files_and_folders_are_errors(target: str, tmp_path: Path) -> None:
    """The file system's failures say nothing of the content: ``error``, tried again."""
    assert fingerprint_file(tmp_path / target).status == "error"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("doc.eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64),
        ("take.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
    ],
)
def test_other_formats_are_unsupported_not_handed_to_pillow(
    name: str, data: bytes, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = fingerprint_file(path)
    assert result.status == "unsupported"
    assert result.reason is not None and "supported: PNG" in result.reason


def test_reader_magic_is_recognised() -> None:
    assert dpx.MAGIC_BE == b"SDPX" and exr.MAGIC == b"\x76\x2f\x31\x01"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    magic=st.sampled_from(
        [
            b"\x89PNG\r\n\x1a\n",
            b"\xff\xd8\xff\xe0",
            b"SDPX",
            b"XPDS",
            exr.MAGIC,
            b"II*\x00",
            b"GIF89a",
            b"RIFF",
        ]
    ),
    body=st.binary(max_size=3000),
)
def test_random_bytes_behind_a_real_magic_never_raise(
    magic: bytes, body: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "fuzz.bin"
    path.write_bytes(magic + body)
    assert fingerprint_file(path).status in STATUSES


@pytest.mark.skipif(not processes_available(), reason="the crash is injected into forked workers")
def test_a_decoder_crash_costs_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that kills a fingerprint worker is an error (tried again); the others go on."""
    paths = [save(picture(seed), tmp_path / f"p{seed}.png", "PNG") for seed in range(6)]
    crash_fingerprinting(monkeypatch, "p3.png")
    results = {Path(r.path).name: r for r in fingerprint_module.fingerprint_files(paths)}
    assert list(results) == [p.name for p in paths]
    assert results["p3.png"].status == "error"
    assert results["p3.png"].reason == fingerprint_module.DECODER_CRASHED
    assert all(r.ok for name, r in results.items() if name != "p3.png")
