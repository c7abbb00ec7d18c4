"""``provenance audit``: the hand-off gate.

:func:`audit` walks a package (a folder, or an archive unpacked safely into a
private temporary folder), and for every file runs the checks described in
:mod:`provenance.audit.judge`, each stage in bulk and in parallel:

1. list the files (links that leave the package are reported, not followed;
   see :mod:`provenance.audit.package`);
2. hash every file on a pool of threads or forked processes (hashing is
   the floor of the cost);
3. look the hashes up in the ledger, a batch at a time as they arrive;
4. run the detectors on every file, known or not: the ledger never counts
   for more than the file (a row that contradicts the file's own markers is
   a discrepancy, see :mod:`provenance.audit.judge`; a row that already says
   ``genai`` cannot be contradicted and is not read again). Known files are
   read on the hashing workers, queued as each batch is looked up
   (:mod:`provenance.audit.markers`), the others in guarded workers; each
   matched asset's row is checked against its events
   (:mod:`provenance.store.projection`);
5. compare the images and videos that could still be a copy of generated
   material with every generated asset's fingerprints (those the deferred
   stage has not fingerprinted or described yet are done first where their
   files are here; the others are the package's own warning, see
   :mod:`provenance.audit.references`) (see
   :mod:`provenance.audit.near`), describing the pictures the next stage will
   look into in the same decode;
6. look for generated pictures inside the images nothing settled
   (:mod:`provenance.audit.regions`), and sweep the videos along their whole
   length for generated stills and shots cut into them
   (:mod:`provenance.audit.segments`);
7. judge each file by the policy, group sequences, and record the audit in
   the ledger (an ``audits`` row and an ``audited`` event per matched asset,
   and the media identity of matched assets recorded without one:
   :mod:`provenance.audit.identities`).

Hashing is the floor, so it starts first: the ledger may be given as a
function that opens it, called once the hashing workers are running, and the
index of generated fingerprints loads while they run too. Loading SQLAlchemy,
numpy and the index then costs a core's idle share instead of adding to the
wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from provenance.audit.caveats import (
    blocked,
    noted,
    tampered,
    trusted_approvals,
    unchecked,
    undecodable,
)
from provenance.audit.identities import late_identities
from provenance.audit.judge import Context, Seen, judge, sequence_neighbours
from provenance.audit.listing import Listing
from provenance.audit.markers import (
    Marks,
    Sized,
    lost,
    mark_files,
    warm_detectors,
    with_marks,
    worth_marking,
)
from provenance.audit.near import NearCheck
from provenance.audit.package import (
    Item,
    NotAPackage,
    changed_since_hashed,
    hash_crashed,
    hash_files,
    open_package,
)
from provenance.audit.recorded import record_audit
from provenance.audit.references import check_references
from provenance.audit.regions import LoadedRegions, RegionCheck
from provenance.audit.report import (
    AuditReport,
    FileResult,
    PackageResult,
    SequenceResult,
    worst,
)
from provenance.audit.segments import SegmentCheck
from provenance.errors import UnreadableFile
from provenance.files.sequences import frames_sentence, group_frames
from provenance.files.walk import file_size
from provenance.likeness.fingerprint import sharing_workers
from provenance.likeness.search import Pictures, load_index
from provenance.likeness.vouch import index_distrust
from provenance.rules.flagging import with_current_flags
from provenance.rules.policy import Policy, honoured
from provenance.settings import Settings
from provenance.signing.approvals import approval_trust
from provenance.util.stages import no_tick
from provenance.util.workpool import FILE_CHUNK, FILE_CHUNK_BYTES, Later, OrderedPool

if TYPE_CHECKING:
    from provenance.likeness.describe import Described
    from provenance.likeness.index import NearMatchIndex
    from provenance.likeness.vouch import IndexVouch
    from provenance.store import AssetRecord, Difference, Ledger

Thumbnailer = Callable[[AuditReport, Mapping[str, Path], "Ledger"], Mapping[str, str]]
"""Makes previews for a report (by package path or sha256) from its files and the ledger."""

__all__ = ["AuditOptions", "NotAPackage", "audit", "audit_files", "load_index"]

Progress = Callable[[int], None]
T = TypeVar("T")
LOOKUP_BATCH = 256  # files looked up in the ledger at once, while later ones still hash
Marking = tuple[list[Item], Later[Sized, Marks | None]]
"""A batch's known files, and their markers' pass queued on the hashing workers."""


@dataclass(frozen=True)
class AuditOptions:
    """How to audit: the policy, strictness, whether to record, and how to make thumbnails.

    ``thumbnails`` is given by whoever renders them (the HTML report): the audit
    times it as a stage, with the ledger open, and knows nothing of rendering.
    """

    policy: Policy = field(default_factory=Policy)
    strict: bool = False
    thumbnails: Thumbnailer | None = None
    record: bool = True
    # fill in the media identity of known files' assets recorded without one (a cut's
    # media, whose run the cut records itself, asks it with ``record`` off)
    identify: bool = False
    now: datetime | None = None
    processes: bool = False  # hash on forked processes: only from a process with no threads
    on_stage: Callable[[str], None] | None = None  # told each stage's name as it starts
    # told a stage's name after each file it is done with, where a stage counts them
    # (classify, fingerprint, regions, segments: the long ones; hashing has ``progress``)
    on_item: Callable[[str], None] | None = None
    on_size: Callable[[str, int], None] | None = None  # told a stage's number of files, when known
    pictures: Pictures | None = None  # what the caller loaded to compare pictures (history's)
    # fingerprint and describe the generated assets that lack references, before comparing
    # (off: nothing is computed nor written, what is missing is only reported: history's look)
    references: bool = True


def audit(
    target: Path,
    ledger: Ledger | Callable[[], Ledger],
    settings: Settings,
    options: AuditOptions,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit a folder or an archive; the report is recorded in the ledger unless told not to.

    ``ledger`` is the ledger, or a function that opens it: it is then called
    once the package's files are being hashed.
    """
    with open_package(target) as package:
        run = _Audit(package.root, package.label, ledger, settings, options, progress,
                     unpacked=package.area.path)  # fmt: skip
        return run.run(package.listing)


