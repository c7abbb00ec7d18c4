"""Nothing silent: a reader's limit or a damaged container is evidence, and the file is unreadable.

Each hostile input of issue 14 that is a single file is built by
:mod:`tests.support.hostile_files` and classified whole.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from provenance.classify import classify_file, decide, unreadable_reason
from provenance.detectors.base import damage_evidence, unread_evidence
from provenance.evidence import Evidence
from provenance.files.formats import png
from provenance.files.media import MediaFacts, read_facts
from provenance.settings import Settings
from tests.support import hostile_files as hostile

FACTS = MediaFacts(size=10, kind="image", mime="image/jpeg", format="jpeg")
CAMERA = Evidence("exif", "camera-exif", "EXIF names the camera", "not_genai", "camera", "strong")
GENERATOR = Evidence("xmp", "digital-source-type", "IPTC", "genai", "adobe-firefly", "strong")


SETTINGS = Settings(db="sqlite://")
# Inputs whose cost is in the C2PA SDK's own walk: built smaller, against a lowered limit.
SMALLER: dict[str, hostile.Builder] = {
    "a1111_past_chunk_limit.png": lambda: hostile.png_markers_past_chunk_limit(2000),
    "png_many_idat_chunks.png": lambda: hostile.png_many_data_chunks(2000),
}


@pytest.fixture
def few_png_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png, "MAX_CHUNKS", 1000)
    monkeypatch.setattr(png, "MAX_DATA_CHUNKS", 1000)


@pytest.mark.usefixtures("few_png_chunks")
@pytest.mark.parametrize("case", hostile.HOSTILE, ids=lambda h: h.name)
def test_every_hostile_input_gets_its_verdict(case: hostile.Hostile, tmp_path: Path) -> None:
    path = tmp_path / case.name
    path.write_bytes(SMALLER.get(case.name, case.build)())
    _, result = classify_file(path, SETTINGS)
    assert result.verdict == case.verdict, result.evidence
    if case.verdict == "unreadable":
        reason = unreadable_reason(result)
        assert reason and reason.startswith(("not fully read:", "damaged:", "cannot parse"))


@pytest.mark.usefixtures("few_png_chunks")
def test_markers_past_a_limit_are_not_fully_read(tmp_path: Path) -> None:
    path = tmp_path / "a1111.png"
    path.write_bytes(hostile.png_markers_past_chunk_limit(1000))
    _, result = classify_file(path, SETTINGS)
    kinds = {(e.detector, e.kind) for e in result.evidence}
    assert ("integrity", "not-fully-read") in kinds
    assert unreadable_reason(result) == (
        "not fully read: more than 1000 PNG chunks; the rest was not read"
    )


@pytest.mark.usefixtures("few_png_chunks")
def test_a_marker_before_the_limit_still_counts(tmp_path: Path) -> None:
    data = hostile.png_with(
        hostile.png_chunk(b"tEXt", b"parameters\x00" + hostile.A1111_PARAMETERS.encode())
        + hostile.png_chunk(b"pvTz", b"") * 2000
    )
    path = tmp_path / "a1111_first.png"
    path.write_bytes(data)
    _, result = classify_file(path, SETTINGS)
    assert (result.verdict, result.tool) == ("genai", "automatic1111")


def test_a_camera_does_not_vouch_for_what_was_not_read() -> None:
    limit = unread_evidence("integrity", "more than 4096 JPEG segments")
    assert decide(FACTS, [CAMERA, limit]).verdict == "unreadable"


def test_damage_hides_no_marker_so_a_camera_still_settles_it() -> None:
    damage = damage_evidence("integrity", "RIFF size runs past the end of the file")
    assert decide(FACTS, [CAMERA, damage]).verdict == "not_genai"
    assert decide(FACTS, [damage]).verdict == "unreadable"


def test_a_generator_marker_outweighs_both() -> None:
    found = [GENERATOR, unread_evidence("i", "limit"), damage_evidence("i", "cut")]
    assert decide(FACTS, found).verdict == "genai"


def test_an_id3_bomb_is_never_inflated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.mp3"
    path.write_bytes(hostile.mp3_id3_bomb(frames=16, expands_to=16 * 1024 * 1024))  # 256 MB
    tracemalloc.start()
    try:
        facts = read_facts(path, path.stat().st_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024
    assert facts.duration is not None and facts.duration > 0


def test_a_12_bit_jpeg_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "deep.jpg"
    path.write_bytes(hostile.jpeg_12bit(6, 9))
    facts, result = classify_file(path, SETTINGS)
    assert (facts.width, facts.height, facts.problem) == (72, 48, None)
    assert result.verdict == "unknown"
