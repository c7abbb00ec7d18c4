"""Folding "provenance unknown" warnings: one line per sequence, then one per folder."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from provenance.audit.report import FileResult, Match, SequenceResult
from provenance.reports.folding import fold_unknown
from provenance.rules.policy import UNKNOWN_PROVENANCE

UNKNOWN = (UNKNOWN_PROVENANCE,)


def unknown(path: str) -> FileResult:
    return FileResult(path, "warn", UNKNOWN, "c" * 64, 10)


def test_frames_of_one_sequence_fold_into_one_line_in_fileseq_notation() -> None:
    frames = [unknown(f"plates/sh010.{n}.exr") for n in range(1001, 1097)]
    loose = [unknown("plates/notes.jpg"), unknown("plates/ref.png"), unknown("top.png")]
    blocked = FileResult("comp/gen.png", "block", ("generated",), "a" * 64, 1)
    folded = fold_unknown([blocked, *frames, *loose])
    assert folded.kept == [blocked]
    assert folded.lines == [
        "top folder: 1 file of unknown provenance (warn)",
        "plates/: 2 files of unknown provenance (warn)",
        "plates/sh010.1001-1096#.exr: 96 files of unknown provenance (warn)",
    ]


def test_a_blocked_frame_keeps_its_row_and_the_range_shows_the_gap() -> None:
    frames = [unknown(f"comp/sh020.{n}.png") for n in range(1001, 1011) if n != 1005]
    blocked = FileResult("comp/sh020.1005.png", "block", ("near match",), "a" * 64, 1,
                         Match("near", "b" * 64, 3))  # fmt: skip
    folded = fold_unknown([*frames, blocked])
    assert folded.kept == [blocked]
    assert folded.lines == [
        "comp/sh020.1001-1004,1006-1010#.png: 9 files of unknown provenance (warn)"
    ]


def test_a_warning_with_a_reason_of_its_own_is_not_folded() -> None:
    own = FileResult("plates/p.1002.exr", "warn", ("temporary",), "d" * 64, 1)
    folded = fold_unknown([unknown("plates/p.1001.exr"), own, unknown("plates/p.1003.exr")])
    assert folded.kept == [own]
    assert folded.lines == ["plates/p.1001,1003#.exr: 2 files of unknown provenance (warn)"]


names = st.from_regex(r"[a-c]{1,2}(/[a-c]{1,2})?(\.[0-9]{1,4})?\.(exr|png)", fullmatch=True)


@given(st.sets(names, max_size=30))
def test_every_folded_file_is_counted_once(paths: set[str]) -> None:
    folded = fold_unknown([unknown(p) for p in sorted(paths)])
    counts = [
        int(m.group(1)) for m in (re.search(r": (\d+) files?", line) for line in folded.lines) if m
    ]
    assert folded.kept == [] and sum(counts) == len(paths) and len(counts) == len(folded.lines)


def test_a_sequence_folded_whole_says_nothing_more_in_the_list_of_sequences() -> None:
    frames = [unknown(f"plates/p.{n}.exr") for n in (1001, 1002, 1003)]
    shot = [unknown("comp/s.1001.png"), FileResult("comp/s.1002.png", "block", ("x",), None, 1)]
    folded = fold_unknown([*frames, *shot])
    assert folded.sequences == {"plates/p.1001-1003#.exr"}
    plates = SequenceResult("plates/p.1001-1003#.exr", 3, "warn", ("3 frames warned: 1001, ...",))
    comp = SequenceResult("comp/s.1001-1002#.png", 2, "block", ("1 frame blocked: 1002",))
    passing = SequenceResult("comp/ok.1-2@.png", 2, "pass", ())
    assert folded.telling([plates, comp, passing]) == [comp]