def audit_files(
    files: Sequence[tuple[str, Path]],
    label: str,
    ledger: Ledger | Callable[[], Ledger],
    settings: Settings,
    options: AuditOptions,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit named files (report path, where it is) as one package labelled ``label``.

    A cut's media (:mod:`provenance.audit.cut`) is audited this way: the same
    stages, on the files its clips use, wherever they are.
    """
    listing = Listing(files=list(files))
    return _Audit(Path(label), label, ledger, settings, options, progress).run(lambda: listing)


class _Audit:
    """One audit run: the stages, in order, with their timings."""

    def __init__(
        self, root: Path, label: str, ledger: Ledger | Callable[[], Ledger], settings: Settings,
        options: AuditOptions, progress: Progress | None, *, unpacked: Path | None = None,
    ) -> None:  # fmt: skip
        self.root, self.label, self.settings = root, label, settings
        self._ledger_source = ledger
        self.options = options
        self.progress = progress
        self.now = options.now or datetime.now(UTC)
        self.stages: dict[str, float] = {}
        self.undecodable: dict[str, str] = {}  # pictures that do not decode: they block
        self.unchecked: dict[str, str] = {}  # pictures whose decoder is not installed: warn
        # videos not compared for want of PyAV, near matches kept unconfirmed (no warning)
        self.noted: dict[str, str] = {}
        self.unseen: dict[str, str] = {}  # videos not swept to their end: they block
        self.changed: dict[str, str] = {}  # files changed since they were hashed: they block
        self.deferred: set[str] = set()  # videos whose moments come from the sweep
        self.differs: Mapping[str, Sequence[Difference]] = {}  # matched rows unlike their events
        self.unpacked = unpacked  # where archives were unpacked: no file's real place
        self.package = PackageResult()  # generated assets the comparison could not include
        self._index_check: IndexVouch | None = None

    @property
    def ledger(self) -> Ledger:
        """The ledger, opened on first use when it was given as a function."""
        source = self._ledger_source
        if callable(source):
            self._ledger_source = source = source()
        return source

    @property
    def index_check(self) -> IndexVouch:
        """What checks the indexes of generated pictures against the chain: the one the
        command's pictures load through, or one made on first use."""
        if self._index_check is None:
            pictures = self.options.pictures
            if pictures is not None and pictures.vouch is not None:
                self._index_check = pictures.vouch
            else:
                # Lazy: the lifecycle package loads the store's queries (SQLAlchemy).
                from provenance.lifecycle.index_check import IndexCheck  # noqa: PLC0415

                self._index_check = IndexCheck(self.ledger, self.settings)
        return self._index_check

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        if self.options.on_stage is not None:
            self.options.on_stage(name)
        started = time.monotonic()
        yield
        self.stages[name] = self.stages.get(name, 0.0) + time.monotonic() - started

    def _ticking(self, name: str) -> Callable[[], None]:
        """One more file done by stage ``name``, told to ``on_item`` (if anyone listens)."""
        told = self.options.on_item
        return no_tick if told is None else partial(told, name)

    def run(self, listed: Callable[[], Listing]) -> AuditReport:
        """All the stages, from listing the package with ``listed``; returns the report."""
        started = datetime.now(UTC)
        with self._stage("list"):
            listing = listed()
            files = listing.files
        if self.options.on_size is not None:
            self.options.on_size("hash", len(files))
        workers = self.settings.effective_workers()
        with OrderedPool(
            hash_files, files, workers, on_crash=hash_crashed, window=len(files),
            processes=self.options.processes, name="audit-hash", chunk=FILE_CHUNK,
            weigh=_file_weight, chunk_weight=FILE_CHUNK_BYTES, warm=warm_detectors,
        ) as hashing:  # fmt: skip
            index = self._index()  # while the files hash
            with self._stage("hash"):  # and each batch is looked up as it is hashed
                items, marking = self._with_assets(self._counted(hashing), hashing)
            with self._stage("markers"):  # the known files' own markers, on the same workers
                items = _marked(items, marking)
        with self._stage("classify"):
            items = self._classify(items)
        regions = LoadedRegions(self.ledger, self.index_check)
        region_check = RegionCheck(self.ledger, regions, self._ticking("regions"))
        with sharing_workers():  # the decoding steps share one set of workers
            items, described = self._near(items, index, region_check)
            items = self._regions(items, region_check, described)
            items = self._segments(items, index, regions)
        with self._stage("recheck"):  # last: every stage read the files after hashing them
            self.changed = changed_since_hashed(items)
        results = self._judge(items, listing.blocks) + listing.problems
        report = AuditReport(
            self.label, tuple(results), _sequences(results), self.options.strict,
            self.options.policy.source, started, datetime.now(UTC), dict(self.stages),
            operator=self.ledger.actor, host=self.ledger.host, ledger=self.ledger.where,
            places=self._places(results), package=self.package,
        )  # fmt: skip
        return self._finish(report, items)

    def _places(self, results: Sequence[FileResult]) -> dict[str, str]:
        """Where each matched asset is present now (its first path), for reports to name it."""
        shas = {r.match.asset for r in results if r.match.asset}
        shas |= {s.asset for r in results for s in r.segments}
        return self.ledger.locations.first_present(shas) if shas else {}

    def _index(self) -> NearMatchIndex:
        with self._stage("open"):
            ledger = self.ledger
        with self._stage("references"):  # before the index loads, which then holds them
            action = self.options.policy.incomplete_references
            self.package = check_references(ledger, action, fill=self.options.references)
        with self._stage("index"):
            if self.options.pictures is not None:
                self.options.pictures.vouch = self.index_check
                return self.options.pictures.index()
            return load_index(ledger, self.index_check)

    def _with_assets(
        self, items: Iterable[Item], pool: OrderedPool[tuple[str, Path], Item]
    ) -> tuple[list[Item], list[Marking]]:
        done: list[Item] = []
        marking: list[Marking] = []
        for hashed in _batches(items, LOOKUP_BATCH):
            with self._stage("lookup"):  # adds up over the batches
                assets = self._assets(i.seen.sha256 for i in hashed if i.seen.sha256)
                batch = [
                    replace(i, seen=replace(i.seen, asset=assets.get(i.seen.sha256 or "")))
                    for i in hashed
                ]
            done += batch
            marking.append(self._start_markers(batch, pool))
        return done, marking

    def _assets(self, shas: Iterable[str]) -> dict[str, AssetRecord]:
        found = self.ledger.assets.many(shas)
        return {sha: with_current_flags(asset, self.settings) for sha, asset in found.items()}

    def _counted(self, items: Iterable[Item]) -> Iterator[Item]:
        for item in items:
            if self.progress is not None:
                self.progress(item.seen.size)
            yield item

    def _start_markers(
        self, batch: list[Item], pool: OrderedPool[tuple[str, Path], Item]
    ) -> Marking:
        # A ledger row cannot vouch for bytes whose own markers say otherwise
        # (issue 15). Queued as soon as the batch is looked up, the known
        # files' markers keep a worker busy that has no more files to hash.
        known = [i for i in batch if i.seen.asset is not None and _to_read(i.seen)]
        task = partial(mark_files, self.settings)
        # A task is a round trip through the pool (about 0.8 ms of the audit's CPU), and
        # a file's markers cost a tenth of that: the batch goes to the workers in one
        # share each, not in the hashing's chunks of 32.
        share = -(-len(known) // self.settings.effective_workers())
        sized = [(i.path, i.seen.size) for i in known]
        return known, pool.start_also(task, sized, on_crash=lost, chunk=share)

    def _classify(self, items: list[Item]) -> list[Item]:
        # Files not in the ledger, and known ones whose markers pass lost its worker.
        todo = [i for i in items if i.seen.verdict is None and _to_read(i.seen)]
        with ThreadPoolExecutor(
            self.settings.effective_workers(), thread_name_prefix="audit-classify"
        ) as pool:
            classified = _told(pool.map(self._classify_one, todo), self._ticking("classify"))
            seen = dict(zip((i.rel for i in todo), classified, strict=True))
        return [replace(i, seen=seen[i.rel]) if i.rel in seen else i for i in items]

    def _classify_one(self, item: Item) -> Seen:
        # Lazy: the detectors load once the files are hashed. The content is
        # read in a guarded worker, within the settings' budgets.
        from provenance.classify import unvouched_reason  # noqa: PLC0415
        from provenance.ingest.guarded import read_content  # noqa: PLC0415

        try:
            facts, result = read_content(item.path, self.settings, item.seen.size)
        except UnreadableFile as exc:
            return replace(item.seen, error=exc.what)
        # A file the gate cannot vouch for says why (a damaged header, a
        # detector stopped past its time budget), so the reason is on the file.
        error = unvouched_reason(facts, result)
        return replace(item.seen, verdict=result.verdict, tool=result.tool, error=error)

    def _near(
        self, items: list[Item], index: NearMatchIndex, regions: RegionCheck
    ) -> tuple[list[Item], dict[str, Described]]:
        """The items with their near matches, and the pictures described on the way (one decode)."""
        computed = self.options.pictures.computed if self.options.pictures else {}
        check = NearCheck(self.ledger, index, defer_videos=True, tick=self._ticking("fingerprint"),
                          computed=computed)  # fmt: skip
        with self._stage("fingerprint"):
            check.to_describe = regions.wanted(items) if len(index) else frozenset()
            prints = check.fingerprints(items)
        with self._stage("near"):
            items = check.matched(items, prints)
        self.undecodable.update(check.undecodable)
        self.unchecked.update(check.unchecked)
        self.noted.update(check.noted)
        self.noted.update(check.unconfirmed)  # kept, and blocking as before: said why
        self.deferred = check.deferred
        return items, check.described

    def _regions(
        self, items: list[Item], check: RegionCheck, described: dict[str, Described]
    ) -> list[Item]:
        with self._stage("regions"):
            return check.matched(items, described)

    def _segments(
        self, items: list[Item], index: NearMatchIndex, regions: LoadedRegions
    ) -> list[Item]:
        check = SegmentCheck(
            self.ledger, index, regions, self.deferred, tick=self._ticking("segments")
        )
        with self._stage("segments"):
            items = check.matched(items)
        self.unseen.update(check.unseen)
        self.noted.update(check.noted)
        return items

    def _judge(self, items: Sequence[Item], blocks: Mapping[str, list[str]]) -> list[FileResult]:
        with self._stage("lookup"):
            # The exact matches were looked up while hashing; only the
            # generated assets that near matches point to are still unknown.
            assets = {i.seen.asset.sha256: i.seen.asset for i in items if i.seen.asset}
            targets = {i.seen.near[0] for i in items if i.seen.near}
            targets |= {i.seen.region.sha256 for i in items if i.seen.region}
            targets |= {s.asset for i in items for s in i.seen.segments}
            targets -= assets.keys()
            assets |= self._assets(targets) if targets else {}
            trust = approval_trust(self.settings)
            approvals = honoured(self.ledger.approvals.many(assets), trust)
            # Lazy: the lifecycle package loads the store's queries (SQLAlchemy).
            from provenance.lifecycle.anchors import ledger_distrust  # noqa: PLC0415

            distrust = ledger_distrust(self.ledger, self.settings)
            distrust = distrust or index_distrust(self._index_check)
        with self._stage("state"):
            differs = self.ledger.state.check(assets)
            for sha, found in self.ledger.take_unsealed().items():  # what likeness stored
                differs.setdefault(sha, []).extend(found)
            self.differs = differs
        ctx = Context(
            self.options.policy, self.now, assets, trusted_approvals(approvals, self.differs)
        )
        extra = (distrust,) if distrust else ()
        results = [self._result(i, ctx, (*blocks.get(i.rel, ()), *extra)) for i in items]
        sequence_of = {
            p: g.label
            for g in group_frames(r.path for r in results)
            if g.is_sequence
            for p in g.paths
        }
        return sequence_neighbours(results, sequence_of)

    def _result(self, item: Item, ctx: Context, blocks: Sequence[str]) -> FileResult:
        result = judge(item.seen, ctx)
        result = undecodable(result, self.undecodable.get(item.rel), ctx.policy.unreadable)
        result = noted(unchecked(result, self.unchecked.get(item.rel)), self.noted.get(item.rel))
        unseen = self.unseen.get(item.rel)  # a video not swept to its end
        changed = self.changed.get(item.rel)
        result = blocked(result, (*blocks, *(r for r in (unseen, changed) if r)))
        # The file's own row and the row it was matched to: a damaged file is judged without
        # its row, but an edit to that row is news whatever the policy makes of the damage.
        own = item.seen.asset.sha256 if item.seen.asset is not None else None
        rows = dict.fromkeys(r for r in (own, result.match.asset) if r)
        return blocked(result, tampered([d for r in rows for d in self.differs.get(r, ())]))

    def _finish(self, report: AuditReport, items: Sequence[Item]) -> AuditReport:
        if self.options.thumbnails:
            with self._stage("thumbnails"):
                paths = {i.rel: i.path for i in items}
                made = self.options.thumbnails(report, paths, self.ledger)
                report = replace(report, thumbnails=made)
        if self.options.record:
            with self._stage("record"):
                record_audit(report, self.ledger)
                self.ledger.identify(late_identities(items, self._named))
        elif self.options.identify:  # a cut's media: the cut's run records (and times) itself
            self.ledger.identify(late_identities(items, self._named))
        return replace(report, stages=dict(self.stages))

    def _named(self, item: Item) -> str:
        """Where a file is, as the report names it: a member of an archive as the package's path
        and its own (``<archive>/<member>``), never the temporary place it was unpacked to."""
        if self.unpacked is not None and item.path.is_relative_to(self.unpacked):
            return f"{self.label}/{item.rel}"
        return str(item.path)


def _told(results: Iterable[T], tick: Callable[[], None]) -> Iterator[T]:
    """``results``, telling ``tick`` of each as it comes (in this thread, not the pool's)."""
    for result in results:
        tick()
        yield result


def _marked(items: list[Item], marking: Sequence[Marking]) -> list[Item]:
    """The items, known files with their own verdict (those whose pass was lost: without)."""
    marks = {
        i.rel: m
        for known, later in marking
        for i, m in zip(known, later.results(), strict=True)
        if m is not None
    }
    return [i if (m := marks.get(i.rel)) is None else with_marks(i, m) for i in items]


def _to_read(seen: Seen) -> bool:
    # A hashed file's own markers are read unless its row settles them (see worth_marking).
    return bool(seen.sha256) and (seen.asset is None or worth_marking(seen.asset))


def _file_weight(item: tuple[str, Path]) -> int:
    return file_size(item[1])


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sequences(results: Sequence[FileResult]) -> tuple[SequenceResult, ...]:
    verdicts = {r.path: r.verdict for r in results}
    found = []
    for group in group_frames(verdicts):
        if not group.is_sequence:
            continue
        notes = tuple(n for v in ("block", "warn") if (n := frames_sentence(group, verdicts, v)))
        action = worst([verdicts[p] for p in group.paths])
        found.append(SequenceResult(group.label, len(group.paths), action, notes))
    return tuple(found)
