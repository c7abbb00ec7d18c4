"""Describing many pictures by their local features, across processes, with a result for each.

Two callers: the deferred stage describes every generated picture once, for
the region index (:mod:`provenance.likeness.stage`); the audit describes the
delivered pictures nothing else settled, and their mirrors, to query it
(:mod:`provenance.audit.regions`). Decoding pixels is C codecs and numpy, so
it runs on the fingerprint stage's process pool; a file that crashes a worker
(a hostile picture) gets an ``undecodable`` result and the others go on.

A :class:`Described` is what crosses the process boundary: the features as
their bytes (:meth:`~provenance.likeness.features.Features.to_bytes`), or the
reason there are none, in the ledger's vocabulary of feature statuses.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2

from provenance.errors import ProvenanceError, UndecodableImage, UnsupportedImage, UnsupportedVideo
from provenance.likeness.features import BadFeatures, Features, describe_file, describe_luma
from provenance.likeness.fingerprint import DECODER_CRASHED, default_workers, process_pool
from provenance.util.workpool import OrderedPool
from provenance.vocab import FeatureStatus

NO_FEATURES = "no local features: the picture is flat or too small"
CLIP_PICTURES = 120  # pictures of a generated clip in the region index, at most


@dataclass(frozen=True)
class Described:
    """The local features of one file (as bytes), or why it has none."""

    path: str
    status: FeatureStatus
    data: bytes | None = None
    count: int = 0
    width: int | None = None
    height: int | None = None
    reason: str | None = None

    def features(self) -> Features | None:
        """The features themselves, when there are any."""
        return Features.from_bytes(self.data) if self.data is not None else None


def describe_path(path: str | Path, *, mirror: bool = False) -> Described:
    """Describe one file; every failure is a status and a reason, never an exception."""
    name = str(path)
    try:
        found = describe_file(Path(path), mirror=mirror)
    except UnsupportedImage as exc:
        return Described(name, "unsupported", reason=exc.message)
    except UndecodableImage as exc:
        return Described(name, "undecodable", reason=exc.message)
    except (OSError, ValueError, BadFeatures, cv2.error) as exc:
        return Described(name, "error", reason=f"describing it failed: {exc}")
    return _described(name, found)


def describe_chunk(paths: list[str], *, mirror: bool = False) -> list[Described]:
    """:func:`describe_path` for each of ``paths`` (one task of :func:`describe_files`)."""
    return [describe_path(path, mirror=mirror) for path in paths]


def describe_files(
    paths: Iterable[str], *, mirror: bool = False, workers: int | None = None
) -> Iterator[Described]:
    """Describe many files across processes (``workers``, default one per core), in order."""
    workers = workers or default_workers()
    task = functools.partial(describe_chunk, mirror=mirror)
    with OrderedPool(
        task, paths, workers, on_crash=_crashed, window=workers * 16,
        executor=process_pool, name="describe",
    ) as pool:  # fmt: skip
        yield from pool


def describe_clip(path: str | Path) -> list[Described]:
    """Describe a generated clip's pictures, one every half second (at most :data:`CLIP_PICTURES`).

    A master shows a generated shot for as little as a second, reframed or
    composited: the region index holds the clip's pictures along its whole
    length, not only its eight fingerprinted moments. A clip with no picture
    that has features gives one row saying why.
    """
    # Lazy: PyAV loads only when a generated clip is described.
    from provenance.likeness.sweep import sweep  # noqa: PLC0415

    name = str(path)
    try:
        with sweep(Path(path), max_samples=CLIP_PICTURES) as samples:
            found = [_described(name, describe_luma(s.grey)) for s in samples]
    except UnsupportedVideo as exc:
        return [Described(name, "unsupported", reason=exc.message)]
    except ProvenanceError as exc:
        return [Described(name, "undecodable", reason=exc.message)]
    except (OSError, ValueError, cv2.error) as exc:
        return [Described(name, "error", reason=f"describing it failed: {exc}")]
    kept = [d for d in found if d.status == "ok"]
    return kept or [found[0] if found else Described(name, "empty", reason=NO_FEATURES)]


def describe_clip_chunk(paths: list[str]) -> list[list[Described]]:
    """:func:`describe_clip` for each of ``paths`` (one task of :func:`describe_clips`)."""
    return [describe_clip(path) for path in paths]


def describe_clips(paths: Iterable[str], workers: int | None = None) -> Iterator[list[Described]]:
    """Describe many clips across processes; each clip's pictures, in the order of ``paths``."""
    workers = workers or default_workers()
    with OrderedPool(
        describe_clip_chunk, paths, workers, on_crash=lambda p: [_crashed(p)], window=workers * 2,
        executor=process_pool, name="describe-clips",
    ) as pool:  # fmt: skip
        yield from pool


def _described(name: str, found: Features) -> Described:
    if not len(found):
        return Described(name, "empty", width=found.width, height=found.height, reason=NO_FEATURES)
    return Described(name, "ok", found.to_bytes(), len(found), found.width, found.height)


def _crashed(path: str) -> Described:
    return Described(path, "undecodable", reason=DECODER_CRASHED)
