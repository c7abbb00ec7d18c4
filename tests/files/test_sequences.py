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


def labels(paths: list[str]) -> list[str]:
    """The groups' labels, in path order."""
    return [g.label for g in group_frames(paths)]


def test_numbered_files_are_not_frames() -> None:
    """``ref_0, ref_1, ref_2`` are three references, not a sequence, though fileseq reads one."""
    for names in (
        ["ref_0.png", "ref_1.png", "ref_2.png"],
        ["ref_01.png", "ref_02.png"],
        ["b_v2.png", "b_v3.png"],
        ["a-0001.png", "a-0002.png"],
    ):
        assert labels(names) == sorted(names)


def test_frames_after_a_dot_or_padded_group() -> None:
    assert labels([f"comp/shot_v001.{f:04d}.exr" for f in (1, 2, 3)]) == [
        "comp/shot_v001.0001-0003#.exr"
    ]
    assert labels([f"fx.{f}.exr" for f in (1, 2, 10)]) == ["fx.1-2,10@.exr"]  # Houdini's $F
    assert labels([f"render_{f:04d}.png" for f in (1, 2)]) == ["render_0001-0002#.png"]
    assert labels([f"{f:04d}.png" for f in (1, 2)]) == ["0001-0002#.png"]  # Blender's default


@given(
    st.sets(st.integers(0, 999), min_size=2, max_size=20),
    st.sampled_from(["ref_", "ref", "take-", "v"]),
)
def test_short_numbers_without_a_dot_are_lone_files(numbers: set[int], stem: str) -> None:
    paths = [f"{stem}{n}.png" for n in numbers]
    assert not any(g.is_sequence for g in group_frames(paths))


@given(st.sets(st.integers(0, 99999), min_size=2, max_size=20), st.sampled_from(["s.", "s_"]))
def test_padded_frames_always_group(frames: set[int], stem: str) -> None:
    [group] = group_frames([f"{stem}{f:05d}.exr" for f in frames])
    assert group.frames == tuple(sorted(frames))
