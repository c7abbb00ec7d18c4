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


# -- behind an ID3v2 tag ----------------------------------------------------------------


def test_a_generator_comment_behind_an_id3_tag_is_read(tmp_path: Path) -> None:
    """Taken for an MP3 by its ``ID3``, the FLAC file's comments used to go unread."""
    path = write(tmp_path, "gen.flac", sf.flac_behind_id3(sf.GENERATOR_TAGS, footer=True))
    facts, result = classify_file(path, SETTINGS)
    assert (facts.format, result.verdict, result.tool) == ("flac", "genai", "elevenlabs")
    assert unvouched_reason(facts, result) is None


def test_a_recording_behind_an_id3_tag_is_vouched_for(tmp_path: Path) -> None:
    facts, result = classify_file(
        write(tmp_path, "take.flac", sf.flac_behind_id3(sf.RECORDER_TAGS)), SETTINGS
    )
    assert (result.verdict, result.tool) == ("not_genai", "field-recorder")
    assert unvouched_reason(facts, result) is None


def test_the_id3_tag_in_front_of_a_flac_file_is_read_too(tmp_path: Path) -> None:
    frame = sf.id3_txxx("comment", "Made with Suno v4")
    path = write(tmp_path, "song.flac", sf.flac_behind_id3(sf.RECORDER_TAGS, frame=frame))
    _, result = classify_file(path, SETTINGS)
    found = [e for e in result.evidence if e.kind == "audio-generator"]
    assert [e.fields["field"] for e in found] == ["ID3 TXXX"]
    assert found[0].tool == "suno"


def test_every_tag_in_front_of_an_mp3_is_read(tmp_path: Path) -> None:
    second = sf.id3_tag(sf.id3_txxx("comment", "Made with Suno v4"))
    path = write(tmp_path, "song.mp3", sf.id3_tag(sf.TAGGER_FRAME) + second + sf.mpeg_frames())
    facts, result = classify_file(path, SETTINGS)
    assert (facts.format, result.verdict, result.tool) == ("mp3", "genai", "suno")


ID3_HOSTILE: dict[str, Callable[[], bytes]] = {
    "past_end.flac": sf.id3_past_end,
    "in_a_row.flac": sf.id3_in_a_row,
    "nested.flac": sf.id3_nested,
    "garbage.flac": sf.id3_then_garbage,
    "swallowed.flac": sf.id3_then_flac_frames,
    "cut.flac": lambda: sf.id3_in_front_of(sf.flac_cut_mid_frame(sf.GENERATOR_TAGS[1:])),
    "hiding.flac": lambda: sf.id3_in_front_of(sf.flac_garbage_after_metadata(())),
}


@pytest.mark.parametrize("name", sorted(ID3_HOSTILE))
def test_hostile_tags_in_front_fail_closed(tmp_path: Path, name: str) -> None:
    """Each hides a generator's comment (or nothing) where no reader looked: never a pass."""
    facts, result = classify_file(write(tmp_path, name, ID3_HOSTILE[name]()), SETTINGS)
    assert result.verdict == "unreadable", [e.detail for e in result.evidence]
    reason = unvouched_reason(facts, result)
    assert reason is not None and reason.startswith(("damaged: ", "not fully read: "))
    assert not any(e.kind == "detector-failed" for e in result.evidence)


def test_an_mp3_behind_its_tag_is_no_damage(tmp_path: Path) -> None:
    facts, result = classify_file(write(tmp_path, "song.mp3", sf.mp3_behind_id3(gap=32)), SETTINGS)
    assert (facts.format, result.verdict, unvouched_reason(facts, result)) == (
        "mp3",
        "unknown",
        None,
    )
