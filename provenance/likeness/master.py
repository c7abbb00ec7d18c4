"""Generated material inside a delivered video: which generated assets it shows, and when.

A master is swept (:mod:`provenance.likeness.sweep`: a picture every half
second) and every sample is checked against both indexes of the generated
assets: the fingerprints' (:class:`~provenance.likeness.index.NearMatchIndex`:
a generated still or clip moment shown whole) and the local features'
(:class:`~provenance.likeness.regions.RegionIndex`: one reframed, turned or
composited). Neighbouring samples that show the same generated asset merge
into a :class:`Segment`, with its start and end in seconds and in the
master's own timecode (:mod:`provenance.likeness.timecode`).

**Boundaries.** A segment starts half a step before its first matching
sample and ends half a step after its last, so with samples every 0.5 s a
boundary is off by at most a quarter of a second, plus a frame. One sample
that does not match between two that do (a flash frame, a dissolve at its
midpoint, a burn-in passing over) does not split a segment
(:data:`MERGE_GAP`).

**Cost.** Describing a sample and querying the region index take tens of
milliseconds, so two shortcuts, both exact in effect: the checks run on a
thread pool while the next samples decode (OpenCV, faiss and FFmpeg release
the GIL), and a sample whose fingerprint is within :data:`SAME_PICTURE` bits
of the last sample actually checked (a held or static shot) takes that
sample's answer instead of being checked again.
"""

from __future__ import annotations

import bisect
import functools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from provenance.errors import ProvenanceError, UnsupportedVideo
from provenance.likeness.confirm import References, confirm, needs_confirmation
from provenance.likeness.features import Features, describe_luma
from provenance.likeness.fingerprint import Fingerprint, fingerprint_luma, stored_failure
from provenance.likeness.sweep import STEP, Sample, Sweep, sweep
from provenance.likeness.timecode import timecode
from provenance.likeness.versions import SWEEP_RULE
from provenance.likeness.video import SAMPLES
from provenance.store.likeness_records import SegmentIn
from provenance.vocab import FeatureStatus

if TYPE_CHECKING:
    from provenance.likeness.index import NearMatchIndex
    from provenance.likeness.region_verify import Quad
    from provenance.likeness.regions import RegionIndex

HitKind = Literal["near", "region"]
SAME_PICTURE = 4
MERGE_GAP = 1  # samples that may miss inside a segment
THREADS = 2
STOPPED = "stopped before the end (shutting down)"
IN_FLIGHT = 8
NEAR_BITS = 128  # a fingerprint's bits: a near match scores 1 - distance / NEAR_BITS
MAX_STREAMS = 4  # picture streams swept in one file (each decodes the whole file again)


@dataclass(frozen=True)
class SampleHit:
    """One sample that shows generated asset ``asset``: how it was found, and how surely."""

    time: float
    asset: str
    kind: HitKind
    score: float
    outline: Quad | None = None  # a region: where, as shares of the frame


@dataclass(frozen=True)
class Segment:
    """A stretch of a video that shows generated asset ``asset`` (times in seconds from its start).

    ``kind`` is ``near`` when some sample showed the asset whole, else
    ``region``; ``score`` is the best of those samples' scores (a region's
    share of agreeing features, a near match's 1 - distance / 128).
    """

    start: float
    end: float
    tc_in: str
    tc_out: str
    asset: str
    kind: HitKind
    score: float
    at: float | None = None  # the time of its best sample: the frame a report shows
    outline: Quad | None = None  # a region: where that frame shows it, as shares of the frame

    def to_dict(self) -> dict[str, object]:
        """JSON form: the ``segments`` entries of the audit report (the asset as ``sha256``)."""
        return {"start": self.start, "end": self.end, "tc_in": self.tc_in,
                "tc_out": self.tc_out, "sha256": self.asset, "kind": self.kind,
                "score": self.score}  # fmt: skip

    def span(self) -> str:
        """``01:00:03:00-01:00:05:00 (3.0-5.0 s)``: where it is, for people."""
        return f"{self.tc_in}-{self.tc_out} ({self.start:.1f}-{self.end:.1f} s)"


