"""Matroska/WebM tags the walk could not read block; a live recording's unknown sizes do not.

ComfyUI's VideoHelperSuite writes its graph into a WebM's ``Tags`` element
(a ``COMMENT`` simple tag). No integrity check walks Matroska, and the
generator detector dropped what its tag reader reported: a ``Tags`` element
whose size was damaged, a cluster whose size swallowed the ``Tags`` after
it, an EBML header whose size hid the ``Segment``, 256 decoy tags before
the graph -- each passed as ``unknown`` with nothing to say why. Each file
is built here from a clean generated one and damaged by the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.classify import classify_file, unvouched_reason
from provenance.detectors.base import MARKERS_UNREAD
from provenance.files.formats import ebml
from provenance.files.formats.ebml import MAX_TAGS, read_matroska_tags
from provenance.settings import Settings
from tests.detectors.builders_metadata import write
from tests.support import containers as build
from tests.support import live_matroska as live

SETTINGS = Settings(db="sqlite://")
TAGS_ID = bytes.fromhex("1254C367")
CLUSTER_ID = bytes.fromhex("1F43B675")
SIMPLE_TAG_ID = bytes.fromhex("67C8")
SIZE_LOW_BYTE = 7  # sizes are written in 8 bytes (build.ebml_element): 0x01 then 7 bytes


def _webm(*, tags_last: bool = True) -> bytes:
    return build.matroska_bytes([("COMMENT", build.vhs_comment())], tags_last=tags_last)


def _size_flipped(data: bytes, element_id: bytes, flip: int, at: int = SIZE_LOW_BYTE) -> bytes:
    """``data`` with a bit of the size of its first element ``element_id`` changed."""
    where = data.index(element_id) + len(element_id) + at
    return data[:where] + bytes([data[where] ^ flip]) + data[where + 1 :]


def _reason(path: Path) -> str | None:
    facts, result = classify_file(path, SETTINGS)
    assert result.verdict != "genai"  # the graph was not read: what was, says why
    return unvouched_reason(facts, result)


def _unread(path: Path) -> list[str]:
    _facts, result = classify_file(path, SETTINGS)
    return [e.detail for e in result.evidence if e.kind == MARKERS_UNREAD]


def test_the_clean_file_is_comfyui(tmp_path: Path) -> None:
    path = write(tmp_path / "a.webm", _webm())
    assert classify_file(path, SETTINGS)[1].tool == "comfyui"


@pytest.mark.parametrize("flip", [0x01, 0x40, 0x80])
def test_a_tags_element_whose_size_is_damaged_blocks(tmp_path: Path, flip: int) -> None:
    path = write(tmp_path / "a.webm", _size_flipped(_webm(), TAGS_ID, flip))
    reason = _reason(path)
    assert reason is not None and "Matroska" in reason and "Tags" in reason


def test_a_simple_tag_whose_size_is_damaged_blocks(tmp_path: Path) -> None:
    path = write(tmp_path / "a.webm", _size_flipped(_webm(), SIMPLE_TAG_ID, 0x01))
    assert any("Tags" in text for text in _unread(path))


@pytest.mark.parametrize("flip", [0x01, 0x80])
def test_a_cluster_whose_size_swallows_the_tags_after_it_blocks(tmp_path: Path, flip: int) -> None:
    path = write(tmp_path / "a.webm", _size_flipped(_webm(tags_last=True), CLUSTER_ID, flip))
    assert _reason(path) is not None


@pytest.mark.parametrize("flip", [0x01, 0x80])
def test_an_ebml_header_whose_size_hides_the_segment_blocks(tmp_path: Path, flip: int) -> None:
    path = write(tmp_path / "a.webm", _size_flipped(_webm(), b"\x1a\x45\xdf\xa3", flip))
    reason = _reason(path)
    assert reason is not None and "Matroska" in reason


def test_a_graph_behind_decoy_tags_blocks(tmp_path: Path) -> None:
    decoys = [(f"DECOY{n}", "x") for n in range(MAX_TAGS)]
    data = build.matroska_bytes([*decoys, ("COMMENT", build.vhs_comment())])
    path = write(tmp_path / "a.webm", data)
    assert any(f"more than {MAX_TAGS}" in text for text in _unread(path))


@pytest.mark.parametrize("tags_last", [False, True])
def test_a_live_recordings_cluster_of_unknown_size_is_no_damage(
    tmp_path: Path, tags_last: bool
) -> None:
    """A cluster of unknown size (a browser's MediaRecorder) is walked through, tags either side."""
    data = _webm(tags_last=tags_last)
    cluster = data.index(CLUSTER_ID)
    unknown = data[: cluster + 4] + b"\x01" + b"\xff" * 7 + data[cluster + 12 :]
    path = write(tmp_path / "a.webm", unknown)
    found = read_matroska_tags(path)
    assert not found.problems and not found.limits
    assert classify_file(path, SETTINGS)[1].tool == "comfyui"


def test_an_ebml_header_that_does_not_parse_blocks(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv", b"\x1a\x45\xdf\xa3\x00" + bytes(64))
    assert any("header" in text for text in _unread(path))


@pytest.mark.parametrize("name", ["a.webm", "a.mkv"])
def test_a_file_whose_signature_is_damaged_blocks(tmp_path: Path, name: str) -> None:
    """Told from its name, not its first bytes: the tags of a Matroska file all the same."""
    data = _webm()
    path = write(tmp_path / name, b"\x1b" + data[1:])
    assert any("header" in text for text in _unread(path))


# Live recordings: clusters of unknown size are walked through to the tags after them


def test_a_graph_after_clusters_of_unknown_size_is_comfyui(tmp_path: Path) -> None:
    data = live.live_recording([("COMMENT", build.vhs_comment())], clusters=5, blocks=60)
    _facts, result = classify_file(write(tmp_path / "a.webm", data), SETTINGS)
    assert result.verdict == "genai" and result.tool == "comfyui"


def test_a_live_recording_without_tags_passes_as_before(tmp_path: Path) -> None:
    path = write(tmp_path / "a.webm", live.live_recording(None, clusters=5, blocks=60))
    assert _unread(path) == []
    assert classify_file(path, SETTINGS)[1].verdict != "genai"


def test_a_block_cut_short_in_a_cluster_of_unknown_size_blocks(tmp_path: Path) -> None:
    data = live.live_recording([("COMMENT", build.vhs_comment())], clusters=2, blocks=10)
    cut = data[: data.index(TAGS_ID)] + live.simple_block(frame=b"\x00" * 500)[:40]
    path = write(tmp_path / "a.webm", cut)
    assert any("past the end" in text for text in _unread(path))


def test_the_element_budget_spent_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ebml, "MAX_BLOCKS", 100)
    data = live.live_recording([("COMMENT", build.vhs_comment())], clusters=3, blocks=60)
    path = write(tmp_path / "a.webm", data)
    assert _reason(path) is not None
    assert any("more than 100 Matroska block headers" in text for text in _unread(path))
