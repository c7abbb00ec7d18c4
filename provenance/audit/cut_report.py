"""A cut's audit, clip by clip: the rows an editor reads, as pure data.

A :class:`ClipResult` says where a clip is (its track, record in and out in
the cut's timecode), what it uses (source in and out, the media), and the
verdict with its reasons. The verdict comes from the files the clip uses,
each judged by the package audit's own pipeline; a clip whose media cannot
be resolved blocks (fail closed); a clip the NLE generates (bars, black)
passes with a note; and a clip that is blocked or warned but fully covered
by clips on upper video tracks is *present but covered*: it warns, since it
is still in the cut even where it is not seen.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provenance.audit.report import FileResult, worst
from provenance.vocab import Action

if TYPE_CHECKING:
    from provenance.audit.cut_read import CutClip
    from provenance.audit.cut_resolve import Resolved

FILES_NAMED = 4  # files named in one clip's reasons; the rest are counted


@dataclass(frozen=True)
class ClipResult:
    """The audit's verdict on one clip of the cut."""

    track: str
    clip: str
    record_in: str
    record_out: str
    source_in: str
    source_out: str
    media: str
    verdict: Action
    reasons: tuple[str, ...]
    files: tuple[str, ...] = ()  # the audited files it uses (report paths)
    covered_by: tuple[str, ...] = ()  # upper-track clips that hide it whole
    resolved_by: str | None = None  # how its media was found (see cut_resolve.Resolved)

    def to_dict(self) -> dict[str, object]:
        """JSON form: the ``clips`` entries of ``provenance audit CUT --format json``."""
        return {
            "track": self.track,
            "clip": self.clip,
            "record_in": self.record_in,
            "record_out": self.record_out,
            "source_in": self.source_in,
            "source_out": self.source_out,
            "media": self.media,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "files": list(self.files),
            "covered_by": list(self.covered_by),
            "resolved_by": self.resolved_by,
        }

    def span(self) -> str:
        """``V1 01:00:02:00-01:00:04:00``: where the editor finds it."""
        return f"{self.track} {self.record_in}-{self.record_out}"


def clip_verdict(
    resolved: Resolved, results: Sequence[FileResult]
) -> tuple[Action, tuple[str, ...]]:
    """The verdict of a clip from its resolution and the results of the files it uses.

    Unresolved media blocks whatever the policy: nothing says it is not generated.
    """
    notes = (resolved.note,) if resolved.note else ()
    if resolved.unresolved is not None:
        return "block", (resolved.unresolved, *notes)
    if resolved.skipped is not None:
        return "pass", (resolved.skipped,)
    verdict = worst([r.verdict for r in results])
    if verdict == "pass":
        return "pass", (*notes, *_passing(results))
    return verdict, (*notes, *_reasons([r for r in results if r.verdict == verdict]))


def _passing(results: Sequence[FileResult]) -> tuple[str, ...]:
    if len(results) == 1:
        return results[0].reasons
    return (f"{len(results)} files, all pass",)


def _reasons(results: Sequence[FileResult]) -> tuple[str, ...]:
    lines = [f"{r.path}: {_gist(r)}" for r in results[:FILES_NAMED]]
    if len(results) > FILES_NAMED:
        lines.append(f"and {len(results) - FILES_NAMED} more files {results[0].verdict}ed")
    return tuple(lines)


def _gist(result: FileResult) -> str:
    # The first reason says what the file is, the last what the policy made of it;
    # the files table of the same report has them all.
    return "; ".join(dict.fromkeys(result.reasons[:1] + result.reasons[-1:])) or result.verdict


def covered(clips: Sequence[CutClip]) -> dict[int, tuple[str, ...]]:
    """Index of each video clip hidden whole by clips on upper video tracks -> their names.

    The clips above are kept sorted by start, so a cut of thousands of clips
    costs a binary search per clip, not a pass over every other clip.
    """
    video = [(i, c, _frames(c)) for i, c in enumerate(clips) if c.kind == "video"]
    hidden: dict[int, tuple[str, ...]] = {}
    for level in sorted({c.level for _, c, _ in video}):
        above = sorted(((s, c) for _, c, s in video if c.level > level), key=lambda a: a[0])
        starts = [s[0] for s, _ in above]
        longest = max((s[1] - s[0] for s, _ in above), default=0)
        for i, clip, (start, end) in video:
            if clip.level != level or not above:
                continue
            near = above[bisect_left(starts, start - longest) : bisect_left(starts, end)]
            over = [(s, c) for s, c in near if s[1] > start]
            if over and _covers([s for s, _ in over], start, end):
                named = sorted(over, key=lambda o: (o[1].level, o[0]))  # by track, then time
                hidden[i] = tuple(f"{c.name} ({c.track})" for _, c in named)
    return hidden


def _frames(clip: CutClip) -> tuple[int, int]:
    rate = clip.record.duration.rate
    start = round(clip.record.start_time.rescaled_to(rate).value)
    return start, start + round(clip.record.duration.value)


def _covers(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    reached = start
    for s, e in sorted(spans):
        if s > reached:
            return False
        reached = max(reached, e)
        if reached >= end:
            return True
    return reached >= end


def present_but_covered(
    verdict: Action, reasons: tuple[str, ...], by: tuple[str, ...]
) -> tuple[Action, tuple[str, ...]]:
    """A hidden clip's verdict: a block or warning becomes a warning, and says what hides it."""
    note = f"present but covered by {', '.join(by)}: not seen in the cut, but still in it"
    if verdict == "pass":
        return verdict, (*reasons, note)
    return "warn", (note, *reasons)


def with_files(results: Mapping[str, FileResult], rels: Sequence[str]) -> list[FileResult]:
    """The results of the files a clip uses, in its order (a file may be used by many clips)."""
    return [results[r] for r in dict.fromkeys(rels) if r in results]
