"""The EXIF IFD reader, UserComment decoding and the entries every matcher reads."""

from __future__ import annotations

import struct
import tomllib
from pathlib import Path

import pytest

from provenance.detectors.generators.a1111 import _VERSIONS
from provenance.detectors.generators.detector import read_entries
from provenance.detectors.generators.entries import Entries, add_exif, expand_json_containers
from provenance.detectors.registry import BUILTIN_DETECTORS
from provenance.files.formats import FormatProblem
from provenance.files.formats.png import read_png
from provenance.files.formats.tiff_ifd import (
    MAKE,
    USER_COMMENT,
    RawTag,
    decode_user_comment,
    read_tiff,
)
from provenance.tools import TOOLS
from tests.detectors.builders_generators import (
    UNDEFINED,
    ascii_tag,
    exif_block,
    jpeg_bytes,
    png_bytes,
    text_chunk,
    user_comment,
    webp_bytes,
)

TEXT = "a cat, テスト\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, Seed: 7"


@pytest.mark.parametrize("big_endian", [False, True])
def test_ifd0_and_exif_ifd_are_read_in_both_byte_orders(big_endian: bool) -> None:
    block = exif_block(
        {MAKE: ascii_tag("Canon")}, {USER_COMMENT: (UNDEFINED, user_comment("hi"))}, big_endian
    )
    tags = read_tiff(block)
    assert tags.big_endian is big_endian
    assert tags.ifd0[MAKE].data.rstrip(b"\x00") == b"Canon"
    assert USER_COMMENT in tags.exif


@pytest.mark.parametrize("encoding", ["be", "le", "bom", "ascii", "undefined"])
@pytest.mark.parametrize("big_endian", [False, True])
def test_user_comment_charsets_and_byte_orders(encoding: str, big_endian: bool) -> None:
    raw = RawTag(UNDEFINED, user_comment(TEXT, encoding))
    assert decode_user_comment(raw, big_endian) == TEXT


def test_user_comment_in_cjk_falls_back_to_the_block_byte_order() -> None:
    text = "初音ミク"
    raw = RawTag(UNDEFINED, b"UNICODE\x00" + text.encode("utf-16-le"))
    assert decode_user_comment(raw, big_endian=False) == text


def test_user_comment_as_ascii_type_is_plain_text() -> None:
    assert decode_user_comment(RawTag(2, b'{"a": 1}\x00'), False) == '{"a": 1}'


def test_exif_prefix_is_skipped_and_garbage_refused() -> None:
    assert read_tiff(b"Exif\x00\x00" + exif_block({MAKE: ascii_tag("x")})).ifd0
    with pytest.raises(FormatProblem):
        read_tiff(b"not a tiff block")


def test_offsets_outside_the_block_are_ignored() -> None:
    block = bytearray(exif_block({MAKE: ascii_tag("a long make value")}))
    struct.pack_into("<I", block, 8 + 2 + 8, 10**9)  # value offset of the only entry
    tags = read_tiff(bytes(block))
    assert MAKE not in tags.ifd0


def test_absurd_entry_counts_are_capped() -> None:
    block = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 65535)
    tags = read_tiff(block)
    assert tags.ifd0 == {}
    assert tags.problems


def test_prefixed_make_and_model_become_entries() -> None:
    entries = Entries()
    block = exif_block({0x0110: ascii_tag('prompt:{"1": {}}'), MAKE: ascii_tag("workflow:[1]")})
    add_exif(entries, block, "WebP EXIF")
    assert entries.text("prompt") == '{"1": {}}'
    assert entries.text("workflow") == "[1]"
    assert entries.text("Model") == 'prompt:{"1": {}}'


def test_ordinary_make_is_not_unfolded() -> None:
    entries = Entries()
    add_exif(entries, exif_block({MAKE: ascii_tag("NIKON CORPORATION")}), "JPEG EXIF")
    assert [e.key for e in entries.items] == ["Make"]


def test_comment_json_of_png_keywords_is_unfolded() -> None:
    entries = Entries()
    entries.add("UserComment", '{"Comment": "{}", "Software": "NovelAI", "n": 1}', "x")
    expand_json_containers(entries)
    assert entries.text("Software") == "NovelAI"
    assert entries.text("n") == "1"


def test_png_text_everywhere_is_read(tmp_path: Path) -> None:
    before = [text_chunk("a", "tEXt"), text_chunk("b", "zTXt", "zTXt")]
    after = [text_chunk("c", "iTXt ü", "iTXt"), text_chunk("d", "iTXt-z ü", "iTXt-z")]
    path = tmp_path / "t.png"
    path.write_bytes(png_bytes(before=before, after=after))
    entries = read_entries(path, "png")
    assert [entries.text(k) for k in "abcd"] == ["tEXt", "zTXt", "iTXt ü", "iTXt-z ü"]


def test_utf8_bytes_in_text_are_repaired(tmp_path: Path) -> None:
    path = tmp_path / "t.png"
    raw = "テスト".encode().decode("latin-1")
    path.write_bytes(png_bytes(before=[text_chunk("prompt", raw)]))
    assert read_entries(path, "png").text("prompt") == "テスト"


def test_png_idat_spans_and_interlace_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "t.png"
    path.write_bytes(png_bytes())
    info = read_png(path)
    assert info.idat and info.interlace == 0
    offset, length = info.idat[0]
    assert 0 < offset < path.stat().st_size and length > 0


def test_jpeg_entries_cover_exif_xmp_and_comments(tmp_path: Path) -> None:
    block = exif_block({}, {USER_COMMENT: (UNDEFINED, user_comment("uc", "le"))})
    path = tmp_path / "t.jpg"
    path.write_bytes(jpeg_bytes(exif=block, comments=[b"hello"], xmp=b"<x:xmpmeta/>"))
    entries = read_entries(path, "jpeg")
    assert entries.text("UserComment") == "uc"
    assert entries.text("Comment") == "hello"
    assert entries.text("XMP") == "<x:xmpmeta/>"


def test_webp_entries_cover_exif_and_xmp(tmp_path: Path) -> None:
    path = tmp_path / "t.webp"
    path.write_bytes(webp_bytes(exif=exif_block({MAKE: ascii_tag("m")}), xmp=b"<x/>"))
    entries = read_entries(path, "webp")
    assert entries.text("Make") == "m"
    assert entries.text("XMP") == "<x/>"


def test_other_formats_and_broken_files_give_no_entries(tmp_path: Path) -> None:
    path = tmp_path / "t.png"
    path.write_bytes(b"not a png at all")
    assert not read_entries(path, "png")
    assert not read_entries(path, "tiff")


def test_detectors_are_registered_alike_in_pyproject_and_registry() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"]["provenance.detectors"]
    for name in ("generator_metadata", "generator_stealth"):
        assert declared[name] == BUILTIN_DETECTORS[name]
    assert "png_parameters" not in declared
    assert "png_parameters" not in BUILTIN_DETECTORS


def test_every_tool_the_matchers_name_is_canonical() -> None:
    named = {tool for _, tool in _VERSIONS} | {
        "automatic1111",
        "sdnext",
        "civitai",
        "comfyui",
        "invokeai",
        "novelai",
        "fooocus",
        "ruined-fooocus",
        "swarmui",
        "tensorart",
        "stability-matrix",
        "easy-diffusion",
        "huggingface-space",
        "midjourney",
        "drawthings",
        "unknown-genai",
    }
    assert named <= set(TOOLS)
