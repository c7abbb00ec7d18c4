"""Perceptual fingerprints: which images are the same picture, whatever was done to the file.

A deliverable is rarely the file the generator wrote: it has been re-encoded,
resized, converted, graded a little, cropped a little and stripped of its
metadata. Its bytes share nothing with the original, but a viewer would call
them the same picture. A perceptual fingerprint captures what the viewer
sees: the coarse layout of light and dark, at a resolution so low that
compression, scaling and bit depth no longer matter. Two fingerprints are
compared by Hamming distance (the number of bits that differ).

The fingerprint is 128 bits, two 64-bit hashes of the display-referred grey
picture that :mod:`provenance.likeness.frames` decodes:

``grad`` (the gradient hash, dHash-like, indexed)
    The picture is shrunk to 9x4 and to 4x9 grey cells; each bit says whether
    a cell is brighter than its neighbour to the left (32 bits) or above (32
    bits). It records *where the edges are* and survives crops best, because
    each bit depends on a local comparison of large cells.
``dct`` (the DCT hash, pHash-like, verifies)
    The picture is shrunk to 32x32, transformed by a 2-D DCT, and each of the
    64 lowest-frequency coefficients (zigzag order, without the mean) gives a
    bit: above or below their median. It records *the overall shape of the
    light* and is independent of the gradient bits.

**The match rule**, chosen from measurement (``bench/bench_fingerprint.py``;
figures in ``bench/RESULTS.md``): a copy matches an original when ``grad``
differs in at most :data:`GRAD_RADIUS` = 12 bits **and** both hashes together
differ in at most :data:`MAX_DISTANCE` = 25 of 128 bits.

Measured on 204 originals (150 synthetic pictures in four families and 54
distinct real images of the shared corpus), 22 alterations each (JPEG 60-90,
50% downscale, PNG/JPEG/WebP/TIFF/BMP/GIF conversion, 16-bit TIFF and PNG,
linear half-float EXR, 10-bit DPX, gamma 0.8 and 1.25, greyscale, CMYK,
saturation, metadata stripping, 2% and 5% crops: 4,488 copies), against
10,000 unrelated pictures (2.04 million pairs with the originals, 50 million
among themselves):

=============================== ======= ========== ============= =============
rule                            copies  crops 2-5% false matches unrelated
                                matched            vs originals  pairs within
=============================== ======= ========== ============= =============
pHash (imagehash) <= 10 [#]_    84.3 %  89.1 %     1             182
DCT hash alone <= 10            97.6 %  87.9 %     0             78
gradient hash alone <= 10       99.0 %  95.9 %     4             62
gradient hash alone <= 12       99.4 %  98.9 %     16            535
grad <= 12 and sum <= 24        99.2 %  97.5 %     0             4
**grad <= 12 and sum <= 25**    99.2 %  97.9 %     0             7
grad <= 12 and sum <= 26        99.2 %  98.0 %     0             14
=============================== ======= ========== ============= =============

.. [#] Through Pillow, which cannot open the EXR and DPX copies at all.

Over the originals that have a fingerprint (one real image is a blank
page, see below) the chosen rule matches 99.7 % of copies; the hardest
alteration, a 5% crop at a random offset, 97 %. Copies differ by at most 17
bits in 97 % of cases; the nearest unrelated picture to any original was 26.

One 64-bit hash cannot have both: at the radius that keeps 5% crops, about
one unrelated pair in 100,000 is already within it, which over a ledger of a
million generated images means false matches for most queries. The second
hash costs 8 more bytes an asset and brings that to 1.4 in 10 million pairs
(about 0.14 false candidates a query against a million). Those pairs are
pictures of the same composition (a sun over a horizon at the same height, a
skyline under a lighthouse): a match is evidence for a person to review,
with the distance, not proof. At 10,000 unrelated pictures against 10,000
generated ones four such pairs fell within the rule (22-25 bits), so a
still's match beyond 12 bits counts only once the region rule confirms it
(:mod:`provenance.likeness.confirm`).

Every file gets a :class:`FingerprintResult` whose ``status`` says what
happened: ``ok``; ``flat`` for pictures without structure (black or grey
slates, flat fills: less than :data:`FLAT_STD` of standard deviation at 32x32),
whose hashes would be all zeros and match each other; ``too_small`` below
:data:`MIN_SIDE` pixels; ``unsupported`` for files in no format read here
(HEIC, camera raw, video, ...); ``unavailable`` for EXR without the optional
OpenEXR package; ``undecodable`` for damaged, hostile or oversized files
(their bytes decide it: stored, never tried again); ``error`` for a failure
that may pass (the file could not be read, the worker ran out of memory or
died: see :func:`failure_status`). Only ``ok`` has a fingerprint; the audit
decides what the others mean, and blocks on both failures.

**Videos** get one fingerprint per sampled moment (up to eight, see
:mod:`provenance.likeness.video`), in ``frames``, through the same function,
so the fingerprint stage treats them like images: a file that is no image
format is sniffed, and a video container goes to the video path. Flat
moments (fades, slates) have none; a video whose moments are all flat is
``flat``. A video FFmpeg cannot decode is ``undecodable`` (the content
decides that, so it is stored and not retried); without PyAV, a video is
``unavailable``, like an EXR without OpenEXR.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from provenance.errors import (
    ProvenanceError,
    UndecodableImage,
    UndecodableVideo,
    UnsupportedImage,
    UnsupportedVideo,
)
from provenance.files.formats import DecoderUnavailable
from provenance.files.media import sniff
from provenance.files.opening import HEAD_BYTES
from provenance.likeness import pools
from provenance.likeness.frames import Frame, Luma, decode_luma
from provenance.likeness.video import Clip, VideoUnavailable, sample_frames
from provenance.util import starts
from provenance.util.workpool import OrderedPool

GRAD_RADIUS = 12
DECODER_CRASHED = "decoding it crashed a worker process (a damaged or hostile file)"
MAX_DISTANCE = 25
MIN_SIDE = 32
# What one likeness worker may allocate beyond its footprint: a picture at the
# pixel guard (RGBA, 89 M pixels) peaks at about 430 MiB, an 8K half-float EXR
# at about 600 MiB; a file that needs more fails (an error), and blocks an audit.
DECODE_MEMORY = 1024 * 1024 * 1024
FLAT_STD = 1.5 / 255
DCT_SIZE = 32

_MASK = (1 << 64) - 1
T = TypeVar("T")
R = TypeVar("R")

Status = Literal["ok", "flat", "too_small", "unsupported", "unavailable", "undecodable", "error"]
PictureKind = Literal["image", "video"]


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def _dct_matrix(n: int) -> NDArray[np.float64]:
    """The orthonormal DCT-II basis: ``D @ x`` transforms a column of ``n`` samples."""
    k = np.arange(n)[:, None]
    d = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2 / n)
    d[0] /= np.sqrt(2)
    return np.asarray(d, dtype=np.float64)


def _zigzag(n: int, count: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row and column of the ``count`` lowest frequencies after the mean, diagonal by diagonal."""
    cells = sorted(((u, v) for u in range(n) for v in range(n)), key=lambda c: (sum(c), c[0]))
    chosen = cells[1 : count + 1]
    return np.array([u for u, _ in chosen]), np.array([v for _, v in chosen])


