"""Examining files: the half of ingest that needs no ledger.

:func:`examine` hashes one file in one streaming pass, reads its header facts,
and runs the detectors; it never raises for a bad file. An :class:`Examiner`
examines many files at once and yields them in input order, for
:mod:`provenance.ingest.record` to record.

An examiner's threads hand each file to a guarded worker process, which
hashes it and reads its content (facts and detectors) within the settings'
time and memory budgets (see :mod:`provenance.ingest.guarded`): classifying
is Python that holds the GIL, and on threads alone the hashing threads would
wait for it at every chunk. A file whose examination kills a worker, or
overruns a budget, is recorded ``unreadable`` by its hash with the reason;
the other files are not affected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from provenance.classify import Classification
from provenance.errors import UnreadableFile
from provenance.files.hashing import HashedFile, changed_since, sha256_file
from provenance.files.media import MediaFacts
from provenance.files.walk import absolute, file_size
from provenance.ingest.guarded import classified, run_guarded, stopped
from provenance.ingest.identity import MediaIdentity, read_identity
from provenance.rules.flagging import Assessment, assess
from provenance.settings import Settings
from provenance.store.records import AssetFacts, Observation
from provenance.util.guard import Overrun, WorkerDied, item, step
from provenance.util.workpool import FILE_CHUNK, FILE_CHUNK_BYTES, OrderedPool

CRASHED = "examining this file crashed a worker process (a damaged or hostile file)"


@dataclass(frozen=True)
class Examined:
    """A file hashed and classified, ready to record; or the reason it could not be read."""

    path: Path
    observation: Observation | None
    classification: Classification | None
    error: str | None = None


def examine(path: Path, settings: Settings, host: str) -> Examined:
    """Hash, read facts and classify one file, in a guarded worker. Never raises for a bad file.

    The worker hashes too (untimed: hashing is bounded by the file's size),
    so the caller's threads only wait. A file the worker was stopped on (a
    detector past its time, a worker that died) is hashed here and recorded
    ``unreadable`` with the reason.
    """
    path = absolute(path)
    try:
        return run_guarded(settings, examine_here, path, settings, host)
    except (Overrun, WorkerDied) as exc:
        return _stopped(path, host, str(exc), exc.step)


def examine_here(path: Path, settings: Settings, host: str) -> Examined:
    """:func:`examine` in this process, without budgets (what a guarded worker runs)."""
    try:
        hashed = sha256_file(path)
        facts, result = classified(path, settings, hashed.stamp.size)
    except UnreadableFile as exc:
        return Examined(path, None, None, exc.what)
    assessment = assess(path, result, settings, datetime.now(UTC))
    step("identity")  # timed on its own: PyAV opens the container
    identity = read_identity(path, facts.format, facts.duration) if facts.readable else None
    # The detectors read the file after its hash was taken: had it changed in between, the
    # ledger would say of one content what another's markers said.
    if (how := changed_since(path, hashed.stamp)) is not None:
        return Examined(path, None, None, f"file {how} while it was being examined")
    return _examined(path, hashed, facts, result, assessment, host, identity)


def _stopped(path: Path, host: str, reason: str, where: str = "examine") -> Examined:
    try:
        hashed = sha256_file(path)
    except UnreadableFile as exc:
        return Examined(path, None, None, exc.what)
    facts, result = stopped(path, hashed.stamp.size, reason, where)
    return _examined(path, hashed, facts, result, Assessment(), host)


def _examined(
    path: Path,
    hashed: HashedFile,
    facts: MediaFacts,
    result: Classification,
    assessment: Assessment,
    host: str,
    identity: MediaIdentity | None = None,
) -> Examined:
    asset = _asset_facts(hashed.sha256, facts, result, assessment)
    if identity is not None:
        asset = replace(
            asset, timecode=identity.timecode, tc_rate=identity.tc_rate,
            tc_start=identity.tc_start, tc_length=identity.tc_length, reel=identity.reel,
            umid=identity.umid,
        )  # fmt: skip
    stamp = hashed.stamp
    obs = Observation(asset, host, str(path), stamp.size, stamp.mtime_ns, stamp.inode)
    return Examined(path, obs, result)


def _asset_facts(
    sha256: str, facts: MediaFacts, result: Classification, assessment: Assessment
) -> AssetFacts:
    return AssetFacts(
        sha256=sha256,
        size=facts.size,
        kind=facts.kind,
        mime=facts.mime,
        format=facts.format,
        width=facts.width,
        height=facts.height,
        duration=facts.duration,
        verdict=result.verdict,
        tool=result.tool,
        confidence=result.confidence,
        evidence=result.evidence,
        prompt=result.prompt,
        problem=facts.problem,
        expires_at=assessment.expires_at,
        status=assessment.status,
        flags=[flag.to_dict() for flag in assessment.flags],
    )


def examine_chunk(paths: Sequence[Path], settings: Settings, host: str) -> list[Examined]:
    """:func:`examine` each of ``paths`` (one task of an :class:`Examiner`), in one worker call.

    One call for many files: a thread that must win the parent's GIL back
    (from the thread recording into the ledger) for every file would leave
    its worker idle in between. When the worker is stopped on one file, the
    files before it are examined again (their results died with the
    worker), that one is recorded with the reason, and the rest go on.
    """
    todo = [absolute(path) for path in paths]
    done: list[Examined] = []
    while todo:
        try:
            return done + run_guarded(settings, examine_all_here, todo, settings, host)
        except (Overrun, WorkerDied) as exc:
            lost, culprit, todo = todo[: exc.item], todo[exc.item], todo[exc.item + 1 :]
            done += [examine(path, settings, host) for path in lost]
            done.append(_stopped(culprit, host, str(exc), exc.step))
    return done


def examine_all_here(paths: Sequence[Path], settings: Settings, host: str) -> list[Examined]:
    """:func:`examine_here` for each of ``paths``, saying which it is on (in a guarded worker)."""
    found = []
    for index, path in enumerate(paths):
        item(index)
        found.append(examine_here(path, settings, host))
    return found


def crashed(path: Path, settings: Settings, host: str) -> Examined:
    """A file whose examination killed a worker process, recorded as ``unreadable``.

    Runs in the parent, which only hashes the file (hashing is what cannot
    crash on content) and sniffs its kind from the first bytes, so the
    ledger knows the file by its content and an audit blocks it.
    """
    return _stopped(absolute(path), host, CRASHED)


class Examiner(OrderedPool[Path, Examined]):
    """Files examined on a pool of threads, yielded in input order.

    Work starts when the examiner is made. Each thread hands its files, one
    at a time, to a guarded worker process (:mod:`provenance.ingest.guarded`)
    that hashes and classifies them: the Python work of classifying never
    contends with hashing or recording for the parent's GIL, as it would on
    threads alone. The window is wide enough to keep both cores hashing
    through the time it takes to open the ledger (a few hundred
    milliseconds, a few hundred files); the results waiting in it are small.
    """

    WINDOW_PER_WORKER = 256

    def __init__(self, paths: Iterable[Path], settings: Settings, host: str) -> None:
        workers = settings.effective_workers()
        super().__init__(
            partial(examine_chunk, settings=settings, host=host),
            paths,
            workers,
            on_crash=partial(crashed, settings=settings, host=host),
            window=workers * self.WINDOW_PER_WORKER,
            name="ingest",
            chunk=FILE_CHUNK,
            weigh=file_size,
            chunk_weight=FILE_CHUNK_BYTES,
        )
