"""ID3v2 tags in front of audio: what follows them is told, and walked from where it starts."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.files.formats import FormatProblem
from provenance.files.formats.flac import flac_start, read_flac
from provenance.files.formats.id3_lead import (
    MAX_PADDING,
    MAX_TAGS,
    StreamFrom,
    is_mpeg_sync,
    leading_id3,
    leading_id3_stream,
)
from provenance.files.media import read_facts
from tests.support import sound_files as sf


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def walk(data: bytes) -> tuple[str | None, list[str], list[str]]:
    found = leading_id3_stream(io.BytesIO(data), len(data))
    return found.follows, found.problems, found.limits


@pytest.mark.parametrize("footer", [False, True])
def test_a_flac_file_behind_an_id3_tag_is_flac(tmp_path: Path, footer: bool) -> None:
    path = write(tmp_path, "take.mp3", sf.flac_behind_id3(footer=footer))
    facts = read_facts(path, path.stat().st_size)
    assert (facts.format, facts.mime, facts.problem) == ("flac", "audio/flac", None)
    assert facts.duration == pytest.approx(3 * sf.BLOCK_SAMPLES / sf.RATE)


@pytest.mark.parametrize("footer", [False, True])
def test_the_flac_walk_starts_after_the_tag(tmp_path: Path, footer: bool) -> None:
    data = sf.flac_behind_id3(footer=footer)
    tag_length = len(data) - len(sf.flac_file(sf.GENERATOR_TAGS))
    path = write(tmp_path, "take.flac", data)
    found = read_flac(path)
    assert (found.problems, found.limits, found.block_types) == ([], [], [0, 4])
    assert flac_start(path) == tag_length
    assert found.audio_at == tag_length + len(sf.flac_metadata(sf.GENERATOR_TAGS, 3))


def test_damage_in_a_flac_file_behind_a_tag_is_still_found(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.flac", sf.id3_in_front_of(sf.flac_cut_mid_frame()))
    assert read_facts(path, path.stat().st_size).format == "flac"
    assert read_flac(path).problems == [
        "the last audio frame is cut short, or followed by bytes that are not FLAC"
    ]


@pytest.mark.parametrize("gap", [0, 100, MAX_PADDING])
def test_an_mp3_stays_an_mp3(tmp_path: Path, gap: int) -> None:
    """Zero bytes some taggers leave between the tag and the first frame are no damage."""
    path = write(tmp_path, "song.mp3", sf.mp3_behind_id3(gap=gap))
    assert read_facts(path, path.stat().st_size).format == "mp3"
    assert walk(path.read_bytes()) == ("mpeg", [], [])


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "past_end": (sf.id3_past_end, "past the end of the file"),
    "nested": (sf.id3_nested, "nothing follows the ID3 tag"),
    "garbage": (sf.id3_then_garbage, "bytes at 56, after the ID3 tag, are neither MPEG"),
    "flac_frames": (sf.id3_then_flac_frames, "are neither MPEG audio nor FLAC"),
    "zeros": (lambda: sf.id3_tag(sf.TAGGER_FRAME) + bytes(500), "only zero bytes follow"),
    "cut_header": (lambda: b"ID3\x04\x00", "ID3 tag header at 0 is cut short"),
    "not_a_header": (lambda: b"ID3\x04\x00\x00\x80\x00\x00\x00" + sf.flac_file(), "not a valid"),
    "too_many_zeros": (
        lambda: sf.mp3_behind_id3(gap=MAX_PADDING + 16),
        f"only zero bytes follow the ID3 tag at 56 (as far as {MAX_PADDING} bytes",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_tags_are_damage_and_no_format_is_guessed(tmp_path: Path, name: str) -> None:
    build, problem = HOSTILE[name]
    path = write(tmp_path, "x.flac", build())
    found = leading_id3(path)
    assert found.follows is None
    assert len(found.problems) == 1 and problem in found.problems[0], found.problems
    assert read_facts(path, path.stat().st_size).format == "mp3"  # as before: the ID3 tag's
    with pytest.raises(FormatProblem, match="the ID3 tag in front of the FLAC stream"):
        read_flac(path)


def test_tags_in_a_row_are_walked_to_a_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "x.flac", sf.id3_in_a_row(1000))
    found = leading_id3(path)
    assert (found.follows, found.problems, len(found.tags)) == (None, [], MAX_TAGS)
    assert found.limits == [
        f"more than {MAX_TAGS} ID3v2 tags in a row; what follows them was not read"
    ]


def test_a_few_tags_in_a_row_are_all_skipped(tmp_path: Path) -> None:
    data = sf.id3_tag(sf.TAGGER_FRAME) * (MAX_TAGS - 1) + sf.flac_behind_id3()
    path = write(tmp_path, "x.flac", data)
    assert (leading_id3(path).follows, len(leading_id3(path).tags)) == ("flac", MAX_TAGS)
    assert read_flac(path).problems == []


def test_flac_frame_sync_is_not_taken_for_mpeg() -> None:
    assert is_mpeg_sync(sf.mpeg_frames(1))
    assert is_mpeg_sync(b"\xff\xf1\x50\x80" + bytes(12))  # ADTS (AAC)
    assert not is_mpeg_sync(sf.flac_frame(0))
    assert not is_mpeg_sync(b"\xff\xeb\x90\x00")  # the reserved MPEG version


def test_a_file_without_a_tag_has_nothing_in_front() -> None:
    assert walk(sf.flac_file()) == (None, [], [])


def test_the_view_from_an_offset_reads_as_a_file() -> None:
    view = StreamFrom(io.BytesIO(b"0123456789"), 4)
    assert (view.read(2), view.tell()) == (b"45", 2)
    assert (view.seek(-1, 2), view.read()) == (5, b"9")
    assert (view.seek(1), view.seek(2, 1), view.read(1)) == (1, 3, b"7")
    with pytest.raises(OSError, match="before the stream's start"):
        view.seek(-7, 2)


@settings(max_examples=200, deadline=None)
@given(
    declared=st.one_of(st.integers(0, 400), st.integers(0, 2**28 - 1)),
    actual=st.integers(0, 300),
    footer=st.booleans(),
)
def test_any_tag_size_is_followed_only_to_a_flac_stream_it_fits(
    declared: int, actual: int, footer: bool
) -> None:
    """A size that is not the tag's own never reaches ``fLaC``, and never passes unremarked."""
    flags = 0x10 if footer else 0
    tail = sf.id3_header(actual, flags=flags, magic=b"3DI") if footer else b""
    data = sf.id3_header(declared, flags=flags) + bytes(actual) + tail + sf.flac_file()
    follows, problems, limits = walk(data)
    assert limits == []
    if declared == actual:
        assert (follows, problems) == ("flac", [])
    else:
        assert follows != "flac"
        assert follows == "mpeg" or len(problems) == 1
    if declared + 10 + len(tail) > len(data):
        assert problems and "past the end of the file" in problems[0]
