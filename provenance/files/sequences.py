"""Image sequences: frames grouped the way VFX people name them.

A shot's frames are separate files (``shot010_comp_v003.1001.exr`` ...
``.1096.exr``) but one thing to a person. Reports speak of them in fileseq
notation, ``shot010_comp_v003.1001-1096#.exr``, where ``#`` stands for the
zero-padded frame number, and list the frames that matter
("3 frames blocked: 1017, 1018, 1019").

**What counts as a frame number.** fileseq reads any number before the
extension as one, so ``ref_0.png``, ``ref_1.png``, ``ref_2.png`` (three
numbered references) would read as a sequence. Pipelines write frame
numbers in one of two ways, and only those are taken:

* after a dot, at any padding: ``shot.1001.exr``, ``shot_v001.0001.exr``,
  Houdini's unpadded ``$F`` (``fx.1.exr``), as ftrack's *clique* reads
  frames (``.<digits>.<ext>``);
* after anything else (``_``, a letter, nothing), only zero-padded to
  :data:`MIN_PADDING` digits or more, the default padding (``####``) of
  Nuke, Blender and Houdini's ``$F4``: ``render_0001.png``, ``0001.png``.

Anything else is a lone file per path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fileseq.exceptions import ParseException
from fileseq.filesequence import FileSequence

from provenance.errors import TargetNotFound

MIN_PADDING = 4  # digits a frame number needs when no dot comes before it


@dataclass(frozen=True)
class FrameGroup:
    """Paths that form one sequence (or a lone file, with ``frames`` empty)."""

    label: str  # fileseq notation for a sequence, the path itself for a lone file
    paths: tuple[str, ...]
    frames: tuple[int, ...]

    @property
    def is_sequence(self) -> bool:
        """True when the group holds two frames or more."""
        return len(self.paths) > 1


def group_frames(paths: Iterable[str]) -> list[FrameGroup]:
    """Group relative POSIX paths into sequences and lone files, in path order."""
    groups: list[FrameGroup] = []
    for found in FileSequence.findSequencesInList(sorted(paths)):
        members = tuple(str(p) for p in found)
        frame_set = found.frameSet()
        if frame_set is None or len(members) < 2 or not _numbered_as_frames(found):
            groups.extend(FrameGroup(p, (p,), ()) for p in members)
            continue
        label = found.format("{dirname}{basename}{range}{padding}{extension}")
        groups.append(FrameGroup(label, members, tuple(int(f) for f in frame_set)))
    return sorted(groups, key=lambda g: g.paths[0])


def is_frame(path: str) -> bool:
    """True when the file's name carries a frame number the way pipelines write one (see above)."""
    found = FileSequence.findSequencesInList([path])
    return bool(found) and found[0].frameSet() is not None and _numbered_as_frames(found[0])


def _numbered_as_frames(found: FileSequence) -> bool:
    """True when the number fileseq found is written as pipelines write frames (see above)."""
    if found.basename().endswith("."):
        return True
    # Without a dot, a dash before the digits is no minus sign: "a-0001" is not frame -1.
    return found.zfill() >= MIN_PADDING and min(found.frameSet() or [0]) >= 0


def share_a_sequence(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """True when a path of ``ours`` and one of ``theirs`` are frames of one sequence."""
    mine, other = set(ours), set(theirs)
    return any(
        group.is_sequence and mine.intersection(group.paths) and other.intersection(group.paths)
        for group in group_frames(mine | other)
    )


def frames_sentence(group: FrameGroup, verdicts: Mapping[str, str], verdict: str) -> str | None:
    """``"3 frames blocked: 1017, 1018, 1019"`` for the frames with ``verdict``, or None."""
    hits = [
        frame
        for path, frame in zip(group.paths, group.frames, strict=True)
        if verdicts.get(path) == verdict
    ]
    if not hits:
        return None
    word = "frame" if len(hits) == 1 else "frames"
    return f"{len(hits)} {word} {_past(verdict)}: {', '.join(map(str, hits))}"


def _past(verdict: str) -> str:
    return {"block": "blocked", "warn": "warned", "pass": "passed"}.get(verdict, verdict)


def expand_target(target: str) -> Sequence[str]:
    """The frame paths a fileseq pattern names (``shot.1001-1005#.exr``), or the target itself."""
    if not any(mark in target for mark in ("#", "@")) and "%0" not in target:
        return [target]
    try:
        sequence = FileSequence(target)
    except ParseException as exc:
        raise TargetNotFound(
            f"not an image sequence pattern ({exc})",
            where=target,
            fix="use fileseq notation, e.g. shot010.1001-1096#.exr",
        ) from exc
    return [str(path) for path in sequence]
