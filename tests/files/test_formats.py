"""The bounded container walkers never fail on arbitrary bytes except with FormatProblem."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.files.formats import FormatProblem
from provenance.files.formats.jpeg import read_jpeg_stream
from provenance.files.formats.png import SIGNATURE, inflate, read_png_stream
from provenance.files.formats.riff import read_riff_stream


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + ctype
        + payload
        + struct.pack(">I", zlib.crc32(ctype + payload))
    )


MINIMAL_PNG = (
    SIGNATURE
    + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    + png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
    + png_chunk(b"tEXt", b"parameters\x00a prompt")
    + png_chunk(b"IEND", b"")
)


@settings(max_examples=300)
@given(st.binary(max_size=512))
def test_png_walker_on_noise(tail: bytes) -> None:
    with contextlib.suppress(FormatProblem):
        read_png_stream(io.BytesIO(SIGNATURE + tail))


@settings(max_examples=300)
@given(st.integers(0, len(MINIMAL_PNG)), st.binary(max_size=8), st.integers(0, len(MINIMAL_PNG)))
def test_png_walker_on_mutations(cut: int, junk: bytes, at: int) -> None:
    data = bytearray(MINIMAL_PNG[:cut] if cut > 8 else MINIMAL_PNG)
    data[at:at] = junk
    try:
        info = read_png_stream(io.BytesIO(bytes(data)))
    except FormatProblem:
        return
    assert isinstance(info.problems, list)


def test_png_text_after_idat_is_read() -> None:
    info = read_png_stream(io.BytesIO(MINIMAL_PNG))
    assert info.text("parameters") == "a prompt"
    assert info.has_alpha and (info.width, info.height) == (1, 1)


def test_zip_bomb_text_is_refused() -> None:
    bomb = zlib.compress(b"\x00" * (64 * 1024 * 1024))
    with pytest.raises(FormatProblem, match="expands past"):
        inflate(bomb)


def test_truncated_png_is_reported() -> None:
    info = read_png_stream(io.BytesIO(MINIMAL_PNG[:40]))
    assert any("truncated" in p for p in info.problems)


@settings(max_examples=300)
@given(st.binary(max_size=512))
def test_jpeg_walker_on_noise(tail: bytes) -> None:
    with contextlib.suppress(FormatProblem):
        read_jpeg_stream(io.BytesIO(b"\xff\xd8" + tail))


@settings(max_examples=300)
@given(
    st.sampled_from([b"WEBP", b"WAVE", b"AVI "]), st.binary(max_size=512), st.integers(0, 2**32 - 1)
)
def test_riff_walker_on_noise(form: bytes, tail: bytes, declared: int) -> None:
    data = b"RIFF" + struct.pack("<I", declared) + form + tail
    info = read_riff_stream(io.BytesIO(data), len(data))
    assert info.form == form.decode()


def test_riff_absurd_sizes_do_not_hang() -> None:
    chunk = (
        b"LIST" + struct.pack("<I", 2**32 - 1) + b"INFO" + b"ISFT" + struct.pack("<I", 2**31) + b"x"
    )
    data = b"RIFF" + struct.pack("<I", 2**32 - 1) + b"WAVE" + chunk
    info = read_riff_stream(io.BytesIO(data), len(data))
    assert info.problems