@dataclass(frozen=True)
class MasterScan:
    """What a sweep of one video found, and how much of it was seen."""

    segments: tuple[Segment, ...]
    samples: int
    swept: float
    duration: float | None
    incomplete: str | None
    timecode: str | None
    prints: tuple[tuple[float, Fingerprint | None], ...] = ()  # each sample's time and print
    may_pass: bool = False  # incomplete for a reason of this host now (its clock ran out)

    def moments(self, count: int = SAMPLES) -> list[Fingerprint]:
        """The fingerprints at ``count`` evenly spread moments, as the near-match sampler takes
        them (the middle of each equal part of the video), from the nearest samples.

        So the sweep also answers the near stage's question (is this video a copy of a
        generated clip, as a whole?) without decoding the moments again.
        """
        timed = [(t, p) for t, p in self.prints if p is not None]
        if not timed:
            return []
        length = self.duration or self.swept
        times = [t for t, _ in timed]
        picks = {_nearest(times, length * (i + 0.5) / count) for i in range(count)}
        return [timed[i][1] for i in sorted(picks)]


@dataclass
class Lookup:
    """Both indexes of the generated assets, and the check of one sample against them.

    ``references`` gives a generated asset's features, for the near matches
    the region rule must confirm (:mod:`provenance.likeness.confirm`); without
    it they cannot be confirmed, and are kept.
    """

    near: NearMatchIndex | None
    regions: RegionIndex | None
    references: References | None = None

    def check(self, sample: Sample, print_: Fingerprint | None) -> SampleHit | None:
        """The generated asset this sample shows, whole (near) or in part (region), if any.

        A near match beyond the sure distance that the region rule refuses is
        passed over; one it cannot be asked about is kept (fail closed).
        """
        # A sample's features with their mirror, described on first need, once.
        described = functools.cache(functools.partial(describe_luma, sample.grey, mirror=True))
        for asset, distance in self._near(print_):
            near = SampleHit(sample.time, str(asset), "near", round(1 - distance / NEAR_BITS, 3))
            if not needs_confirmation(distance) or self._stands(described(), str(asset)):
                return near
        if self.regions is None or not len(self.regions):
            return None
        features = described()
        hit = self.regions.query(features) if len(features) else None
        if hit is None:
            return None
        return SampleHit(sample.time, hit.sha256, "region", round(hit.score, 3), hit.outline())

    def _near(self, print_: Fingerprint | None) -> list[tuple[int | str, int]]:
        if print_ is None or self.near is None or not len(self.near):
            return []
        return self.near.query(print_)

    def _stands(self, features: Features, asset: str) -> bool:
        reference = self.references(asset) if self.references else "not loaded for this sweep"
        return confirm(features, reference, asset).stands


def scan_master(
    path: Path, lookup: Lookup, step: float = STEP, stop: Callable[[], bool] | None = None
) -> MasterScan:
    """Sweep the video at ``path``; the generated assets it shows (see the module docstring).

    Every picture stream is swept (a textless version, another eye, an
    auxiliary track), up to :data:`MAX_STREAMS`, each on the programme's
    timeline: see :func:`together`. ``stop`` (the watch daemon shutting
    down) is asked at every sample; once it says True the sweep ends,
    incomplete (:data:`STOPPED`). Raises what
    :func:`~provenance.likeness.sweep.sweep` raises for a file whose first
    stream cannot be opened as a video.
    """
    first, count = _scan_stream(path, lookup, step, stop, 0)
    scans = [first]
    for index in range(1, min(count, MAX_STREAMS)):
        if scans[-1].incomplete:
            break  # not fully seen already: the file blocks on that
        try:
            scans.append(_scan_stream(path, lookup, step, stop, index)[0])
        except ProvenanceError as exc:
            scans.append(replace(first, segments=(), samples=0, incomplete=exc.message,
                                 may_pass=False))  # fmt: skip
    return together(scans, count)


