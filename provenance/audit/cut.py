"""``provenance audit CUT``: did generated material reach the cut, and where?

The stages, in order:

1. read the timeline and check every clip (:mod:`provenance.audit.cut_read`);
2. resolve each clip to the files it uses, inside the allowed roots
   (:mod:`provenance.audit.cut_resolve`);
3. audit those files once each with the package audit's own pipeline
   (:func:`provenance.audit.run.audit_files`): hashing, markers, the ledger,
   near matches, generated pictures inside, videos swept for segments;
4. judge each clip on the files it uses; a video's segments of generated
   material count only where they fall inside the source range the clip
   uses (:func:`segments_used`);
5. mark clips hidden whole by upper video tracks as present but covered,
   and record the audit like a package's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import opentimelineio as otio

from provenance.audit.cut_read import (
    EDL_RATE,
    PARSE_ERRORS,
    CutClip,
    clips_of,
    read_timeline,
    timecode,
)
from provenance.audit.cut_report import (
    ClipResult,
    clip_verdict,
    covered,
    present_but_covered,
    with_files,
)
from provenance.audit.cut_resolve import Resolved, Resolver
from provenance.audit.judge import Context, Seen, judge
from provenance.audit.recorded import record_audit
from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit_files
from provenance.files.scratch import TempArea
from provenance.files.walk import absolute
from provenance.rules.flagging import with_current_flags
from provenance.rules.policy import honoured
from provenance.settings import Settings
from provenance.signing.approvals import approval_trust
from provenance.vocab import Action

DAY = 24 * 3600.0  # timecode starts again at midnight
# A sweep places a stretch's ends to half its step (a quarter second) and a frame.
EDGE = 0.3

if TYPE_CHECKING:
    from provenance.likeness.master import Segment
    from provenance.store import AssetRecord, Ledger


@dataclass(frozen=True)
class CutAudit:
    """A cut's audit: the report, and the timeline read (where markers are added)."""

    report: AuditReport
    timeline: Any  # the OTIO Timeline
    clips: tuple[tuple[CutClip, ClipResult], ...]


def audit_cut(
    path: Path,
    ledger: Ledger,
    settings: Settings,
    options: AuditOptions,
    roots: Sequence[Path] = (),
    progress: Callable[[int], None] | None = None,
    edl_rate: float = EDL_RATE,
) -> CutAudit:
    """Audit the cut at ``path``: its clips' media inside ``roots`` and the timeline's folder.

    ``edl_rate`` is the frame rate an EDL is read at (it states none).
    """
    path = absolute(path)
    with _bundle(path) as extracted:
        timeline = read_timeline(path, extracted, edl_rate)
        clips = clips_of(timeline, path)
        # An .otioz's media paths are relative to the folder it was unpacked into.
        folder = extracted or path.parent
        allowed = [folder, path.parent, *(absolute(r) for r in roots)]
        resolved = Resolver(folder, allowed[1:], ledger).resolve_all(clips)
        names = _report_paths(resolved, allowed)
        just_media = replace(options, record=False, identify=options.record)
        media = _AuditedMedia(ledger, settings, just_media, progress)
        report = media.audit(path, sorted({(names[p], p) for r in resolved for p in r.files}))
    results = _clip_results(clips, resolved, names, report, _Rejudge(ledger, settings, options))
    report = replace(report, clips=tuple(results))
    if options.record:
        record_audit(report, ledger)
    return CutAudit(report, timeline, tuple(zip(clips, results, strict=True)))


@contextmanager
def _bundle(path: Path) -> Iterator[Path | None]:
    """A private folder for an ``.otioz``'s media (removed afterwards); ``None`` otherwise."""
    if path.suffix.lower() != ".otioz":
        yield None
        return
    with TempArea() as area:
        yield area.folder("bundle")


def _report_paths(resolved: Sequence[Resolved], roots: Sequence[Path]) -> dict[Path, str]:
    """Each file's name in the report: relative to the first root that holds it."""
    paths = {p for r in resolved for p in r.files}
    names = {p: _relative(p, roots) for p in paths}
    if len(set(names.values())) < len(names):  # two roots with the same relative path
        return {p: p.as_posix() for p in paths}
    return names


