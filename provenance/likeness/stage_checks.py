"""The deferred stage's checks of what is not generated: pictures for regions, videos swept.

Once the generated assets have their fingerprints and features
(:mod:`provenance.likeness.stage`), the stage checks the rest against them
and stores each answer, so that an audit, ``history`` and ``ls
--looks-like`` read it instead of looking again: every image that is not
generated is looked up in the region index of every generated picture
(:func:`check_regions`), and every video that is not generated is swept
along its length for generated stills and shots cut or composited in
(:func:`check_masters`). An answer made by an older version of its rule
(:data:`~provenance.likeness.versions.REGION_RULE`,
:data:`~provenance.likeness.versions.SWEEP_RULE`) is made again; a failure
that may pass is retried as fingerprints are
(:mod:`provenance.likeness.retry`).
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from provenance.errors import ProvenanceError
from provenance.likeness.batches import PAGE, Batches, handing, pages
from provenance.likeness.confirm import stored_features
from provenance.likeness.describe import NO_FEATURES, Described, describe_files
from provenance.likeness.features import Features
from provenance.likeness.region_verify import RegionHit
from provenance.likeness.regions import RegionIndex, query_many
from provenance.likeness.retry import RetryBackoff, due_failures, failing_again
from provenance.likeness.versions import REGION_RULE, SWEEP_RULE
from provenance.likeness.vouch import corrections, index_distrust
from provenance.store import RegionCheckIn, SegmentIn

if TYPE_CHECKING:
    from provenance.likeness.vouch import IndexVouch
    from provenance.store import Ledger
    from provenance.store.likeness_records import StoredFailure, StoredFeatures

log = logging.getLogger(__name__)

Checked = TypeVar("Checked", RegionCheckIn, SegmentIn)


def check_regions(
    ledger: Ledger,
    shas: Sequence[str] | None = None,
    stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
    *,
    retry: RetryBackoff | None = None,
    vouch: IndexVouch | None = None,
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
    index = load_regions(ledger, RegionIndex(), vouch)
    if _unvouched(vouch, "region checks") or not len(index):
        return 0
    handed: deque[str] = deque()
    rows = Batches(ledger.regions.save)
    holding = 0
    paths = handing(itertools.chain([first], waiting), handed)
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

    yield from pages(page, page(None))
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
    vouch: IndexVouch | None = None,
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
    regions = load_regions(ledger, RegionIndex(), vouch)
    lookup = Lookup(load_index(ledger, vouch), regions if len(regions) else None,
                    StoredReferences(ledger))  # fmt: skip
    if _unvouched(vouch, "master sweeps"):
        return 0
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


def _unvouched(vouch: IndexVouch | None, step: str) -> bool:
    """Whether the index ``vouch`` checked cannot be trusted: ``step`` is then not taken (its
    answers would be stored, and reused by audits), and the log says why."""
    why = index_distrust(vouch)
    if why is not None:
        log.error("%s wait: %s", step, why)
    return why is not None


def load_regions(
    ledger: Ledger, index: RegionIndex, vouch: IndexVouch | None = None
) -> RegionIndex:
    """Add every generated picture's features to ``index``; the index to use, as ``vouch``
    corrects it (``index``, or one built again).

    A stored blob that does not read back stops the load with
    :class:`~provenance.errors.DamagedRecord`: leaving that picture out would
    let copies of it pass unseen.
    """

    def load() -> Iterator[StoredFeatures]:
        for page in _genai_features(ledger):
            for row in page:
                index.add(row.sha256, stored_features(row.sha256, row.data))
                yield row

    fixes = corrections(load, None if vouch is None else vouch.features)
    if not fixes:
        return index
    index = index.emptied()  # rare: built again, without what was loaded of those assets
    for page in _genai_features(ledger):
        for row in page:
            if row.sha256 not in fixes:
                index.add(row.sha256, stored_features(row.sha256, row.data))
    for sha, rows in fixes.items():
        for row in rows:
            index.add(sha, stored_features(sha, row.data))
    return index


def _genai_features(ledger: Ledger) -> Iterator[list[StoredFeatures]]:
    after = 0
    while page := ledger.features.genai_page(after):
        yield page
        after = page[-1].row_id


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