def _scan_stream(
    path: Path, lookup: Lookup, step: float, stop: Callable[[], bool] | None, stream: int
) -> tuple[MasterScan, int]:
    """One picture stream swept, and how many the file holds."""
    prints: list[tuple[float, Fingerprint | None]] = []
    checking = ThreadPoolExecutor(THREADS, "master-check")
    with sweep(path, step, stream=stream, alone=False) as samples, checking as pool:
        taken = samples if stop is None else _until(samples, stop, samples.sweep)
        hits = list(_checked(taken, lookup, pool.submit, prints))
        found, count = samples.sweep, samples.pictures
    scan = MasterScan(tuple(merge(hits, found)), found.samples, found.swept, found.duration,
                      found.incomplete, found.timecode, tuple(prints),
                      found.may_pass)  # fmt: skip
    return scan, count


def together(scans: Sequence[MasterScan], count: int) -> MasterScan:
    """The sweeps of a file's picture streams as one: the first stream's clock and prints.

    Every stream shares the programme's timeline, so a segment is placed by
    its times whichever stream shows it; one that a stream before already
    shows whole is not said twice (a textless version of the same shot). A
    later stream's segments name no frame for a report's still (``at``,
    ``outline``): the still is taken from the first stream. What any stream
    could not see makes the whole incomplete, and so does a file with more
    streams than :data:`MAX_STREAMS`.
    """
    first = scans[0]
    segments = list(first.segments)
    for scan in scans[1:]:
        segments += [replace(s, at=None, outline=None) for s in scan.segments
                     if not _shown_already(s, segments)]  # fmt: skip
    stopped = [(n, s) for n, s in enumerate(scans, start=1) if s.incomplete is not None]
    incomplete, may_pass = None, False
    if stopped:
        number, scan = stopped[0]
        incomplete = scan.incomplete if number == 1 else f"video stream {number}: {scan.incomplete}"
        may_pass = all(s.may_pass for _, s in stopped)  # only this host's clock stopped them
    elif count > len(scans):
        incomplete = f"it holds {count} video streams, and only the first {len(scans)} were swept"
    return replace(
        first,
        segments=tuple(sorted(segments, key=lambda s: (s.start, s.asset))),
        samples=sum(s.samples for s in scans),
        swept=min(s.swept for s in scans),
        incomplete=incomplete,
        may_pass=may_pass,
    )


def _shown_already(segment: Segment, before: Sequence[Segment]) -> bool:
    return any(b.asset == segment.asset and b.start <= segment.start and segment.end <= b.end
               for b in before)  # fmt: skip


def _until(samples: Iterable[Sample], stop: Callable[[], bool], found: Sweep) -> Iterator[Sample]:
    for sample in samples:
        if stop():
            found.incomplete = found.incomplete or STOPPED
            return
        yield sample


def _nearest(times: list[float], target: float) -> int:
    at = bisect.bisect_left(times, target)
    if at == len(times) or (at and target - times[at - 1] <= times[at] - target):
        return at - 1
    return at


Submit = Callable[..., "Future[SampleHit | None]"]


def _checked(
    samples: Iterable[Sample], lookup: Lookup, submit: Submit,
    prints: list[tuple[float, Fingerprint | None]],
) -> Iterator[SampleHit]:  # fmt: skip
    """Each sample's hit, in order; held pictures take the answer of the picture they hold.

    Every sample's fingerprint is added to ``prints``.
    """
    pending: deque[tuple[float, Future[SampleHit | None] | None]] = deque()
    anchor: Fingerprint | None = None
    last: SampleHit | None = None
    seen: tuple[object, Fingerprint | None] = (None, None)
    for sample in samples:
        # A frame on screen at several moments gives the same picture to each.
        print_ = seen[1] if sample.grey is seen[0] else fingerprint_luma(sample.luma())
        seen = (sample.grey, print_)
        prints.append((sample.time, print_))
        if _same_picture(print_, anchor):
            pending.append((sample.time, None))
        else:
            anchor = print_
            pending.append((sample.time, submit(lookup.check, sample, print_)))
        while len(pending) > IN_FLIGHT or (pending and _ready(pending[0][1])):
            last = _settle(pending.popleft(), last)
            if last is not None:
                yield last
    while pending:
        last = _settle(pending.popleft(), last)
        if last is not None:
            yield last


def _same_picture(print_: Fingerprint | None, anchor: Fingerprint | None) -> bool:
    return (
        print_ is not None and anchor is not None and sum(print_.distances(anchor)) <= SAME_PICTURE
    )


