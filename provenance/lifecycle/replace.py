"""Replacing generated assets.

:func:`replace` links a generated asset to the asset that replaced it
(usually a shot, painting or comp made without generative AI). OLD and NEW
are each a file, a hash prefix or an image sequence in fileseq notation
(``gen/sh010.1001-1096#.png``):

* a sequence OLD replaces its **generated frames**; its other frames (plates,
  clean comps) are left alone and listed, and a sequence with no generated
  frame is refused by name, as ``approve`` does
  (:mod:`.generated_targets`);
* when NEW is a sequence, each generated frame of OLD is paired with NEW's
  frame of the **same frame number** (``gen/sh010.1017.png`` with
  ``comp/sh010_v2.1017.png``), whatever the names, ranges or padding; an OLD
  frame NEW has no frame for is refused by frame name, before anything is
  recorded; NEW's other frames are not involved;
* when NEW is one file or hash, every generated frame of OLD is replaced by it
  (a matte painting that replaces a whole generated shot).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fileseq.filesequence import FileSequence

from provenance.errors import TransitionRefused
from provenance.lifecycle.context import Lifecycle
from provenance.lifecycle.generated_targets import FRAMES_SHOWN, generated_only
from provenance.targets import SEQUENCE_MARKS, Target, resolve_targets, sequence_frames


@dataclass(frozen=True)
class Replaced:
    """What :func:`replace` recorded: (old, new) pairs, and OLD's frames left alone."""

    pairs: list[tuple[Target, Target]]
    left_out: list[Target]


def replace(lc: Lifecycle, old: str, new: str, reason: str | None = None) -> Replaced:
    """Record that ``old`` (a file, hash or sequence) was replaced by ``new``, all or nothing."""
    olds = generated_only(resolve_targets(lc.ledger, [old], present=False))
    pairs = (
        _by_frame(olds.targets, _frames_of(lc, new), old, new)
        if _names_a_sequence(new)
        else [(o, resolve_targets(lc.ledger, [new], present=False)[0]) for o in olds.targets]
    )
    why = reason or f"replaced by {new}"
    lc.ledger.genai.replace([(o.asset.sha256, n.asset.sha256) for o, n in pairs], why, lc.now())
    return Replaced(pairs, olds.left_out)


def frame_number(path: str | None) -> int | None:
    """The frame number in a file name (``sh010.1017.exr`` -> 1017), or None."""
    if path is None:
        return None
    frames = FileSequence(path).frameSet()
    return None if frames is None or len(frames) != 1 else int(frames.start() or 0)


def _names_a_sequence(text: str) -> bool:
    path = Path(text).expanduser()
    return not os.path.lexists(path) and any(mark in path.name for mark in SEQUENCE_MARKS)


def _frames_of(lc: Lifecycle, pattern: str) -> dict[int, Target]:
    # Frame by frame, not resolve_targets([pattern]): two frames with the same bytes
    # (black slates) are one asset, and each frame number must keep its own.
    found: dict[int, Target] = {}
    for path in sequence_frames(pattern):
        number = frame_number(str(path))
        if number is not None:
            [target] = resolve_targets(lc.ledger, [str(path)], present=False)
            found.setdefault(number, Target(target.asset, target.path, pattern))
    return found


def _by_frame(
    olds: Sequence[Target], news: dict[int, Target], old: str, new: str
) -> list[tuple[Target, Target]]:
    numbered = [(o, frame_number(o.path)) for o in olds]
    unpaired = [o for o, number in numbered if number is None or number not in news]
    if unpaired:
        raise _no_frame_for(unpaired, old, new)
    return [(o, news[number]) for o, number in numbered if number is not None]


def _no_frame_for(unpaired: Sequence[Target], old: str, new: str) -> TransitionRefused:
    names = [(o.path or o.asset.sha256[:12]).rsplit("/", 1)[-1] for o in unpaired]
    more = f" and {len(names) - FRAMES_SHOWN} more" if len(names) > FRAMES_SHOWN else ""
    return TransitionRefused(
        f"NEW has no frame of the same number for {', '.join(names[:FRAMES_SHOWN])}{more}",
        where=f"{old} -> {new}",
        fix="name a NEW sequence that covers OLD's generated frames, or one file to replace"
        " them all",
    )
