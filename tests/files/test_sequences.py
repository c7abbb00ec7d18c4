"""Frame grouping and sequence notation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provenance.files.sequences import expand_target, frames_sentence, group_frames


def test_frames_group_into_fileseq_notation() -> None:
    paths = [f"comp/shot010_comp_v003.{f}.exr" for f in range(1001, 1097)] + ["comp/notes.txt"]
    groups = {g.label: g for g in group_frames(paths)}
    sequence = groups["comp/shot010_comp_v003.1001-1096#.exr"]
    assert sequence.is_sequence and len(sequence.frames) == 96
    assert not groups["comp/notes.txt"].is_sequence


def test_sentence_lists_frames_with_a_verdict() -> None:
    [group] = group_frames([f"s.{f}.exr" for f in range(1001, 1021)])
    verdicts = {f"s.{f}.exr": "block" for f in (1017, 1018, 1019)}
    assert frames_sentence(group, verdicts, "block") == "3 frames blocked: 1017, 1018, 1019"
    assert frames_sentence(group, verdicts, "warn") is None


def test_expand_target() -> None:
    assert expand_target("shot.1001-1003#.exr") == [
        "shot.1001.exr",
        "shot.1002.exr",
        "shot.1003.exr",
    ]
    assert expand_target("plain.exr") == ["plain.exr"]


@given(st.sets(st.integers(1, 9999), min_size=1, max_size=40))
def test_grouping_keeps_every_path_once(frames: set[int]) -> None:
    paths = [f"shot.{f:04d}.exr" for f in frames]
    groups = group_frames(paths)
    assert sorted(p for g in groups for p in g.paths) == sorted(paths)
