"""Examining files: the half of ingest that needs no ledger.

:func:`examine` hashes one file in one streaming pass, reads its header facts,
and runs the detectors; it never raises for a bad file. An :class:`Examiner`
examines many files at once and yields them in input order, for
:mod:`provenance.ingest.record` to record.

An examiner runs on threads (hashing releases the GIL) or, for a one-shot
scan on Linux, on forked worker processes (see :mod:`provenance.util.workpool`):
classifying is Python that holds the GIL, and on threads the hashing threads
wait for it at every chunk (the generated benchmark corpus: 2.2 s on two
threads, 1.6 s on two processes). A file whose examination kills a worker is
recorded ``unreadable`` by its hash; the other files are not affected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from provenance.classify import Classification, classify_file, decide
from provenance.detectors.base import error_evidence
from provenance.detectors.registry import load_detectors
from provenance.errors import UnreadableFile
from provenance.files.hashing import HashedFile, sha256_file
from provenance.files.media import HEAD_BYTES, MediaFacts, read_facts, sniff
from provenance.files.opening import read_head
from provenance.files.walk import absolute, file_size
from provenance.rules.flagging import Assessment, assess
from provenance.settings import Settings
from provenance.store.records import AssetFacts, Observation
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
    """Hash, read facts and classify one file. Never raises for a bad file."""
    path = absolute(path)
    try:
        hashed = sha256_file(path)
        facts = _facts(path, hashed.stamp.size)
    except UnreadableFile as exc:
        return Examined(path, None, None, exc.what)
    facts, result = classify_file(path, settings, facts=facts)
    assessment = assess(path, result, settings, datetime.now(UTC))
    return _examined(path, hashed, facts, result, assessment, host)


def _examined(
    path: Path,
    hashed: HashedFile,
    facts: MediaFacts,
    result: Classification,
    assessment: Assessment,
    host: str,
) -> Examined:
    asset = _asset_facts(hashed.sha256, facts, result, assessment)
    stamp = hashed.stamp
    obs = Observation(asset, host, str(path), stamp.size, stamp.mtime_ns, stamp.inode)
    return Examined(path, obs, result)


def _facts(path: Path, size: int) -> MediaFacts:
    try:
        return read_facts(path, size)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})", where=path) from exc


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
    """:func:`examine` each of ``paths`` (one task of an :class:`Examiner`)."""
    return [examine(path, settings, host) for path in paths]


def crashed(path: Path, settings: Settings, host: str) -> Examined:
    """A file whose examination killed a worker process, recorded as ``unreadable``.

    Runs in the parent, which only hashes the file (hashing is what cannot
    crash on content) and sniffs its kind from the first bytes, so the
    ledger knows the file by its content and an audit blocks it.
    """
    path = absolute(path)
    try:
        hashed = sha256_file(path)
    except UnreadableFile as exc:
        return Examined(path, None, None, exc.what)
    fmt = sniff(_head(path), path.suffix.lower())
    facts = MediaFacts(hashed.stamp.size, fmt.kind, fmt.mime, fmt.name, problem=CRASHED)
    result = decide(facts, [error_evidence("examine", CRASHED)])
    return _examined(path, hashed, facts, result, Assessment(), host)


def _head(path: Path) -> bytes:
    try:
        return read_head(path, HEAD_BYTES)
    except OSError:
        return b""


class Examiner(OrderedPool[Path, Examined]):
    """Files examined on a pool of threads or processes, yielded in input order.

    Work starts when the examiner is made. The window is wide enough to keep
    both cores hashing through the time it takes to open the ledger (a few
    hundred milliseconds, a few hundred files); the results waiting in it
    are small. ``processes`` asks for forked worker processes (see
    :mod:`provenance.util.workpool`: only a process with no other threads running
    should ask, like the CLI's scan, never the watch daemon).
    """

    WINDOW_PER_WORKER = 256

    def __init__(
        self, paths: Iterable[Path], settings: Settings, host: str, *, processes: bool = False
    ) -> None:
        workers = settings.effective_workers()
        super().__init__(
            partial(examine_chunk, settings=settings, host=host),
            paths,
            workers,
            on_crash=partial(crashed, settings=settings, host=host),
            window=workers * self.WINDOW_PER_WORKER,
            processes=processes,
            warm=load_detectors,
            name="ingest",
            chunk=FILE_CHUNK,
            weigh=file_size,
            chunk_weight=FILE_CHUNK_BYTES,
        )
