"""Folding the warnings that say only "provenance unknown", so blocked files stand out.

A package of 200 plates with no camera metadata would list 200 identical
warnings around the two files that block. The terminal and Markdown views
keep a row for every file that blocks or warns for a reason of their own, and
fold the rest: the frames of one image sequence into one line in fileseq
notation (``plates/sh010.1001-1096#.exr: 96 files of unknown provenance``),
and the remaining files into one line per folder (``plates/: 3 files of
unknown provenance``). A sequence with a blocked frame keeps that frame's row
and folds the others, its range showing the gap (``1001-1016,1018-1096#``).
A sequence folded whole says nothing more in the report's list of sequences
(its "96 frames warned: 1001, 1002, ..." would repeat the folded line).
JSON, JUnit, SARIF and HTML keep every file.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from provenance.audit.report import FileResult, SequenceResult
from provenance.files.sequences import group_frames
from provenance.rules.policy import UNKNOWN_PROVENANCE

IN_LEDGER_AS_UNKNOWN = "in the ledger as unknown"


def only_unknown(result: FileResult) -> bool:
    """A warning whose only reason is that nothing says where the file came from."""
    if result.verdict != "warn" or result.match.kind not in (None, "ledger"):
        return False
    return all(r in (UNKNOWN_PROVENANCE, IN_LEDGER_AS_UNKNOWN) for r in result.reasons)


@dataclass(frozen=True)
class Folded:
    """The results to list one by one, the folded warnings' lines, the sequences folded whole."""

    kept: list[FileResult]
    lines: list[str]
    sequences: frozenset[str]  # their fileseq labels

    def telling(self, sequences: Sequence[SequenceResult]) -> list[SequenceResult]:
        """The sequences with something to say that the folded lines do not say already."""
        return [s for s in sequences if s.notes and s.label not in self.sequences]


def fold_unknown(results: Sequence[FileResult]) -> Folded:
    """The results to list one by one, and the folded warnings: one line per sequence or folder.

    Lines are in path order, a sequence's line where its first frame would be.
    """
    kept = [r for r in results if not only_unknown(r)]
    folded: list[tuple[str, str, int]] = []  # (sort key, label, count)
    whole: set[str] = set()
    loose: Counter[str] = Counter()
    for group in group_frames(r.path for r in results if only_unknown(r)):
        if group.is_sequence:
            folded.append((group.paths[0], group.label, len(group.paths)))
            whole.add(group.label)
        else:
            loose[posixpath.dirname(group.paths[0])] += 1
    for folder, count in loose.items():
        key = f"{folder}/" if folder else ""
        folded.append((key, key or "top folder", count))
    lines = [_line(label, count) for _, label, count in sorted(folded)]
    return Folded(kept, lines, frozenset(whole))


def _line(label: str, count: int) -> str:
    return f"{label}: {count} file{'s' if count != 1 else ''} of unknown provenance (warn)"
