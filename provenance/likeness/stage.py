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

:func:`fingerprint_assets` runs the whole stage, step by step: these two,
then the checks of what is not generated against them (region checks and
master sweeps, :mod:`provenance.likeness.stage_checks`). Every step pages
through the ledger and saves its rows as :mod:`provenance.likeness.batches`
says.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from provenance.likeness import video as video_frames
from provenance.likeness.batches import PAGE, Batches, handing, pages
from provenance.likeness.describe import Described, describe_clips, describe_files
from provenance.likeness.fingerprint import FingerprintResult, fingerprint_files, sharing_workers
from provenance.likeness.retry import RetryBackoff, due_failures, failing_again
from provenance.likeness.stage_checks import check_masters, check_regions
from provenance.store import FeatureIn, FingerprintIn

if TYPE_CHECKING:
    from provenance.likeness.vouch import IndexVouch
    from provenance.store import Ledger
    from provenance.store.likeness_records import StoredFailure

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
    vouch: IndexVouch | None = None,
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
    ``vouch`` checks the indexes of generated pictures the region checks and
    sweeps load (:mod:`provenance.likeness.vouch`): they are not taken while
    it finds the index cannot be trusted.
    """
    started = time.monotonic()
    wanted = list(shas) if shas is not None else None
    waiting = _waiting(ledger, wanted, fingerprint_kinds(), retry)
    with sharing_workers():  # one set of workers for every step
        looked, done = _run(ledger, waiting, executor, retry,
                            _ticking(stop, tick, "fingerprints"), workers)  # fmt: skip
        if not stop():
            describing = _ticking(stop, tick, "descriptions")
            describe_generated(ledger, wanted, describing, workers, retry=describe_retry)
        if not stop():
            checking = _ticking(stop, tick, "region checks")
            check_regions(ledger, wanted, checking, workers, retry=region_retry, vouch=vouch)
        if not stop() and video_frames.available():
            sweeping = _ticking(stop, tick, "master sweeps")
            check_masters(ledger, wanted, sweeping, retry=sweep_retry, vouch=vouch)
    return StageReport(looked, done, time.monotonic() - started)


def fill_references(
    ledger: Ledger, shas: Sequence[str], workers: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> set[str]:  # fmt: skip
    """Fingerprint and describe the generated assets among ``shas`` present on this host that
    lack either (the audit's references), a stored ``error`` included; the ones not reached
    before ``stop`` said so (none when it never did).

    What the deferred stage does for them, at once, for an audit that
    finds them missing: the answers the content decides are stored as the
    stage stores them; a failure that may pass is not, so a stored
    ``error`` keeps its count for the daemon's retries
    (:mod:`provenance.likeness.retry`), which the audit neither resets nor adds to.
    """
    kinds = fingerprint_kinds()
    stored = ((f.sha256, f.path) for f in ledger.fingerprints.failed(shas, kinds))
    waiting = itertools.chain(_waiting(ledger, list(shas), kinds, None), stored)
    fingerprinted: set[str] = set()
    described: set[str] = set()
    with sharing_workers():
        _run(ledger, waiting, None, None, stop, workers, settled=fingerprinted)
        if not stop():
            describe_generated(ledger, shas, stop, workers, failed_too=True, settled=described)
    if not stop():
        return set()
    # Still unfinished, of a kind this host computes, and not handed back before the stop.
    left = {u.sha256 for u in ledger.fingerprints.unfinished(kinds, shas)} - fingerprinted
    return left | ({u.sha256 for u in ledger.features.unfinished(kinds, shas)} - described)


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
    failed_too: bool = False,
    settled: set[str] | None = None,
) -> int:
    """Describe the generated pictures on this host that have no feature row (only ``shas``).

    Images have one row; clips one per picture described along their length
    (:func:`~provenance.likeness.describe.describe_clip`). Returns how many
    assets were described with features. A failure that may pass
    (``error``: a worker killed or out of memory, a read that failed) is not
    stored without ``retry``, so a later pass tries again. With ``retry`` (the
    watch daemon's) it is stored with its count and tried again after a
    doubling wait, as fingerprints are (:mod:`provenance.likeness.retry`), so
    a restart keeps the count and a picture that kills its worker every time
    stops being described after :data:`~provenance.likeness.retry.ATTEMPTS`.
    ``failed_too`` (the audit's, with ``shas``) describes again those among
    ``shas`` whose stored ``error`` the daemon would retry later, leaving
    their stored count as it is when they fail again. The assets whose
    answer came back are added to ``settled`` (when given).
    """
    retried = _failed_descriptions(ledger, shas, retry, failed_too=failed_too)
    described = _describe_kind(ledger, shas, stop, "image", workers, retry, retried, settled)
    if not stop() and video_frames.available():
        described += _describe_kind(ledger, shas, stop, "video", workers, retry, retried, settled)
    return described


def _failed_descriptions(
    ledger: Ledger, shas: Sequence[str] | None, retry: RetryBackoff | None, *, failed_too: bool
) -> dict[str, list[tuple[str, str]]]:
    """The stored ``error`` descriptions to try again now, (sha256, path) by kind."""
    kinds = fingerprint_kinds()  # what this host can describe: PyAV decodes the clips
    if retry is not None:
        failed = partial(_failed_features, ledger, kinds)
        due = list(due_failures(failed, retry, shas, stored_only=True))
    elif failed_too and shas is not None:
        due = [(f.sha256, f.path) for f in ledger.features.failed(shas, kinds)]
    else:
        return {}
    kind_of = {sha: asset.kind for sha, asset in ledger.assets.many(s for s, _ in due).items()}
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for sha, path in due:
        by_kind.setdefault(kind_of.get(sha, ""), []).append((sha, path))
    return by_kind


def _failed_features(
    ledger: Ledger, kinds: Sequence[str], shas: Sequence[str] | None
) -> list[StoredFailure]:
    return ledger.features.failed(shas, kinds)


def _describe_kind(
    ledger: Ledger, shas: Sequence[str] | None, stop: Callable[[], bool], kind: str,
    workers: int | None, retry: RetryBackoff | None, retried: dict[str, list[tuple[str, str]]],
    settled: set[str] | None,
) -> int:  # fmt: skip
    handed: deque[str] = deque()

    def page(after: str | None) -> list[tuple[str, str]]:
        return ledger.features.missing(shas, (kind,), limit=PAGE, after=after)

    waiting = itertools.chain(pages(page, page(None)), retried.get(kind, ()))
    paths = handing(waiting, handed)
    results = (
        describe_clips(paths, workers=workers)
        if kind == "video"
        else ([d] for d in describe_files(paths, workers=workers))
    )
    rows = Batches(ledger.features.save)
    described = 0
    for pictures in results:
        sha = handed.popleft()
        if settled is not None:
            settled.add(sha)
        described += pictures[0].status == "ok"
        rows.add(_described_rows(sha, pictures, retry))
        if stop():
            break
    rows.flush()
    return described


def _described_rows(
    sha: str, pictures: Sequence[Described], retry: RetryBackoff | None
) -> list[FeatureIn]:
    """The rows to store for one asset's description (an ``error`` alone, and only with
    ``retry``: then with its count, for the daemon's retries to go on from after a restart)."""
    if pictures[0].status != "error":
        if retry is not None:
            retry.forget(sha)
        return [feature_row(sha, d, frame) for frame, d in enumerate(pictures)]
    if retry is None:
        return []  # a later pass tries again
    failure = replace(pictures[0], reason=failing_again(retry, sha, pictures[0].reason))
    return [feature_row(sha, failure)]


def feature_row(sha256: str, result: Described, frame: int = 0) -> FeatureIn:
    """The ledger row for one description (picture ``frame`` of it): the features, or why not."""
    return FeatureIn(sha256, result.status, result.data, result.count, result.width,
                     result.height, result.reason, frame)  # fmt: skip


def _waiting(
    ledger: Ledger, wanted: list[str] | None, kinds: Sequence[str], retry: RetryBackoff | None
) -> Iterator[tuple[str, str]]:
    # The waits already run out: each is an asset still missing here (an `unavailable`,
    # never stored) or with a stored `error`; one that is neither any more (its file
    # removed, its fingerprint made by another host) is forgotten once a whole pass has
    # looked, or the daemon would find a pass due at every heartbeat for ever.
    stale = set(retry.due_now()) if retry is not None else set()
    after = None
    while page := ledger.fingerprints.missing(wanted, kinds, limit=PAGE, after=after):
        after = page[-1][0]
        stale.difference_update(sha for sha, _ in page)
        yield from (item for item in page if retry is None or retry.due(item[0]))
    if retry is not None:
        failed = due_failures(lambda due: ledger.fingerprints.failed(due, kinds), retry, wanted)
        for sha, path in failed:
            stale.discard(sha)
            yield sha, path
        if wanted is None:  # a pass over some assets says nothing of the others
            for sha in stale:
                retry.forget(sha)


def _run(
    ledger: Ledger,
    waiting: Iterator[tuple[str, str]],
    executor: Executor | None,
    retry: RetryBackoff | None,
    stop: Callable[[], bool],
    workers: int | None,
    settled: set[str] | None = None,
) -> tuple[int, int]:
    """Fingerprint what is ``waiting`` until ``stop``; looked at, and fingerprinted. The
    assets whose answer came back are added to ``settled`` (when given)."""
    rows = Batches(ledger.fingerprints.save)
    handed: deque[str] = deque()  # results come back in the order paths were handed out
    looked = ok = 0
    paths = handing(waiting, handed)
    for result in fingerprint_files(paths, executor=executor, workers=workers):
        sha = handed.popleft()
        if settled is not None:
            settled.add(sha)
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