_DCT = _dct_matrix(DCT_SIZE)
_ZIGZAG = _zigzag(DCT_SIZE, 64)


@dataclass(frozen=True)
class Fingerprint:
    """A 128-bit perceptual fingerprint: the gradient hash and the DCT hash (64 bits each)."""

    grad: int
    dct: int

    def distances(self, other: Fingerprint) -> tuple[int, int]:
        """Bits that differ in ``grad`` and in ``dct``."""
        return (self.grad ^ other.grad).bit_count(), (self.dct ^ other.dct).bit_count()

    def matches(self, other: Fingerprint) -> bool:
        """The match rule of the module docstring."""
        grad, dct = self.distances(other)
        return grad <= GRAD_RADIUS and grad + dct <= MAX_DISTANCE

    def to_bytes(self) -> bytes:
        """16 bytes, big-endian: ``grad`` then ``dct`` (the form to store)."""
        return self.grad.to_bytes(8, "big") + self.dct.to_bytes(8, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """The inverse of :meth:`to_bytes`."""
        if len(data) != 16:
            raise ValueError(f"a fingerprint is 16 bytes, not {len(data)}")
        return cls(int.from_bytes(data[:8], "big"), int.from_bytes(data[8:], "big"))

    def to_signed(self) -> tuple[int, int]:
        """Both hashes as signed 64-bit integers (same bits), for SQL ``BIGINT`` columns."""
        return _signed(self.grad), _signed(self.dct)

    @classmethod
    def from_signed(cls, grad: int, dct: int) -> Fingerprint:
        """The inverse of :meth:`to_signed`."""
        return cls(grad & _MASK, dct & _MASK)

    @property
    def hex(self) -> str:
        """32 hex digits, for reports and logs."""
        return self.to_bytes().hex()


@dataclass(frozen=True)
class FingerprintResult:
    """What fingerprinting one file gave: fingerprints, or the reason there are none.

    An image has one ``fingerprint``; a video has ``frames``, one fingerprint
    per sampled moment that has one, in time order (``format`` is its codec).
    """

    path: str
    status: Status
    fingerprint: Fingerprint | None = None
    reason: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    kind: PictureKind = "image"
    frames: tuple[Fingerprint, ...] = ()

    @property
    def fingerprints(self) -> tuple[Fingerprint, ...]:
        """Every fingerprint of the file: the image's one, or the video's frames."""
        return (self.fingerprint,) if self.fingerprint is not None else self.frames

    @property
    def ok(self) -> bool:
        """True when there is a fingerprint to compare."""
        return bool(self.fingerprints)


def _bits_to_int(bits: NDArray[np.bool_]) -> int:
    return int.from_bytes(np.packbits(bits.ravel()).tobytes(), "big")


def _shrink(luma: Luma, size: tuple[int, int], method: Image.Resampling) -> NDArray[np.float32]:
    return np.asarray(Image.fromarray(luma).resize(size, method), dtype=np.float32)


def gradient_hash(luma: Luma) -> int:
    """The 64-bit gradient hash of a grey picture (see the module docstring)."""
    wide = _shrink(luma, (9, 4), Image.Resampling.LANCZOS)
    tall = _shrink(luma, (4, 9), Image.Resampling.LANCZOS)
    return _bits_to_int(np.concatenate([wide[:, 1:] > wide[:, :-1], tall[1:] > tall[:-1]], None))


def dct_hash(small: NDArray[np.float32]) -> int:
    """The 64-bit DCT hash of a 32x32 grey picture (see the module docstring)."""
    coeffs = _DCT @ small.astype(np.float64) @ _DCT.T
    low = coeffs[_ZIGZAG]
    return _bits_to_int(low > np.median(low))


def fingerprint_luma(luma: Luma) -> Fingerprint | None:
    """The fingerprint of a decoded grey picture, or None when it is flat."""
    small = _shrink(luma, (DCT_SIZE, DCT_SIZE), Image.Resampling.BOX)
    if float(small.std()) < FLAT_STD:
        return None
    return Fingerprint(gradient_hash(luma), dct_hash(small))


def fingerprint_file(path: str | Path) -> FingerprintResult:
    """Fingerprint one image or video file; never raises (failures are a result with a reason)."""
    name = str(path)
    try:
        frame = decode_luma(Path(path))
    except UnsupportedImage as exc:
        if _is_video(Path(path)):
            return fingerprint_video(path)
        return FingerprintResult(name, "unsupported", reason=exc.message)
    except ProvenanceError as exc:
        return FingerprintResult(name, failure_status(exc), reason=exc.message)
    except Exception as exc:  # noqa: BLE001 - hostile files reach codecs; no input may end a run
        return FingerprintResult(name, "error", reason=f"cannot decode image ({exc!r}): {name}")
    return judge_frame(name, frame)


def failure_status(exc: ProvenanceError) -> Status:
    """What a decoding failure says: about the bytes (``undecodable``), or about now (``error``).

    The asset is its content, so a file whose bytes do not decode never
    will: that is ``undecodable``, stored and not tried again. A failure
    of this host at this moment is ``error``, tried again: the file could
    not be read (an ``OSError`` with an errno: gone, a share away, EIO),
    or the worker ran out of its memory budget. A decoder not installed
    is ``unavailable``.
    """
    if isinstance(exc.__cause__, DecoderUnavailable):
        return "unavailable"
    return stored_failure(exc)


def stored_failure(exc: ProvenanceError) -> Literal["undecodable", "error"]:
    """How a failure is stored where ``unavailable`` is not a status of its own (descriptions,
    region checks, sweeps): ``undecodable`` for bytes that never decode, else ``error``, tried
    again (a decoder not installed here is one such failure)."""
    if isinstance(exc.__cause__, DecoderUnavailable):
        return "error"
    return "error" if may_pass(exc) else "undecodable"


def may_pass(exc: ProvenanceError) -> bool:
    """Whether a failure to decode says something about this host now, not about the bytes.

    It may pass when the file could not be read (an ``OSError`` with an
    errno: gone, a share away, EIO), when the worker ran out of its memory
    budget, or when it is no decoding failure at all; a picture or video
    whose bytes do not decode never will.
    """
    cause = exc.__cause__
    if isinstance(cause, MemoryError) or (isinstance(cause, OSError) and cause.errno is not None):
        return True
    return not isinstance(exc, (UndecodableImage, UndecodableVideo))


def judge_frame(name: str, frame: Frame) -> FingerprintResult:
    """The fingerprint of a decoded picture, or why it has none (too small, flat)."""
    result = FingerprintResult(name, "ok", None, None, frame.width, frame.height, frame.format)
    if min(frame.width, frame.height) < MIN_SIDE:
        return replace(result, status="too_small", reason=f"smaller than {MIN_SIDE}px: {name}")
    fingerprint = fingerprint_luma(frame.luma)
    if fingerprint is None:
        return replace(result, status="flat", reason=f"no structure (flat picture): {name}")
    return replace(result, fingerprint=fingerprint)


def _is_video(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            head = stream.read(HEAD_BYTES)
    except OSError:
        return False
    return sniff(head, path.suffix.lower()).kind == "video"


def fingerprint_video(path: str | Path) -> FingerprintResult:
    """Fingerprint the sampled moments of a video file; never raises."""
    name = str(path)
    result = FingerprintResult(name, "ok", kind="video")
    try:
        clip = sample_frames(Path(path))
    except VideoUnavailable as exc:
        return replace(result, status="unavailable", reason=exc.message)
    except UnsupportedVideo as exc:
        return replace(result, status="unsupported", reason=exc.message)
    except UndecodableVideo as exc:
        return replace(result, status="undecodable", reason=exc.message)
    except ProvenanceError as exc:
        return replace(result, status="error", reason=exc.message)
    except Exception as exc:  # noqa: BLE001 - hostile files reach codecs; no input may end a run
        return replace(result, status="error", reason=f"cannot decode video ({exc!r}): {name}")
    return _judge_clip(result, clip)


def _judge_clip(result: FingerprintResult, clip: Clip) -> FingerprintResult:
    result = replace(result, width=clip.width, height=clip.height, format=clip.codec)
    if min(clip.width, clip.height) < MIN_SIDE:
        return replace(
            result, status="too_small", reason=f"smaller than {MIN_SIDE}px: {result.path}"
        )
    frames = tuple(fp for luma in clip.lumas if (fp := fingerprint_luma(luma)) is not None)
    if not frames:
        why = f"no structure (flat pictures) at any sampled moment: {result.path}"
        return replace(result, status="flat", reason=why)
    return replace(result, frames=frames)


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_pool(workers: int | None = None) -> Executor:
    """A pool for :func:`fingerprint_files`: inside :func:`sharing_workers`, a lease on the
    pass's own (see :mod:`provenance.likeness.pools`), else a new one (:func:`new_process_pool`)."""
    shared = pools.current()
    if shared is not None:
        return shared.lease(workers or default_workers())
    return new_process_pool(workers)


def sharing_workers() -> AbstractContextManager[pools.SharedPools]:
    """The likeness steps run inside share one set of workers (:mod:`provenance.likeness.pools`)."""
    return pools.shared_pools(new_process_pool)


def new_process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool for :func:`fingerprint_files`, started with ``forkserver`` where there is one.

    ``fork`` would copy a parent that may hold threads (watchers, database
    pools) mid-operation; ``forkserver`` starts workers from a clean process.
    Each worker may grow by :data:`DECODE_MEMORY` at most (see
    :func:`limit_growth`).
    """
    context = starts.clean_context()
    if isinstance(context, ForkServerContext):
        # Workers start with the codecs imported. Not OpenCV: the guarded pool's
        # workers come from the same fork server, under an absolute memory limit
        # that its 300 MiB of mappings would eat into (limit_growth imports it).
        context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(
        workers or default_workers(),
        mp_context=context,
        initializer=limit_growth,
        initargs=(DECODE_MEMORY,),
    )


def limit_growth(extra: int) -> None:
    """Cap this process's address space at what it holds now plus ``extra`` bytes (Linux).

    Decoding runs native codecs on hostile files, so a picture that would
    need more than its budget must fail in its worker (a ``MemoryError``, so
    an ``error`` result naming it) instead of taking the machine's
    memory from the daemon and everything else. The cap is relative: the
    worker's own footprint (Python, numpy, OpenCV: about 480 MiB of address
    space, most of it never touched) differs by platform and build, and by
    which pool started the fork server.
    """
    # OpenCV is imported before the footprint is taken: the fork server does
    # not preload it, and mapping it later (300 MiB of address space) would
    # eat into the budget of the first picture.
    import provenance.likeness.features  # noqa: F401, PLC0415
    from provenance.likeness.opencv import cv2  # noqa: PLC0415

    # One OpenCV thread a worker: there is a worker per core already, and each
    # ORB call's own team of threads only waited on the others (measured on
    # 300 of the bench's pictures at load 21: 8 % less CPU, 22 % less wall time).
    cv2.setNumThreads(1)

    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            sizes = [line.split()[1] for line in status if line.startswith("VmSize:")]
    except OSError:
        return  # no /proc: not Linux, no cap
    if sizes and extra > 0:
        cap = int(sizes[0]) * 1024 + extra
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def fingerprint_files(
    paths: Iterable[str | Path],
    *,
    executor: Executor | None = None,
    chunksize: int = 4,
    workers: int | None = None,
) -> Iterator[FingerprintResult]:
    """Fingerprint many files across processes, yielding results in the order of ``paths``.

    Without an ``executor``, a pool of :func:`default_workers` processes is
    started and shut down here, and a file whose decoding kills a worker (a
    native decoder crashing on a hostile file, or the OOM killer) gets an
    ``error`` result while the others are fingerprinted. An ``executor`` given is reused as it
    is, and a crash in it is the caller's to handle.
    """
    if executor is not None:
        yield from executor.map(fingerprint_file, paths, chunksize=chunksize)
        return
    yield from in_workers(fingerprint_chunk, paths, _crashed, workers, "fingerprint")


def in_workers(
    task: Callable[[list[T]], list[R]], items: Iterable[T], on_crash: Callable[[T], R],
    workers: int | None = None, name: str = "likeness", window: int = 16,
) -> Iterator[R]:  # fmt: skip
    """``task`` over chunks of ``items`` on a :func:`process_pool` (``workers``, default one a
    core), results in order; an item whose chunk crashed a worker gets ``on_crash(item)``.
    ``window`` chunks a worker are in flight at once."""
    workers = workers or default_workers()
    with OrderedPool(
        task, items, workers, on_crash=on_crash, window=workers * window,
        executor=process_pool, name=name,
    ) as pool:  # fmt: skip
        yield from pool


def fingerprint_chunk(paths: list[str | Path]) -> list[FingerprintResult]:
    """:func:`fingerprint_file` for each of ``paths`` (one task of :func:`fingerprint_files`)."""
    return [fingerprint_file(path) for path in paths]


def _crashed(path: str | Path) -> FingerprintResult:
    # A worker also dies for reasons not the file's (the OOM killer, a signal):
    # tried again, a few times (see provenance.likeness.retry).
    return FingerprintResult(str(path), "error", reason=DECODER_CRASHED)