def _relative(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.as_posix()


@dataclass(frozen=True)
class _AuditedMedia:
    """The package audit's stages, run over the files a cut uses (never recorded by them)."""

    ledger: Ledger
    settings: Settings
    options: AuditOptions
    progress: Callable[[int], None] | None

    def audit(self, path: Path, files: Sequence[tuple[str, Path]]) -> AuditReport:
        """The files' report, labelled with the cut's path."""
        if not files:
            return _empty(path, self.ledger, self.options, datetime.now(UTC))
        return audit_files(files, str(path), self.ledger, self.settings, self.options,
                           self.progress)  # fmt: skip


def _empty(path: Path, ledger: Ledger, options: AuditOptions, started: datetime) -> AuditReport:
    # Nothing to hash (every clip generated or unresolved): the report holds only clips.
    return AuditReport(
        str(path),
        (),
        strict=options.strict,
        policy=options.policy.source,
        started_at=started,
        finished_at=datetime.now(UTC),
        operator=ledger.actor,
        host=ledger.host,
        ledger=ledger.where,
    )


def _clip_results(
    clips: Sequence[CutClip],
    resolved: Sequence[Resolved],
    names: dict[Path, str],
    report: AuditReport,
    rejudge: _Rejudge,
) -> list[ClipResult]:
    by_path = {f.path: f for f in report.files}
    hidden = covered(clips)
    results = []
    for index, (clip, res) in enumerate(zip(clips, resolved, strict=True)):
        rels = [names[p] for p in res.files]
        files = [segments_used(f, clip, rejudge) for f in with_files(by_path, rels)]
        verdict, reasons = clip_verdict(res, files)
        if index in hidden:
            verdict, reasons = present_but_covered(verdict, reasons, hidden[index])
        results.append(
            _row(clip, res, verdict, reasons, tuple(dict.fromkeys(rels)), hidden.get(index, ()))
        )
    return results


def _row(
    clip: CutClip,
    res: Resolved,
    verdict: Action,
    reasons: tuple[str, ...],
    files: tuple[str, ...],
    by: tuple[str, ...],
) -> ClipResult:
    end = clip.record.end_time_exclusive()
    source_end = clip.source.end_time_exclusive()
    return ClipResult(
        clip.track,
        clip.name,
        timecode(clip.record.start_time),
        timecode(end),
        timecode(clip.source.start_time),
        timecode(source_end),
        res.media,
        verdict,
        reasons,
        files,
        by,
        res.resolved_by,
    )


def segments_used(result: FileResult, clip: CutClip, rejudge: _Rejudge) -> FileResult:
    """A video's result as the clip sees it: only the segments inside the range it uses count.

    The file is judged again with those segments only, when its result is
    exactly what the judge makes of all its segments (else something more
    blocked it, a tampered row or a video not swept to its end, and it stands).
    """
    if not result.segments:
        return result
    used = used_seconds(clip, result.segments)
    if used is None:  # where the clip is in the media is not known: every stretch counts
        return result
    start, end = used
    inside = tuple(s for s in result.segments if s.start < end and s.end > start)
    if len(inside) == len(result.segments):
        return result
    again = rejudge(result, result.segments)
    if (again.verdict, again.reasons) != (result.verdict, result.reasons):
        return result
    narrowed = rejudge(result, inside)
    left = len(result.segments) - len(inside)
    note = f"{left} stretch(es) of generated material in the file, outside the range used here"
    close = [s for s in result.segments if s.start - EDGE < end and s.end + EDGE > start]
    if len(close) > len(inside):
        shown = next(s for s in close if s not in inside)
        note += (f"; one ends within {EDGE:g} s of it ({shown.span()}), and a sweep places"
                 " those ends to a quarter second: check the frames at the cut point")  # fmt: skip
    return replace(narrowed, reasons=(*narrowed.reasons, note))


def used_seconds(clip: CutClip, segments: Sequence[Segment]) -> tuple[float, float] | None:
    """The source range the clip uses, in seconds from the video's first frame.

    None when the video's timecode cannot be read at any rate it could have.
    """
    start = float(clip.source.start_time.to_seconds())
    end = start + float(clip.source.duration.to_seconds())
    origin = _media_origin(clip, segments, start)
    if origin is None:
        return None
    return start - origin, end - origin


def _media_origin(clip: CutClip, segments: Sequence[Segment], start: float) -> float | None:
    # The source range is in the media's timecode: its origin is the
    # reference's available range, else the video's own start timecode.
    available = clip.item.media_reference.available_range
    if available is not None:
        return float(available.start_time.to_seconds())
    first = segments[0]
    at = _timecode_seconds(first.tc_in, clip.source.start_time.rate)
    if at is None:
        return None
    origin = at - first.start
    if start < origin:  # a range counted from the media's first frame, not its timecode
        return 0.0
    # Timecode starts again at midnight: a clip before it in a video that runs past
    # it is a day after the origin read from a later segment's timecode.
    return origin + DAY * math.floor((start - origin) / DAY)


def _timecode_seconds(text: str, rate: float) -> float | None:
    """``text`` in seconds at the clip's ``rate``, else at the drop-frame rate its ``;`` names."""
    rates = [rate] + ([30000 / 1001, 60000 / 1001] if ";" in text else [])
    for candidate in rates:
        try:
            return float(otio.opentime.from_timecode(text, candidate).to_seconds())
        except PARSE_ERRORS:
            continue
    return None


class _Rejudge:
    """Judges one audited video again with some of its segments (the judge is pure).

    The ledger is asked once for each set of assets: a cut uses one master
    in many clips, and asking again for each clip took most of a long
    cut's audit (100,000 events: over ten minutes).
    """

    def __init__(self, ledger: Ledger, settings: Settings, options: AuditOptions) -> None:
        self.ledger, self.settings, self.options = ledger, settings, options
        self.now = options.now or datetime.now(UTC)
        self._contexts: dict[frozenset[str], Context] = {}

    def __call__(self, result: FileResult, segments: tuple[Segment, ...]) -> FileResult:
        shas = {s.asset for s in segments} | ({result.sha256} if result.sha256 else set())
        ctx = self._context(frozenset(shas))
        assets = ctx.assets
        seen = Seen(
            result.path,
            result.sha256,
            result.size,
            asset=assets.get(result.sha256 or ""),
            verdict=result.classification,
            tool=result.tool,
            segments=segments,
        )
        return judge(seen, ctx)

    def _context(self, shas: frozenset[str]) -> Context:
        if shas not in self._contexts:
            assets = self._assets(shas)
            trust = approval_trust(self.settings)
            approvals = honoured(self.ledger.approvals.many(assets), trust)
            self._contexts[shas] = Context(self.options.policy, self.now, assets, approvals)
        return self._contexts[shas]

    def _assets(self, shas: frozenset[str]) -> dict[str, AssetRecord]:
        found = self.ledger.assets.many(shas)
        return {sha: with_current_flags(a, self.settings) for sha, a in found.items()}
