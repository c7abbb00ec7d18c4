"""The fingerprint stage: perceptual fingerprints of images and videos, after they are recorded.

Ingest records an asset first; its fingerprints follow in this separate
stage, so a slow decode never delays the ledger row. Decoding pixels is CPU
work in C codecs and numpy, so it runs across processes (see
:func:`provenance.likeness.fingerprint.process_pool`); an image gets one fingerprint,
a video one per sampled moment (:mod:`provenance.likeness.video`). Files whose
pictures have no fingerprint (flat slates, tiny images, videos FFmpeg cannot
decode, formats with no decoder installed) get a row that says why, so they
are not retried on every scan.

Videos are fingerprinted only where PyAV (the optional ``video`` extra) is
installed; elsewhere they are left without a row, so that a scan after
installing it fingerprints them.

Generated images are also *described* here, once, by their local features
(:mod:`provenance.likeness.describe`): what the audit's region index holds, to
find a generated picture cropped, turned, flopped or composited inside a
delivered one. Only generated assets are described (the index holds nothing
else), and like fingerprints, a picture with no features gets a row saying why.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from provenance.errors import ProvenanceError
from provenance.likeness import video as video_frames
from provenance.likeness.confirm import stored_features
from provenance.likeness.describe import NO_FEATURES, Described, describe_clips, describe_files
from provenance.likeness.features import Features
from provenance.likeness.fingerprint import FingerprintResult, fingerprint_files
from provenance.likeness.region_verify import RegionHit
from provenance.likeness.regions import RegionIndex, query_many
from provenance.likeness.retry import RetryBackoff, due_failures, failing_again
from provenance.likeness.versions import REGION_RULE, SWEEP_RULE
from provenance.store import FeatureIn, FingerprintIn, RegionCheckIn, SegmentIn

if TYPE_CHECKING:
    from provenance.store import Ledger
    from provenance.store.likeness_records import StoredFailure

SAVE_BATCH = 500
R = TypeVar("R")
Checked = TypeVar("Checked", RegionCheckIn, SegmentIn)
PAGE = 2_000  # assets read from the ledger at a time
# Results worth remembering: the content itself decides them. "unavailable"
# (no EXR decoder or PyAV installed yet) is never stored, and "error" is stored
# only by the daemon, with its count of failures, for its retries to go on
# from after a restart (see provenance.likeness.retry); a scan stores neither,
# so a later scan retries them.
FINAL_STATUSES = frozenset({"ok", "flat", "too_small", "unsupported", "undecodable"})


@dataclass(frozen=True)
class StageReport:
    """How many assets the stage looked at, fingerprinted, and how long it took."""

    assets: int
    fingerprinted: int
    seconds: float


def as_rows(sha256: str, result: FingerprintResult) -> list[FingerprintIn]:
    """The ledger rows for one fingerprinting result: one a fingerprint, or one saying why none."""
    if not result.fingerprints:
        return [FingerprintIn(sha256, result.status, reason=result.reason)]
    rows = []
    for frame, fingerprint in enumerate(result.fingerprints):
        grad, dct = fingerprint.to_signed()
        rows.append(FingerprintIn(sha256, "ok", grad, dct, frame=frame))
    return rows


def fingerprint_kinds() -> tuple[str, ...]:
    """The asset kinds this installation can fingerprint."""
    return ("image", "video") if video_frames.available() else ("image",)


def fingerprint_assets(
    ledger: Ledger,
    shas: Iterable[str] | None = None,
    executor: Executor | None = None,
    *,
    retry: RetryBackoff | None = None,
    describe_retry: RetryBackoff | None = None,
    region_retry: RetryBackoff | None = None,
    sweep_retry: RetryBackoff | None = None,
    stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
    tick: Callable[[str], None] | None = None,
) -> StageReport:
    """Fingerprint image and video assets present on this host that have none (only ``shas``).

    The assets are read from the ledger a page at a time while the pool
    works. ``retry``, for a caller that comes back again and again (the
    watch daemon), skips the assets whose last failure is too recent and
    learns from each new one; ``describe_retry`` does the same for the
    generated pictures' descriptions (a backoff of its own: one asset may fail
    in one and not the other), ``region_retry`` for the region checks and
    ``sweep_retry`` for the master sweeps. ``stop`` is asked after every asset; the
    pass ends early, with what it saved kept, once it says True. ``workers``
    decode at once (default: one per core; the watch daemon, a background
    service, uses one, so that two pictures at the pixel guard never decode
    together). ``tick``, for a progress bar, is told the step's name after
    every asset ("fingerprints", "descriptions", "region checks", "master sweeps").
    """
    started = time.monotonic()
    wanted = list(shas) if shas is not None else None
    waiting = _waiting(ledger, wanted, fingerprint_kinds(), retry)
    looked, done = _run(ledger, waiting, executor, retry, _ticking(stop, tick, "fingerprints"),
                        workers)  # fmt: skip
    if not stop():
        describing = _ticking(stop, tick, "descriptions")
        describe_generated(ledger, wanted, describing, workers, retry=describe_retry)
    if not stop():
        checking = _ticking(stop, tick, "region checks")
        check_regions(ledger, wanted, checking, workers, retry=region_retry)
    if not stop() and video_frames.available():
        check_masters(ledger, wanted, _ticking(stop, tick, "master sweeps"), retry=sweep_retry)
    return StageReport(looked, done, time.monotonic() - started)


def _ticking(
    stop: Callable[[], bool], tick: Callable[[str], None] | None, step: str
) -> Callable[[], bool]:
    """``stop``, telling ``tick`` of one more asset each time a step asks it (after every asset)."""
    if tick is None:
        return stop

    def asked() -> bool:
        tick(step)
        return stop()

    return asked


def describe_generated(
    ledger: Ledger,
    shas: Sequence[str] | None = None,
    stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
    *,
    retry: RetryBackoff | None = None,
) -> int:
    """Describe the generated pictures on this host that have no feature row (only ``shas``).

    Images have one row; clips one per picture described along their length
    (:func:`~provenance.likeness.describe.describe_clip`). Returns how many
    assets were described with features. A failure that may pass
    (``error``: a worker killed or out of memory, a read that failed) is not
    stored, so a later pass tries again: with ``retry`` (the watch daemon's)
    after a doubling wait, so that a picture that kills its worker every
    time is not described again at every pass.
    """
    described = _describe_kind(ledger, shas, stop, "image", workers, retry)
    if not stop() and video_frames.available():
        described += _describe_kind(ledger, shas, stop, "video", workers, retry)
    return described


def _describe_kind(
    ledger: Ledger, shas: Sequence[str] | None, stop: Callable[[], bool], kind: str,
    workers: int | None, retry: RetryBackoff | None,
) -> int:  # fmt: skip
    handed: deque[str] = deque()

    def page(after: str | None) -> list[tuple[str, str]]:
        return ledger.features.missing(shas, (kind,), limit=PAGE, after=after)

    paths = _paths(page, page(None), handed, retry.due if retry is not None else None)
    results = (
        describe_clips(paths, workers=workers)
        if kind == "video"
        else ([d] for d in describe_files(paths, workers=workers))
    )
    rows = Batches(ledger.features.save)
    described = 0
    for pictures in results:
        sha = handed.popleft()
        described += pictures[0].status == "ok"
        if pictures[0].status != "error":
            rows.add([feature_row(sha, d, frame) for frame, d in enumerate(pictures)])
        if retry is not None and pictures[0].status == "error":
            retry.failed(sha)
        elif retry is not None:
            retry.forget(sha)
        if stop():
            break
    rows.flush()
    return described


def check_regions(
    ledger: Ledger,
    shas: Sequence[str] | None = None,
    stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
    *,
    retry: RetryBackoff | None = None,
) -> int:
    """Check the images that are not generated, and never were, for generated pictures inside.

    Each is described with its mirror and looked up in the region index of
    every generated picture; the answer is kept (``ledger.regions``) so an
    audit need not describe it again. An image checked by an older version
    of the region rule (:data:`~provenance.likeness.versions.REGION_RULE`)
    is checked again. Nothing happens while no generated picture has
    features. Returns how many held a generated picture.

    A check that fails for a reason that may pass (``error``: the file could
    not be read, a worker killed or out of memory) is not stored without
    ``retry``, so a later pass tries again. With ``retry`` (the watch
    daemon's) it is stored with its count and tried again after a doubling
    wait, as fingerprints are (:mod:`provenance.likeness.retry`).
    """
    waiting = _to_do(ledger.regions, REGION_RULE, shas, retry)
    first = next(waiting, None)
    if first is None:  # the index (up to a gigabyte) is loaded only when there is work
        return 0
    # Read before the index loads: every row up to it is then in the index (a check
    # stays current exactly while no generated picture is described after it).
    through = ledger.regions.through()
    index = RegionIndex()
    load_regions(ledger, index)
    if not len(index):
        return 0
    handed: deque[str] = deque()
    rows = Batches(ledger.regions.save)
    holding = 0
    paths = _handing(itertools.chain([first], waiting), handed)
    for result, hit in _queried(index, describe_files(paths, mirror=True, workers=workers)):
        sha = handed.popleft()
        row = region_row(sha, result, hit, through)
        holding += row.hit is not None
        rows.add(_settled(sha, [row], retry))
        if stop():
            break
    rows.flush()
    return holding


class _Retried(Protocol):
    """A stored step of the deferred stage retried by the daemon: region checks, master sweeps."""

    def missing(
        self, shas: Iterable[str] | None = None, limit: int = 2_000, after: str | None = None,
        *, rule: int,
    ) -> list[tuple[str, str]]: ...  # fmt: skip

    def failed(self, shas: Sequence[str] | None = None, *, rule: int) -> list[StoredFailure]: ...


def _to_do(
    step: _Retried, rule: int, shas: Sequence[str] | None, retry: RetryBackoff | None
) -> Iterator[tuple[str, str]]:
    """The assets ``step`` has to do: never done by version ``rule``, then those whose failure
    is due (``ledger.regions``: pictures to check; ``ledger.segments``: videos to sweep)."""

    def page(after: str | None) -> list[tuple[str, str]]:
        return step.missing(shas, PAGE, after, rule=rule)

    yield from _pages(page, page(None))
    if retry is not None:
        yield from due_failures(partial(step.failed, rule=rule), retry, shas, stored_only=True)


def _settled(sha: str, rows: list[Checked], retry: RetryBackoff | None) -> list[Checked]:
    """The rows to store for one asset's check or sweep (``rows``, a failure first and alone).

    A failure that may pass (``error``) is stored only with ``retry``, and
    then with its count in its reason; any other answer ends its retries.
    """
    if not rows or rows[0].status != "error":
        if retry is not None:
            retry.forget(sha)
        return rows
    if retry is None:
        return []  # a later pass tries again
    return [replace(rows[0], reason=failing_again(retry, sha, rows[0].reason))]


def check_masters(
    ledger: Ledger,
    shas: Sequence[str] | None = None,
    stop: Callable[[], bool] = lambda: False,
    *,
    retry: RetryBackoff | None = None,
) -> int:
    """Sweep the videos that are not generated for generated material cut or composited in.

    Each is swept once (:func:`~provenance.likeness.master.scan_master`; again once the
    region rule's version is raised)
    against both indexes of the generated assets, and the answer is kept
    (``ledger.segments``) for ``history``, ``ls --looks-like`` and later
    audits. Nothing happens while nothing generated has fingerprints or
    features. Returns how many videos show generated material. A sweep that
    fails for a reason that may pass (``error``: the file could not be read,
    the sweep's clock ran out on a busy host) is retried as a region check is
    (:func:`check_regions`, with ``retry``).
    """
    # Lazy: the sweep's modules load only when there are videos to sweep.
    from provenance.likeness.confirm import StoredReferences  # noqa: PLC0415
    from provenance.likeness.master import (  # noqa: PLC0415
        STOPPED,
        Lookup,
        as_records,
        failed_record,
        scan_master,
    )
    from provenance.likeness.search import load_index  # noqa: PLC0415

    waiting = _to_do(ledger.segments, SWEEP_RULE, shas, retry)
    first = next(waiting, None)
    through = ledger.segments.through() if first is not None else (0, 0)
    if first is None or not any(through):
        return 0
    regions = RegionIndex()
    load_regions(ledger, regions)
    lookup = Lookup(load_index(ledger), regions if len(regions) else None,
                    StoredReferences(ledger))  # fmt: skip
    showing = 0
    for sha, path in itertools.chain([first], waiting):
        try:
            scan = scan_master(Path(path), lookup, stop=stop)
            if scan.incomplete == STOPPED:
                break  # not stored: swept again next time
            rows = as_records(sha, scan, through)
        except ProvenanceError as exc:  # unsupported (audio only: no picture), or why not
            rows = [failed_record(sha, through, exc)]
        showing += rows[0].hit is not None
        ledger.segments.save(_settled(sha, rows, retry))
        if stop():
            break
    return showing


def _pages(
    page: Callable[[str | None], list[tuple[str, str]]], first: list[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """The rows of ``first`` and of the pages after it (each asked from the last sha256 seen)."""
    while first:
        yield from first
        first = page(first[-1][0])


class Batches(Generic[R]):
    """Rows on their way to the ledger, saved :data:`SAVE_BATCH` at a time; :meth:`flush` the rest.

    A pass cut short keeps what it had saved, and saves what it holds when flushed.
    """

    def __init__(self, save: Callable[[Sequence[R]], None]) -> None:
        self._save = save
        self._rows: list[R] = []

    def add(self, rows: Iterable[R]) -> None:
        """Hold ``rows``, saving the batch once it is full."""
        self._rows.extend(rows)
        if len(self._rows) >= SAVE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Save what is held."""
        self._save(self._rows)
        self._rows = []


def _paths(
    page: Callable[[str | None], list[tuple[str, str]]],
    first: list[tuple[str, str]],
    handed: deque[str],
    due: Callable[[str], bool] | None = None,
) -> Iterator[str]:
    """The paths of ``first`` and the pages after it, each asset's sha256 handed out in order
    (only the assets ``due`` says are due, when given)."""
    waiting = _pages(page, first)
    return _handing(waiting if due is None else (w for w in waiting if due(w[0])), handed)


def _handing(waiting: Iterable[tuple[str, str]], handed: deque[str]) -> Iterator[str]:
    """The path of each (sha256, path) of ``waiting``, its sha256 handed out first, in order."""
    for sha, path in waiting:
        handed.append(sha)
        yield path


def load_regions(ledger: Ledger, index: RegionIndex) -> None:
    """Add every generated picture's features to ``index``.

    A stored blob that does not read back stops the load with
    :class:`~provenance.errors.DamagedRecord`: leaving that picture out would
    let copies of it pass unseen.
    """
    after = 0
    while page := ledger.features.genai_page(after):
        after = page[-1].row_id
        for row in page:
            index.add(row.sha256, stored_features(row.sha256, row.data))


def _queried(
    index: RegionIndex, described: Iterable[Described]
) -> Iterator[tuple[Described, RegionHit | None]]:
    """Each description with its answer from ``index``, queried on threads (in order)."""
    results: deque[Described] = deque()

    def features() -> Iterator[Features | None]:
        for result in described:
            results.append(result)
            yield result.features()

    for hit in query_many(index, features()):
        yield results.popleft(), hit


def region_row(
    sha256: str, result: Described, hit: RegionHit | None, through: int
) -> RegionCheckIn:
    """The stored answer of one region check: what was found, or why it could not be looked for."""
    if result.data is None:
        status = "empty" if result.status == "ok" else result.status
        return RegionCheckIn(sha256, through, status, reason=result.reason or NO_FEATURES,
                             rule=REGION_RULE)  # fmt: skip
    if hit is None:
        return RegionCheckIn(sha256, through, rule=REGION_RULE)
    return RegionCheckIn(sha256, through, "ok", hit.sha256, hit.inliers, round(hit.score, 3),
                         round(hit.cover, 3), hit.mirrored, outline=hit.outline(),
                         rule=REGION_RULE)  # fmt: skip


def feature_row(sha256: str, result: Described, frame: int = 0) -> FeatureIn:
    """The ledger row for one description (picture ``frame`` of it): the features, or why not."""
    return FeatureIn(sha256, result.status, result.data, result.count, result.width,
                     result.height, result.reason, frame)  # fmt: skip


def _waiting(
    ledger: Ledger, wanted: list[str] | None, kinds: Sequence[str], retry: RetryBackoff | None
) -> Iterator[tuple[str, str]]:
    after = None
    while page := ledger.fingerprints.missing(wanted, kinds, limit=PAGE, after=after):
        after = page[-1][0]
        yield from (item for item in page if retry is None or retry.due(item[0]))
    if retry is not None:
        yield from due_failures(lambda due: ledger.fingerprints.failed(due, kinds), retry, wanted)


def _run(
    ledger: Ledger,
    waiting: Iterator[tuple[str, str]],
    executor: Executor | None,
    retry: RetryBackoff | None,
    stop: Callable[[], bool],
    workers: int | None,
) -> tuple[int, int]:
    rows = Batches(ledger.fingerprints.save)
    handed: deque[str] = deque()  # results come back in the order paths were handed out
    looked = ok = 0
    paths = _handing(waiting, handed)
    for result in fingerprint_files(paths, executor=executor, workers=workers):
        sha = handed.popleft()
        looked += 1
        ok += result.ok
        rows.add(_settle(sha, result, retry))
        if stop():
            break
    rows.flush()
    return looked, ok


def _settle(sha: str, result: FingerprintResult, retry: RetryBackoff | None) -> list[FingerprintIn]:
    """The rows to store for one result: none while a failure that may pass may be retried."""
    if result.status in FINAL_STATUSES:
        if retry is not None:
            retry.forget(sha)
        return as_rows(sha, result)
    if retry is None:
        return []
    if result.status != "error":
        retry.failed(sha)
        return []
    # Stored at every attempt, with its count: a restarted daemon goes on from there.
    return as_rows(sha, replace(result, reason=failing_again(retry, sha, result.reason)))
