"""Reading a file's content within budgets: facts and classification in a guarded worker.

Hashing cannot be fooled by content: it reads bytes once, and the opener
refuses what is not a regular file; it is never timed. Everything that
*parses* content (media facts, every detector) can be fooled: a C2PA SDK
quadratic on many boxes, a picture just under the pixel guard that costs
hundreds of megabytes to decode. So
:func:`read_content` (and :func:`~provenance.ingest.examine.examine`, which
hashes in the worker too, so its caller's threads only wait) runs that part
in a worker of a
:class:`~provenance.util.guard.GuardedPool`, with the settings' budgets:
``detector_seconds`` per detector per file, ``worker_memory_mb`` per worker.

A file whose worker was stopped (a detector over its time, a worker that
died, of a native crash or past its memory) is *unreadable for that reason*:
its facts carry the reason as their problem ("c2pa: gave up after 5 s"), so
the ledger records it, ``scan`` lists it and the audit blocks it. A detector
that runs out of memory without killing its worker is an ``error`` evidence
item saying so (see :func:`provenance.classify.run_detectors`).

``scan``, ``classify``, the audit and the watch daemon all come here, each
from its own threads; one pool per budget serves the whole process.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from provenance.classify import Classification, classify_file, decide
from provenance.detectors.base import error_evidence
from provenance.detectors.registry import load_detectors
from provenance.errors import UnreadableFile
from provenance.files.formats.once import parsed_once
from provenance.files.media import MediaFacts, read_facts, sniff
from provenance.files.opening import HEAD_BYTES, read_head
from provenance.settings import Settings
from provenance.util.guard import Budget, GuardedPool, MiB, Overrun, WorkerDied, step

Content = tuple[MediaFacts, Classification]
R = TypeVar("R")

_pools: dict[tuple[int, Budget], GuardedPool] = {}
_lock = threading.Lock()


def budget_of(settings: Settings) -> Budget:
    """The budgets the settings give each worker."""
    return Budget(settings.detector_seconds, settings.worker_memory_mb * MiB)


def pool_for(settings: Settings) -> GuardedPool:
    """The process's pool of guarded workers for these settings' budgets and worker count."""
    key = (settings.effective_workers(), budget_of(settings))
    with _lock:
        if key not in _pools:
            _pools[key] = GuardedPool(key[0], key[1], warm=load_detectors)
        return _pools[key]


@atexit.register
def close_pools() -> None:
    """Stop every guarded worker of this process."""
    with _lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def run_guarded(settings: Settings, function: Callable[..., R], *args: object) -> R:
    """``function(*args)`` in a guarded worker of the pool for these settings."""
    return pool_for(settings).run(function, *args)


def read_facts_or_reason(path: Path, size: int) -> MediaFacts:
    """The file's facts, read as a timed step ("media"); raises :class:`UnreadableFile`."""
    step("media")
    try:
        return read_facts(path, size)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file ({exc.strerror or exc})", where=path) from exc


def read_content(path: Path, settings: Settings, size: int | None = None) -> Content:
    """Facts and classification of ``path``, read in a guarded worker. Never hangs.

    Raises :class:`UnreadableFile` when the file cannot be opened (gone, or
    not a regular file any more); a file the worker was stopped on comes
    back ``unreadable``, with the reason.
    """
    try:
        found = pool_for(settings).run(_in_worker, path, settings, size)
    except (Overrun, WorkerDied) as exc:
        return stopped(path, size or 0, str(exc), exc.step)
    if isinstance(found, str):
        raise UnreadableFile(found, where=path, fix="check it is still a regular, readable file")
    return found


def _in_worker(path: Path, settings: Settings, size: int | None) -> Content | str:
    try:
        return classified(path, settings, path.stat().st_size if size is None else size)
    except (UnreadableFile, OSError) as exc:
        return exc.what if isinstance(exc, UnreadableFile) else f"cannot read file ({exc})"


def classified(path: Path, settings: Settings, size: int) -> Content:
    """Facts and classification of ``path``, in one pass: the facts' walks serve the detectors.

    Raises :class:`UnreadableFile` when the file cannot be read at all.
    """
    with parsed_once():
        return classify_file(path, settings, facts=read_facts_or_reason(path, size))


def stopped(path: Path, size: int, reason: str, where: str = "") -> Content:
    """An ``unreadable`` result for a file its worker was stopped on, told from its first bytes."""
    try:
        head = read_head(path, HEAD_BYTES)
    except OSError:
        head = b""
    fmt = sniff(head, path.suffix.lower())
    facts = MediaFacts(size, fmt.kind, fmt.mime, fmt.name, problem=reason)
    return facts, decide(facts, [error_evidence(where or "examine", reason)])
