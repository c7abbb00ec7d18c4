"""Damaged FLAC and Ogg sound: a recorder's tag read before the damage does not vouch for the file.

Each file names a field recorder in its tags, so the classification is
``not_genai``; what the damage hides (bytes where audio should start, a
stream cut short) is not seen, so the gate may not pass it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mutagen
import pytest

from provenance.classify import classify_file, unvouched_reason
from provenance.files.formats import flac, ogg
from provenance.settings import Settings
from tests.support import sound_files as sf

SETTINGS = Settings(db="sqlite://")
DAMAGED: dict[str, Callable[[], bytes]] = {
    "cut.flac": sf.flac_cut_mid_frame,
    "hiding.flac": sf.flac_garbage_after_metadata,
    "trailing.flac": sf.flac_garbage_after_audio,
    "overlong.flac": sf.flac_block_past_end,
    "silent.flac": sf.flac_without_audio,
    "cut.ogg": sf.ogg_cut_mid_page,
    "hiding.ogg": sf.ogg_garbage_after_headers,
    "overlong.ogg": sf.ogg_page_past_end,
    "gap.ogg": sf.ogg_missing_page,
    "flipped.ogg": sf.ogg_flipped_comment,
}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["take.flac", "take.ogg"])
def test_a_sound_recording_is_vouched_for(tmp_path: Path, name: str) -> None:
    build = sf.flac_file if name.endswith(".flac") else sf.ogg_file
    facts, result = classify_file(write(tmp_path, name, build()), SETTINGS)
    assert (result.verdict, result.tool) == ("not_genai", "field-recorder")
    assert unvouched_reason(facts, result) is None
    assert facts.duration is not None


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_damaged_sound_is_not_vouched_for(tmp_path: Path, name: str) -> None:
    facts, result = classify_file(write(tmp_path, name, DAMAGED[name]()), SETTINGS)
    reason = unvouched_reason(facts, result)
    assert reason is not None and reason.startswith("damaged: "), (result.verdict, reason)


def test_damaged_sound_without_a_marker_is_unreadable(tmp_path: Path) -> None:
    data = sf.flac_cut_mid_frame(tags=())
    _, result = classify_file(write(tmp_path, "cut.flac", data), SETTINGS)
    assert result.verdict == "unreadable"


def test_a_generator_tag_before_the_damage_still_counts(tmp_path: Path) -> None:
    data = sf.ogg_cut_mid_page(tags=sf.GENERATOR_TAGS)
    _, result = classify_file(write(tmp_path, "cut.ogg", data), SETTINGS)
    assert (result.verdict, result.tool) == ("genai", "elevenlabs")


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("mutagen was asked about a file the walk gave up on")


def test_flac_past_the_block_limit_is_not_read_by_mutagen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mutagen walks every block: four million empty ones took it 16 s."""
    path = write(tmp_path, "many.flac", sf.flac_many_blocks(flac.MAX_BLOCKS + 1))
    monkeypatch.setattr(mutagen, "File", _refuse)
    facts, result = classify_file(path, SETTINGS)
    assert result.verdict == "unreadable"
    assert unvouched_reason(facts, result) == (
        f"not fully read: more than {flac.MAX_BLOCKS} FLAC metadata blocks; the rest was not read"
    )
    assert not any(e.kind == "detector-failed" for e in result.evidence)


def test_ogg_headers_past_the_limit_are_not_read_by_mutagen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "huge.ogg", sf.ogg_huge_headers())
    monkeypatch.setattr(ogg, "MAX_HEADER_BYTES", 64 * 1024)
    monkeypatch.setattr(mutagen, "File", _refuse)
    facts, result = classify_file(path, SETTINGS)
    assert result.verdict == "unreadable"
    reason = unvouched_reason(facts, result)
    assert reason is not None and "Ogg stream headers larger than" in reason
    assert not any(e.kind == "detector-failed" for e in result.evidence)
