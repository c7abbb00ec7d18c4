"""Where the generator detector's reader fails and it says nothing, another detector blocks.

``read_entries`` yields no entries when a container's reader raises. That
is safe only where the same failure is reported elsewhere: PNG, JPEG, WebP
and GIF readers raise only on a wrong signature, which the format was told
from, and the integrity detector runs the same readers; a HEIF item table
that does not parse fails the EXIF and XMP detectors, which read the same
items; a JPEG XL whose signature was damaged fails the EXIF detector. These
tests keep it so. (MP4 item lists and Matroska tags, seen by nothing else,
are said unread by the generator detector itself.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.classify import classify_file, unvouched_reason
from provenance.settings import Settings
from tests.detectors.builders_metadata import write
from tests.support import containers as build

SETTINGS = Settings(db="sqlite://")
XMP = build.xmp_packet({"prompt": json.dumps(build.GRAPH), "workflow": json.dumps(build.WORKFLOW)})
HEIF = build.heif_bytes(b"heic", [build.Item(2, b"mime", XMP, "application/rdf+xml")])
ILOC = HEIF.index(b"iloc") + 4  # version 1, flags, field sizes, count, then 16-byte entries
SECOND = ILOC + 4 + 2 + 2 + 16  # the XMP item's entry: id, method, base, extent count, extent


def _flip(data: bytes, at: int, bit: int) -> bytes:
    return data[:at] + bytes([data[at] ^ bit]) + data[at + 1 :]


def _blocks(path: Path) -> bool:
    """Whether the gate blocks the file for what it could not read (no graph was read)."""
    facts, result = classify_file(path, SETTINGS)
    assert result.verdict != "genai", "the damage missed: the graph was read"
    return unvouched_reason(facts, result) is not None


def test_the_clean_heif_is_comfyui(tmp_path: Path) -> None:
    assert classify_file(write(tmp_path / "a.heic", HEIF), SETTINGS)[1].tool == "comfyui"


@pytest.mark.parametrize(
    ("at", "bit"),
    [
        (ILOC + 6, 0x80),  # the item count
        (SECOND + 3, 0x02),  # the construction method
        (SECOND + 8, 0x10),  # the extent's offset: past the end
        (SECOND + 13, 0x10),  # the extent's length: past the end
    ],
)
def test_a_heif_item_table_that_does_not_parse_blocks(tmp_path: Path, at: int, bit: int) -> None:
    assert _blocks(write(tmp_path / "a.heic", _flip(HEIF, at, bit)))


def test_a_jpeg_xl_whose_signature_is_damaged_blocks(tmp_path: Path) -> None:
    data = build.jxl_bytes(xmp=XMP)
    assert _blocks(write(tmp_path / "a.jxl", _flip(data, 5, 0x01)))
