"""``provenance audit``: the hand-off gate.

:func:`audit` walks a package (a folder, or an archive unpacked safely into a
private temporary folder), and for every file runs the checks described in
:mod:`provenance.audit_judge`, each stage in bulk and in parallel:

1. list the files (links that leave the package are reported, not followed);
2. hash every file on a pool of threads or forked processes (hashing is
   the floor of the cost);
3. look the hashes up in the ledger, a batch at a time as they arrive;
4. classify only the files the ledger does not know;
5. fingerprint only the images and videos that could still be a copy of
   generated material and have no fingerprints stored, on a process pool,
   and query the in-memory index of every generated asset's fingerprints
   (videos by :func:`provenance.nearmatch.match_clip`; without PyAV, a video
   not fingerprinted before is not compared, and its reasons say so);
6. judge each file by the policy, group sequences, and record the audit in
   the ledger (an ``audits`` row and an ``audited`` event per matched asset).

Hashing is the floor, so it starts first: the ledger may be given as a
function that opens it, called once the hashing threads are running, and the
index of generated fingerprints loads while they run too. Loading SQLAlchemy,
numpy and the index then costs a core's idle share instead of adding to the
wall time.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.archives import is_archive, unpack
from provenance.audit_judge import Context, Seen, judge, sequence_neighbours
from provenance.audit_report import AuditReport, FileResult, SequenceResult, worst
from provenance.errors import ProvenanceError, UnreadableFile
from provenance.hashing import sha256_file
from provenance.policy import Policy
from provenance.sequences import frames_sentence, group_frames
from provenance.settings import Settings
from provenance.walk import absolute
from provenance.workpool import OrderedPool

if TYPE_CHECKING:
    from provenance.fingerprint import Fingerprint
    from provenance.nearmatch import NearMatchIndex
    from provenance.store import Ledger

Progress = Callable[[int], None]
LOOKUP_BATCH = 256  # files looked up in the ledger at once, while later ones still hash
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".exr", ".dpx"}
)
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mxf", ".mkv", ".webm", ".avi", ".mts", ".m2ts", ".ts", ".mpg",
     ".mpeg", ".wmv", ".flv"}
)  # fmt: skip
# The nearest generated asset and its distance, and for a video (matching, sampled) moments.
NearHit = tuple[tuple[str, int], tuple[int, int] | None]


class NotAPackage(ProvenanceError):
    """The audit target is neither a folder nor a supported archive."""


@dataclass(frozen=True)
class AuditOptions:
    """How to audit: the policy, strictness, and whether to record and make thumbnails."""

    policy: Policy = field(default_factory=Policy)
    strict: bool = False
    thumbnails: bool = False
    record: bool = True
    now: datetime | None = None
    processes: bool = False  # hash on forked processes: only from a process with no threads


@dataclass
class _Item:
    rel: str
    path: Path
    seen: Seen


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
    with _package(target) as (root, label, refused):
        return _Audit(root, label, ledger, settings, options, progress).run(refused)


@contextmanager
def _package(target: Path) -> Iterator[tuple[Path, str, list[FileResult]]]:
    if is_archive(target):
        with unpack(target) as unpacked:
            refused = [
                FileResult(member, "block", (f"{why}: not audited",))
                for member, why in unpacked.skipped
            ]
            yield unpacked.root, str(absolute(target)), refused
    elif target.is_dir():
        yield absolute(target), str(absolute(target)), []
    else:
        raise NotAPackage(
            "not a folder or an archive (.zip, .tar, .tar.gz)",
            where=target,
            fix="give the package's folder",
        )


def list_package(root: Path) -> tuple[list[tuple[str, Path]], list[FileResult]]:
    """Every regular file below ``root`` as (relative, absolute) paths, and what cannot be read."""
    files: list[tuple[str, Path]] = []
    problems: list[FileResult] = []
    real_root = root.resolve()
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs + names):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                problem = _link_problem(path, real_root)
                if problem is None and path.is_file():
                    files.append((rel, path))
                elif problem is not None:
                    problems.append(FileResult(rel, "block", (problem,)))
            elif name in names:
                if path.is_file():
                    files.append((rel, path))
                else:
                    problems.append(
                        FileResult(
                            rel, "block", ("special file (device, FIFO or socket): not content",)
                        )
                    )
    return sorted(files), problems


def _link_problem(path: Path, real_root: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link: the package is incomplete"
    if target != real_root and real_root not in target.parents:
        return f"symbolic link leaves the package (to {target}): not followed"
    return None


class _Audit:
    """One audit run: the stages, in order, with their timings."""

    def __init__(
        self, root: Path, label: str, ledger: Ledger | Callable[[], Ledger], settings: Settings,
        options: AuditOptions, progress: Progress | None,
    ) -> None:  # fmt: skip
        self.root, self.label, self.settings = root, label, settings
        self._ledger_source = ledger
        self.options = options
        self.progress = progress
        self.now = options.now or datetime.now(UTC)
        self.stages: dict[str, float] = {}
        self.unchecked: dict[str, str] = {}  # images the near-match check could not fingerprint
        self.noted: dict[str, str] = {}  # videos not compared for want of PyAV (no warning)

    @property
    def ledger(self) -> Ledger:
        """The ledger, opened on first use when it was given as a function."""
        source = self._ledger_source
        if callable(source):
            self._ledger_source = source = source()
        return source

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.stages[name] = self.stages.get(name, 0.0) + time.monotonic() - started

    def run(self, refused: list[FileResult]) -> AuditReport:
        """All the stages; returns the report."""
        started = datetime.now(UTC)
        with self._stage("list"):
            files, problems = list_package(self.root)
        workers = self.settings.effective_workers()
        with OrderedPool(
            hash_files, files, workers, on_crash=_hash_crashed, window=len(files),
            processes=self.options.processes, name="audit-hash",
        ) as hashing:  # fmt: skip
            index = self._index()  # while the files hash
            with self._stage("hash"):  # and each batch is looked up as it is hashed
                items = self._with_assets(self._counted(hashing))
        with self._stage("classify"):
            items = self._classify(items)
        items = self._near(items, index)
        results = self._judge(items) + problems + refused
        report = AuditReport(
            self.label, tuple(results), _sequences(results), self.options.strict,
            self.options.policy.source, started, datetime.now(UTC), dict(self.stages),
        )  # fmt: skip
        return self._finish(report, items)

    def _index(self) -> NearMatchIndex:
        with self._stage("open"):
            ledger = self.ledger
        with self._stage("index"):
            return load_index(ledger)

    def _with_assets(self, items: Iterable[_Item]) -> list[_Item]:
        done: list[_Item] = []
        for batch in _batches(items, LOOKUP_BATCH):
            started = time.monotonic()
            assets = self.ledger.assets_many(i.seen.sha256 for i in batch if i.seen.sha256)
            done += [
                replace(i, seen=replace(i.seen, asset=assets.get(i.seen.sha256 or "")))
                for i in batch
            ]
            self.stages["lookup"] = self.stages.get("lookup", 0.0) + time.monotonic() - started
        return done

    def _counted(self, items: Iterable[_Item]) -> Iterator[_Item]:
        for item in items:
            if self.progress is not None:
                self.progress(item.seen.size)
            yield item

    def _classify(self, items: list[_Item]) -> list[_Item]:
        todo = [i for i in items if i.seen.sha256 and i.seen.asset is None]
        with ThreadPoolExecutor(
            self.settings.effective_workers(), thread_name_prefix="audit-classify"
        ) as pool:
            verdicts = dict(
                zip((i.rel for i in todo), pool.map(self._classify_one, todo), strict=True)
            )
        return [
            replace(i, seen=replace(i.seen, verdict=verdicts[i.rel][0], tool=verdicts[i.rel][1]))
            if i.rel in verdicts else i
            for i in items
        ]  # fmt: skip

    def _classify_one(self, item: _Item) -> tuple[str, str | None]:
        from provenance.classify import classify_file

        _, result = classify_file(item.path, self.settings)
        return result.verdict, result.tool

    def _near(self, items: list[_Item], index: NearMatchIndex) -> list[_Item]:
        candidates = self._without_pyav([i for i in items if _could_be_copy(i)])
        if not len(index):
            return items
        with self._stage("fingerprint"):
            prints = self._fingerprints(candidates)
        with self._stage("near"):
            hits = {rel: _nearest(index, fps, sha) for rel, (fps, sha) in prints.items()}
        return [i if (hit := hits.get(i.rel)) is None else _with_near(i, hit) for i in items]

    def _without_pyav(self, candidates: list[_Item]) -> list[_Item]:
        # Near match for video is an optional extra: without PyAV a video is
        # still checked by hash and markers; its reasons say what was not done.
        videos = [i for i in candidates if _is_video(i)]
        if not videos:
            return candidates
        from provenance.video_frames import NOT_INSTALLED, available

        if available():
            return candidates
        stored = self.ledger.fingerprints_many(i.seen.sha256 for i in videos if i.seen.sha256)
        missing = {i.rel for i in videos if (i.seen.sha256 or "") not in stored}
        for rel in missing:
            self.noted[rel] = f"near match not checked: PyAV is not installed ({NOT_INSTALLED})"
        return [i for i in candidates if i.rel not in missing]

    def _fingerprints(
        self, candidates: Sequence[_Item]
    ) -> dict[str, tuple[tuple[Fingerprint, ...], str]]:
        from provenance.fingerprint import Fingerprint, fingerprint_files, process_pool

        stored = self.ledger.fingerprints_many(i.seen.sha256 for i in candidates if i.seen.sha256)
        found: dict[str, tuple[tuple[Fingerprint, ...], str]] = {}
        todo: list[_Item] = []
        for item in candidates:
            sha = item.seen.sha256 or ""
            row = stored.get(sha)
            if row is None:
                todo.append(item)
            elif row.hashes:
                found[item.rel] = (tuple(Fingerprint.from_signed(*h) for h in row.hashes), sha)
            elif row.status == "undecodable":
                self.unchecked[item.rel] = row.reason or row.status
        if todo:
            with process_pool() as pool:
                results = fingerprint_files([i.path for i in todo], executor=pool)
                for item, result in zip(todo, results, strict=True):
                    if result.fingerprints:
                        found[item.rel] = (result.fingerprints, item.seen.sha256 or "")
                    elif result.kind == "video" and result.status == "unavailable":
                        self.noted[item.rel] = f"near match not checked ({result.reason})"
                    elif result.status in ("error", "unavailable", "undecodable"):
                        self.unchecked[item.rel] = result.reason or result.status
        return found

    def _judge(self, items: Sequence[_Item]) -> list[FileResult]:
        with self._stage("lookup"):
            shas = {i.seen.asset.sha256 for i in items if i.seen.asset}
            shas |= {i.seen.near[0] for i in items if i.seen.near}
            assets = self.ledger.assets_many(shas)
            approvals = self.ledger.approvals_for_many(shas)
        ctx = Context(self.options.policy, self.now, assets, approvals)
        results = [
            _noted(_unchecked(judge(i.seen, ctx), self.unchecked.get(i.rel)), self.noted.get(i.rel))
            for i in items
        ]
        sequence_of = {
            p: g.label
            for g in group_frames(r.path for r in results)
            if g.is_sequence
            for p in g.paths
        }
        return sequence_neighbours(results, sequence_of)

    def _finish(self, report: AuditReport, items: Sequence[_Item]) -> AuditReport:
        if self.options.thumbnails:
            from provenance.audit_thumbs import thumbnails_for

            with self._stage("thumbnails"):
                paths = {i.rel: i.path for i in items}
                report = replace(report, thumbnails=thumbnails_for(report, paths, self.ledger))
        if self.options.record:
            with self._stage("record"):
                record_audit(report, self.ledger)
        return replace(report, stages=dict(self.stages))


def _batches(items: Iterable[_Item], size: int) -> Iterator[list[_Item]]:
    batch: list[_Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def hash_files(files: list[tuple[str, Path]]) -> list[_Item]:
    """Hash package files (one task of the audit's hashing pool)."""
    return [_hash_one(rel, path) for rel, path in files]


def _hash_one(rel: str, path: Path) -> _Item:
    try:
        hashed = sha256_file(path)
    except UnreadableFile as exc:
        return _Item(rel, path, Seen(rel, None, 0, error=exc.what))
    return _Item(rel, path, Seen(rel, hashed.sha256, hashed.stamp.size))


def _hash_crashed(file: tuple[str, Path]) -> _Item:
    rel, path = file
    return _Item(rel, path, Seen(rel, None, 0, error="hashing it crashed a worker process"))


def _unchecked(result: FileResult, reason: str | None) -> FileResult:
    # Fail towards a person's look: a picture that could not be compared with
    # the generated assets is not silently passed.
    if reason is None:
        return result
    note = f"near-match check not possible ({reason})"
    verdict = "warn" if result.verdict == "pass" else result.verdict
    return replace(result, verdict=verdict, reasons=(*result.reasons, note))


def _noted(result: FileResult, note: str | None) -> FileResult:
    return result if note is None else replace(result, reasons=(*result.reasons, note))


def _could_be_copy(item: _Item) -> bool:
    seen = item.seen
    verdict = seen.asset.verdict if seen.asset else seen.verdict
    is_image = (
        (seen.asset.kind == "image") if seen.asset else item.path.suffix.lower() in IMAGE_SUFFIXES
    )
    is_picture = is_image or _is_video(item)
    return bool(seen.sha256) and is_picture and verdict not in ("genai", "unreadable")


def _is_video(item: _Item) -> bool:
    asset = item.seen.asset
    return asset.kind == "video" if asset else item.path.suffix.lower() in VIDEO_SUFFIXES


def _nearest(index: NearMatchIndex, prints: Sequence[Fingerprint], own_sha: str) -> NearHit | None:
    if len(prints) > 1:  # a video's moments
        from provenance.nearmatch import match_clip

        clip = match_clip(index, prints, own_sha)
        if clip is None:
            return None
        return (str(clip.asset), clip.distance), (clip.matched, clip.sampled)
    for asset, distance in index.query(prints[0]):
        if asset != own_sha:
            return (str(asset), distance), None
    return None


def _with_near(item: _Item, hit: NearHit) -> _Item:
    return replace(item, seen=replace(item.seen, near=hit[0], near_frames=hit[1]))


def load_index(ledger: Ledger) -> NearMatchIndex:
    """Every generated asset's fingerprint, loaded in batches."""
    from provenance.nearmatch import NearMatchIndex

    index = NearMatchIndex()
    after = 0
    while batch := ledger.genai_fingerprints(after):
        index.add([b.sha256 for b in batch], [b.grad for b in batch], [b.dct for b in batch])
        after = batch[-1].row_id
    return index


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


def record_audit(report: AuditReport, ledger: Ledger) -> int:
    """Record the audit run and an ``audited`` event on every asset a file matched."""
    from provenance.reports.audit_formats import to_json
    from provenance.store.audit_facade import AuditedFile, AuditIn

    digest = hashlib.sha256(to_json(report).encode()).hexdigest()
    s = report.summary
    run = AuditIn(report.root, report.verdict, s["files"], s["pass"], s["warn"], s["block"],
                  report.policy, digest)  # fmt: skip
    matched = [
        AuditedFile(f.match.asset, f.path, f.verdict, f.match.kind)
        for f in report.files
        if f.match.asset and f.match.kind in ("ledger", "near")
    ]
    return ledger.record_audit(run, matched)