def _ready(future: Future[SampleHit | None] | None) -> bool:
    return future is None or future.done()


def _settle(
    entry: tuple[float, Future[SampleHit | None] | None], last: SampleHit | None
) -> SampleHit | None:
    when, future = entry
    if future is not None:
        return future.result()
    # A held picture: the answer of the sample it holds still, at this sample's time.
    return None if last is None else replace(last, time=when)


def merge(hits: Sequence[SampleHit], found: Sweep) -> list[Segment]:
    """Neighbouring hits of one asset as segments, in time order (see the module docstring)."""
    runs: list[list[SampleHit]] = []
    reach = found.step * (1 + MERGE_GAP) + found.step / 2
    for hit in sorted(hits, key=lambda h: h.time):
        run = next((r for r in reversed(runs) if r[-1].asset == hit.asset), None)
        if run is not None and hit.time - run[-1].time <= reach:
            run.append(hit)
        else:
            runs.append([hit])
    return sorted((_segment(run, found) for run in runs), key=lambda s: (s.start, s.asset))


def _segment(run: list[SampleHit], found: Sweep) -> Segment:
    half = found.step / 2
    start = max(0.0, run[0].time - half)
    end = run[-1].time + half
    if found.duration is not None:
        end = min(end, found.duration)
    kind: HitKind = "near" if any(h.kind == "near" for h in run) else "region"
    best = max((h for h in run if h.kind == kind), key=lambda h: h.score)
    tc_in, tc_out = (timecode(t, found.rate, found.timecode) for t in (start, end))
    return Segment(round(start, 2), round(end, 2), tc_in, tc_out, run[0].asset, kind, best.score,
                   best.time, best.outline)  # fmt: skip


def as_records(sha256: str, scan: MasterScan, through: tuple[int, int]) -> list[SegmentIn]:
    """The ledger's records of one sweep of video ``sha256``, against ``through``'s rows.

    A sweep that stopped early is one record saying why, whatever it found
    before: the video was not fully seen. It is ``undecodable`` when the
    file stopped it, ``error`` when the sweep's clock did (a failure that may
    pass: tried again later, see :mod:`provenance.likeness.retry`).
    """
    features, prints = through
    if scan.incomplete:
        reason = f"swept only up to {scan.swept:.1f} s ({scan.incomplete})"
        status: FeatureStatus = "error" if scan.may_pass else "undecodable"
        return [SegmentIn(sha256, features, prints, status, reason=reason,
                          rule=SWEEP_RULE)]  # fmt: skip
    if not scan.segments:
        return [SegmentIn(sha256, features, prints, rule=SWEEP_RULE)]
    return [_record(sha256, features, prints, s) for s in scan.segments]


def _record(sha256: str, features: int, prints: int, s: Segment) -> SegmentIn:
    return SegmentIn(sha256, features, prints, "ok", s.asset, s.start, s.end, s.tc_in, s.tc_out,
                     s.kind, s.score, s.at, s.outline, rule=SWEEP_RULE)  # fmt: skip


def failed_record(sha256: str, through: tuple[int, int], exc: ProvenanceError) -> SegmentIn:
    """The record of a video that could not be swept at all, saying why.

    ``unsupported``: it has no picture; ``undecodable``: its bytes do not
    decode; ``error``: a failure that may pass (the file could not be read,
    PyAV is not installed), tried again later.
    """
    status: FeatureStatus = (
        "unsupported" if isinstance(exc, UnsupportedVideo) else stored_failure(exc)
    )
    return SegmentIn(sha256, *through, status, reason=exc.message, rule=SWEEP_RULE)


def from_records(records: Sequence[SegmentIn]) -> tuple[Segment, ...]:
    """The segments a stored sweep found (none for a sweep that found none or failed)."""
    return tuple(_segment_of(r, r.hit) for r in records if r.hit is not None)


def _segment_of(r: SegmentIn, hit: str) -> Segment:
    kind: HitKind = "near" if r.kind == "near" else "region"
    return Segment(r.start or 0.0, r.end or 0.0, r.tc_in or "", r.tc_out or "", hit, kind,
                   r.score or 0.0, r.at, r.outline)  # fmt: skip
