"""The media facts of JPEG and PNG come from the bounded walks, and fail closed where Pillow did.

A decoder refuses some headers before reading a pixel (a bad checksum, a
reserved marker, an impossible bit depth). The walks record those as faults
and the media facts call the file unreadable, without opening it with Pillow.
The property tests flip bytes of a real header: whenever Pillow refuses the
result, the classification must be ``unreadable`` (or a marker settled it).
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from provenance.classify import classify_file
from provenance.files import media
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.support.hostile_files import jpeg_12bit, jpeg_segment, png_chunk, png_with


def _png_bytes(text: str = "") -> bytes:
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((24, 16)).convert("RGB").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def _jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((24, 16)).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def _facts(tmp_path: Path, name: str, data: bytes) -> media.MediaFacts:
    path = tmp_path / name
    path.write_bytes(data)
    return read_facts(path, len(data))


def _verdict(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return classify_file(path, Settings())[1].verdict


def test_sound_pictures_are_measured_without_pillow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("Pillow opened a JPEG or PNG for its facts")

    monkeypatch.setattr(Image, "open", refuse)
    for name, data in (("a.png", _png_bytes("hello")), ("a.jpg", _jpeg_bytes())):
        facts = _facts(tmp_path, name, data)
        assert (facts.width, facts.height, facts.problem) == (24, 16, None)
    deep = _facts(tmp_path, "deep.jpg", jpeg_12bit())
    assert deep.readable and deep.width == 80 and deep.height == 64


def test_a_bad_checksum_before_the_image_data_is_unreadable(tmp_path: Path) -> None:
    data = bytearray(png_with(png_chunk(b"tEXt", b"Comment\x00hi")))
    at = data.index(b"tEXt") + 4 + len(b"Comment\x00hi")  # the chunk's CRC
    data[at] ^= 0xFF
    facts = _facts(tmp_path, "crc.png", bytes(data))
    assert facts.problem and "bad checksum in the tEXt chunk" in facts.problem
    assert _verdict(tmp_path, "crc.png", bytes(data)) == "unreadable"


def test_a_bad_checksum_after_the_image_data_is_no_fault(tmp_path: Path) -> None:
    # Decoders check the chunks they read when opening: those before the image data.
    data = bytearray(png_with(after_idat=png_chunk(b"tEXt", b"Comment\x00hi")))
    at = data.rindex(b"tEXt") + 4 + len(b"Comment\x00hi")
    data[at] ^= 0xFF
    facts = _facts(tmp_path, "late.png", bytes(data))
    assert facts.readable and facts.width == 48
    assert _verdict(tmp_path, "late.png", bytes(data)) == "unknown"


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        (png_chunk(b"pHYs", b"\x00" * 5), "pHYs chunk of 5 bytes"),
        (png_chunk(b"gAMA", b"\x00"), "gAMA chunk of 1 bytes"),
        (png_chunk(b"a-b!", b""), "chunk named b'a-b!' before the image data"),
    ],
)
def test_header_chunks_a_decoder_refuses_are_faults(
    tmp_path: Path, chunk: bytes, expected: str
) -> None:
    facts = _facts(tmp_path, "bad.png", png_with(chunk))
    assert facts.problem == f"cannot parse png header: {expected}"


@pytest.mark.parametrize(
    ("depth", "colour", "width", "expected"),
    [
        (3, 2, 8, "bit depth 3 with colour type 2"),
        (8, 5, 8, "bit depth 8 with colour type 5"),
        (8, 2, 0, "image of 0x8 pixels"),
    ],
)
def test_an_impossible_ihdr_is_a_fault(
    tmp_path: Path, depth: int, colour: int, width: int, expected: str
) -> None:
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, 8, depth, colour, 0, 0, 0))
    data = b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", b"") + png_chunk(b"IEND", b"")
    assert _facts(tmp_path, "ihdr.png", data).problem == f"cannot parse png header: {expected}"


def _with_frame(data: bytes, precision: int, components: int) -> bytes:
    at = data.index(b"\xff\xc0") + 4
    return (
        data[:at]
        + bytes([precision])
        + data[at + 1 : at + 5]
        + bytes([components])
        + data[at + 6 :]
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d[:2] + b"\xff\x02" + d[2:], "reserved marker 0x02 in the header"),
        (lambda d: d[:2] + jpeg_segment(0xDB, b"\x00" + b"\x01" * 10) + d[2:], "quantisation"),
        (lambda d: _with_frame(d, 8, 2), "cannot handle 2-component images"),
        (lambda d: _with_frame(d, 7, 3), "cannot handle 7-bit samples"),
        (lambda d: d.replace(b"\xff\xc0", b"\xff\xfe", 1), "no frame header before the image"),
    ],
)
def test_jpeg_headers_a_decoder_refuses_are_faults(
    tmp_path: Path, change: object, expected: str
) -> None:
    data = change(_jpeg_bytes())  # type: ignore[operator]
    facts = _facts(tmp_path, "bad.jpg", data)
    assert facts.problem and facts.problem.startswith(f"cannot parse jpeg header: {expected}")
    assert _verdict(tmp_path, "bad.jpg", data) == "unreadable"


def test_a_header_declaring_too_many_pixels_is_unreadable(tmp_path: Path) -> None:
    side = 20_000  # 400 million pixels: past Pillow's limit
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
    data = b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", b"") + png_chunk(b"IEND", b"")
    facts = _facts(tmp_path, "huge.png", data)
    assert facts.problem and facts.problem.startswith("image too large to decode safely")


def _pillow_refuses(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.size  # noqa: B018 - opening is the check
    except Exception:
        return True
    return False


_HEADER_FLIPS = st.lists(
    st.tuples(st.integers(0, 400), st.integers(1, 255)), min_size=1, max_size=3
)


def _flipped(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for at, mask in flips:
        out[at % len(out)] ^= mask
    return bytes(out)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flips=_HEADER_FLIPS, kind=st.sampled_from(["png", "jpg"]))
def test_what_pillow_refuses_is_unreadable(
    tmp_path: Path, flips: list[tuple[int, int]], kind: str
) -> None:
    data = _flipped(_png_bytes("a comment") if kind == "png" else _jpeg_bytes(), flips)
    if _pillow_refuses(data):
        assert _verdict(tmp_path, f"flipped.{kind}", data) in ("unreadable", "genai")
