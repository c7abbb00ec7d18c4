"""What a lifecycle change acts on: the generated assets among the targets a person named.

A supervisor approves ``comp/shot010_comp_v003.1001-1004#.png`` (or gives it
a new expiry date, or replaces it) meaning "the generated frames of this shot": the
sequence's frames that are not generated
(plates, clean comps) are left out and listed, not refused one by one. A
sequence none of whose frames is generated, and a single file that is not
generated, are refused by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provenance.errors import TransitionRefused
from provenance.targets import SEQUENCE_MARKS, Target

FRAMES_SHOWN = 5


@dataclass(frozen=True)
class Approvable:
    """The targets to act on, and the frames of sequences left out as not generated."""

    targets: list[Target]
    left_out: list[Target]


def generated_only(resolved: Sequence[Target]) -> Approvable:
    """Keep the generated assets; a sequence keeps its generated frames, or is refused."""
    keep: list[Target] = []
    left: list[Target] = []
    for given in dict.fromkeys(t.given for t in resolved):
        named = [t for t in resolved if t.given == given]
        generated = [t for t in named if t.asset.verdict == "genai"]
        if not generated:
            raise _nothing_generated(given, named)
        if len(generated) < len(named) and not _is_sequence(given):
            raise _nothing_generated(given, [t for t in named if t not in generated])
        keep += generated
        left += [t for t in named if t not in generated]
    return Approvable(keep, left)


def _is_sequence(given: str) -> bool:
    return any(mark in given for mark in SEQUENCE_MARKS)


def _nothing_generated(given: str, named: Sequence[Target]) -> TransitionRefused:
    # Worded for every lifecycle change: approvals, expiry dates, replacements.
    if _is_sequence(given):
        frames = ", ".join((t.path or t.asset.sha256[:12]).rsplit("/", 1)[-1]
                           for t in named[:FRAMES_SHOWN])  # fmt: skip
        more = f" and {len(named) - FRAMES_SHOWN} more" if len(named) > FRAMES_SHOWN else ""
        what = f"no frame of this sequence is generated ({frames}{more})"
    else:
        verdict = named[0].asset.verdict
        what = f"not a generated asset (verdict {verdict}): the genAI lifecycle does not apply"
    return TransitionRefused(
        what,
        where=given,
        fix="approvals, expiry dates and replacements are for generated material only",
    )
