"""Describing many pictures by their local features, across processes, with a result for each.

Two callers: the deferred stage describes every generated picture once, for
the region index (:mod:`provenance.likeness.stage`); the audit describes the
delivered pictures nothing else settled, and their mirrors, to query it
(:mod:`provenance.audit.regions`). Decoding pixels is C codecs and numpy, so
it runs on the fingerprint stage's process pool; a file that crashes a worker
gets an ``error`` result and the others go on.

**``undecodable`` or ``error``.** As for fingerprints
(:func:`~provenance.likeness.fingerprint.stored_failure`), a picture whose
bytes do not decode is ``undecodable``, which the ledger keeps for good; a
failure that may pass is ``error``, tried again later: the file could not be
read, the worker ran out of its memory budget or was killed (by the OOM
killer as well as by a hostile file: two crashes in a row, alone, give it),
or the decoder it needs is not installed here.

A :class:`Described` is what crosses the process boundary: the features as
their bytes (:meth:`~provenance.likeness.features.Features.to_bytes`), or the
reason there are none, in the ledger's vocabulary of feature statuses.

**One decode, both results.** A picture the ledger has never seen is
fingerprinted by the audit's near-match stage and, unless that settles it,
described by its region stage. :func:`look_files` gives both from one decode
(:func:`~provenance.likeness.frames.decode_lumas`), each exactly what
:func:`~provenance.likeness.fingerprint.fingerprint_file` and
:func:`describe_path` give alone; a file that does not decode as a picture
is left to them (its fingerprint result says why, and it has no description).
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import ProvenanceError, UndecodableImage, UnsupportedImage, UnsupportedVideo
from provenance.likeness.features import (
    DECODE_SIDE,
    BadFeatures,
    Features,
    describe_file,
    describe_luma,
)
from provenance.likeness.fingerprint import (
    DECODER_CRASHED,
    FingerprintResult,
    fingerprint_file,
    in_workers,
    judge_frame,
    stored_failure,
)
from provenance.likeness.frames import WORK_SIDE, decode_lumas
from provenance.likeness.opencv import cv2
from provenance.vocab import FeatureStatus

NO_FEATURES = "no local features: the picture is flat or too small"
CLIP_PICTURES = 120  # pictures of a generated clip in the region index, at most
Looked = tuple[FingerprintResult, "Described | None"]
"""A file's fingerprint result, and its description when one was asked for and it decoded."""


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
        return Described(name, stored_failure(exc), reason=exc.message)
    except (OSError, ValueError, BadFeatures, cv2.error) as exc:
        return Described(name, "error", reason=f"describing it failed: {exc}")
    return _described(name, found)


def describe_chunk(paths: list[str], *, mirror: bool = False) -> list[Described]:
    """:func:`describe_path` for each of ``paths`` (one task of :func:`describe_files`)."""
    return [describe_path(path, mirror=mirror) for path in paths]


def describe_files(
    paths: Iterable[str], *, mirror: bool = False, workers: int | None = None
) -> Generator[Described, None, None]:
    """Describe many files across processes (``workers``, default one per core), in order."""
    task = functools.partial(describe_chunk, mirror=mirror)
    yield from in_workers(task, paths, _crashed, workers, "describe")


def look_file(path: str, describe: bool) -> Looked:
    """Fingerprint ``path`` and, when ``describe``, describe it with its mirror, from one decode.

    Never raises: a file that does not decode (or is a video) gets
    :func:`~provenance.likeness.fingerprint.fingerprint_file`'s own result and no description.
    """
    if not describe:
        return fingerprint_file(path), None
    try:
        small, work = decode_lumas(Path(path), (WORK_SIDE, DECODE_SIDE))
    except Exception:  # noqa: BLE001 - hostile files reach codecs: the fingerprint path says why
        return fingerprint_file(path), None
    try:
        described = _described(path, describe_luma(work.luma, mirror=True))
    except (OSError, ValueError, BadFeatures, cv2.error) as exc:
        described = Described(path, "error", reason=f"describing it failed: {exc}")
    return judge_frame(path, small), described


def look_chunk(files: list[tuple[str, bool]]) -> list[Looked]:
    """:func:`look_file` for each (path, describe) of ``files`` (one task of :func:`look_files`)."""
    return [look_file(path, describe) for path, describe in files]


def look_files(files: Iterable[tuple[str, bool]], workers: int | None = None) -> Iterator[Looked]:
    """:func:`look_file` for many (path, describe) pairs across processes, in order."""
    return in_workers(look_chunk, files, _look_crashed, workers, "fingerprint")


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
        return [Described(name, stored_failure(exc), reason=exc.message)]
    except (OSError, ValueError, cv2.error) as exc:
        return [Described(name, "error", reason=f"describing it failed: {exc}")]
    kept = [d for d in found if d.status == "ok"]
    return kept or [found[0] if found else Described(name, "empty", reason=NO_FEATURES)]


def describe_clip_chunk(paths: list[str]) -> list[list[Described]]:
    """:func:`describe_clip` for each of ``paths`` (one task of :func:`describe_clips`)."""
    return [describe_clip(path) for path in paths]


def describe_clips(paths: Iterable[str], workers: int | None = None) -> Iterator[list[Described]]:
    """Describe many clips across processes; each clip's pictures, in the order of ``paths``."""
    return in_workers(
        describe_clip_chunk, paths, lambda p: [_crashed(p)], workers, "describe-clips", window=2
    )


def _described(name: str, found: Features) -> Described:
    if not len(found):
        return Described(name, "empty", width=found.width, height=found.height, reason=NO_FEATURES)
    return Described(name, "ok", found.to_bytes(), len(found), found.width, found.height)


def _crashed(path: str) -> Described:
    # A worker also dies for reasons not the file's (the OOM killer, a signal): tried again.
    return Described(path, "error", reason=DECODER_CRASHED)


def _look_crashed(file: tuple[str, bool]) -> Looked:
    # As the fingerprint's: a worker also dies for reasons not the file's (tried again).
    return FingerprintResult(file[0], "error", reason=DECODER_CRASHED), None
