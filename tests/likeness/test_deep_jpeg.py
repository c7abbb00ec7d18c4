"""A valid 12-bit JPEG is fingerprinted (through PyAV), never called undecodable."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.files.formats import DecoderUnavailable
from provenance.likeness import deep_jpeg
from provenance.likeness.fingerprint import fingerprint_file
from provenance.likeness.frames import decode_luma
from tests.support import hostile_files as hostile


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    path = tmp_path / "deep.jpg"
    path.write_bytes(hostile.jpeg_12bit(6, 8))
    return path


def test_a_12_bit_jpeg_decodes_to_its_grey_levels(deep: Path) -> None:
    pytest.importorskip("av")
    frame = decode_luma(deep)
    assert (frame.width, frame.height, frame.format) == (64, 48, "JPEG")
    # Each 8x8 block holds one 12-bit level (see the builder): the first is 100 of 4095.
    assert frame.luma[0, 0] == pytest.approx(100 / 4095, abs=0.002)
    assert fingerprint_file(deep).status == "ok"


def test_without_pyav_it_is_unavailable_not_undecodable(
    deep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise DecoderUnavailable("decoding a 12-bit JPEG needs PyAV")

    monkeypatch.setattr(deep_jpeg, "_module", missing)
    result = fingerprint_file(deep)
    assert result.status == "unavailable" and "PyAV" in (result.reason or "")


def test_an_8_bit_jpeg_is_not_deep(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    path.write_bytes(hostile.jpeg_markers_past_segment_limit(comments=1))
    assert deep_jpeg.deep_frame_header(path) is None
