"""Local features: the corners and textures of a picture, described so a part of it can be found.

A perceptual fingerprint (:mod:`provenance.likeness.fingerprint`) sees the
whole picture at once, so it loses a generated picture that was cropped to
half, turned, letterboxed or composited into other footage. Local features
survive all of these: each is a small patch around a corner of the picture,
at some scale, with a **binary descriptor** that stays nearly the same when
the patch is scaled, turned, regraded or recompressed. Two pictures share a
region when many of their descriptors are close (in Hamming distance) *and*
the positions of those pairs agree on one geometric transform; that second
test is :mod:`provenance.likeness.regions`' job.

**ORB** (OpenCV's oriented FAST corners with rotated BRIEF descriptors, 256
bits, 8 pyramid levels 1.2 apart) is the detector: fast enough for 1080p
frames, free of patents, and rotation-invariant (each patch is turned to its
dominant gradient direction before it is described). AKAZE, the other usual
choice, is no longer in OpenCV's main package (5.x moved it to contrib).

**The working picture.** Every picture is described at the same size, its long
side :data:`WORK_LONG` = 640 pixels, whatever its resolution: a 4K plate and
its 0.3x proxy then give features at the same scales, and a 1080p frame costs
a few milliseconds. :func:`describe_file` lets the bounded decoder
(:func:`~provenance.likeness.frames.decode_luma`) reduce the file on the way
in (JPEG at 1/2-1/8 by the codec itself), then resizes to the working size.
Pictures whose short side is below :data:`MIN_SIDE` pixels, and flat ones
(slates, black frames), give no features: an empty :class:`Features`, not an
error.

**Spread.** ORB ranks corners by strength, so a picture with one busy region
(foliage, a burnt-in caption) would spend all its features there, and a crop
that drops that region would keep none. The corners are therefore bucketed in
a :data:`GRID` x :data:`GRID` grid and ordered round-robin: one corner of
every cell first, then a second of every cell, and so on; within a cell the
corners take turns over the pyramid's levels too. Any
prefix of :attr:`Features.descriptors` is spread over the picture, so an index
that keeps only the first few hundred (for memory) keeps a spread set.

**Mirrors.** ORB descriptors are not mirror-invariant: a flopped patch is
described by different bits. A flop is found by describing the *query's*
mirror too (``mirror=True``, kept in :attr:`Features.mirror`); a flip is a
flop turned 180 degrees, which rotation invariance covers. Mirroring the
query rather than indexing the mirror of every generated picture keeps the
index at its size: the index's memory is the binding limit (100,000
pictures in 1 GB). The flopped picture's corners are the picture's own,
mirrored, so the mirror is described at those (ORB's ``compute`` only, no
second detection): 12.6 ms for a 640x360 picture and its mirror, against
19.1 ms describing the flop anew (9.8 ms for the picture alone).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
from numpy.typing import NDArray

from provenance.likeness.frames import decode_luma
from provenance.likeness.opencv import cv2

WORK_LONG = 640
# The decoder keeps the short side >= this; it brings 1080p and 4K to 640x360.
DECODE_SIDE = WORK_LONG * 9 // 16
MIN_SIDE = 32
MAX_POINTS = 1000
DESCRIPTOR_BYTES = 32
GRID = 8
LEVELS = 8
# Each cell's levels in turn from level 4 (half size) outwards, the finest two last: a
# picture composited at 1/5 of a frame (0.45x) still shows its coarse corners, a crop
# to half (1.4-2x) its middle ones (measured in bench/bench_regions.py's families).
_LEVEL_TURN = np.array([7, 6, 4, 2, 0, 1, 3, 5])
FAST_THRESHOLD = 10
MAX_BLOB_POINTS = 4096
FORMAT_VERSION = 1
_MAGIC = b"PVLF"
_HEADER = struct.Struct(
    "<4sBBHHIB"
)  # magic, version, descriptor bytes, width, height, count, flags
_HAS_MIRROR = 1
_EMPTY_POINTS = np.zeros((0, 2), dtype=np.float32)
_EMPTY_DESCRIPTORS = np.zeros((0, DESCRIPTOR_BYTES), dtype=np.uint8)

Points = NDArray[np.float32]
Descriptors = NDArray[np.uint8]


class BadFeatures(ValueError):
    """A stored feature blob is truncated, of another version, or claims absurd sizes."""


@dataclass(frozen=True, eq=False)
class Features:
    """The local features of one working picture (``width`` x ``height`` pixels).

    ``points`` (N x 2, x then y in working pixels) and ``descriptors`` (N x 32
    bytes of ORB bits) go row by row, spread order first (see the module
    docstring). ``mirror`` holds the features of the picture flopped left to
    right, for a query only; its points are in the flopped picture's pixels.
    """

    width: int
    height: int
    points: Points
    descriptors: Descriptors
    mirror: Features | None = None

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def to_bytes(self) -> bytes:
        """A compact, versioned blob (44 bytes a feature, points as float32)."""
        flags = _HAS_MIRROR if self.mirror is not None else 0
        blob = _pack(self, flags)
        return blob + _pack(self.mirror, 0) if self.mirror is not None else blob

    @classmethod
    def from_bytes(cls, blob: bytes) -> Self:
        """Read :meth:`to_bytes`' blob back; :class:`BadFeatures` on anything else."""
        main, flags, end = _unpack(blob, 0)
        if not flags & _HAS_MIRROR:
            return cls(main.width, main.height, main.points, main.descriptors)
        mirror, mirror_flags, end = _unpack(blob, end)
        if mirror_flags:
            raise BadFeatures("a mirror's features cannot carry a mirror")
        return cls(main.width, main.height, main.points, main.descriptors, mirror)


def empty(width: int = 0, height: int = 0) -> Features:
    """Features of a picture with nothing to describe."""
    return Features(width, height, _EMPTY_POINTS, _EMPTY_DESCRIPTORS)


def describe_file(path: Path, *, mirror: bool = False, cap: int = MAX_POINTS) -> Features:
    """Decode ``path`` (bounded, see :mod:`provenance.likeness.frames`) and describe it.

    Raises :class:`~provenance.errors.UndecodableImage` for files the decoder refuses.
    """
    frame = decode_luma(path, work_side=DECODE_SIDE)
    return describe_luma(frame.luma, mirror=mirror, cap=cap)


def describe_luma(
    luma: NDArray[np.floating] | NDArray[np.uint8], *, mirror: bool = False, cap: int = MAX_POINTS
) -> Features:
    """Describe a grey picture (floats in [0, 1], or 8-bit) at the working size."""
    grey = working_picture(luma)
    if grey is None:
        return empty()
    found, keypoints = _detect(grey, cap)
    if not mirror:
        return found
    flopped = _describe_mirror(grey, keypoints)
    return Features(found.width, found.height, found.points, found.descriptors, flopped)


def working_picture(luma: NDArray[np.floating] | NDArray[np.uint8]) -> NDArray[np.uint8] | None:
    """``luma`` as 8-bit grey with its long side :data:`WORK_LONG`; None when too small."""
    if luma.ndim != 2 or min(luma.shape) < MIN_SIDE:
        return None
    h, w = luma.shape
    scale = WORK_LONG / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if min(size) < MIN_SIDE // 2:
        return None
    grey = luma if luma.dtype == np.uint8 else np.asarray(luma, dtype=np.float32)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    # resized first, converted after: converting a 4K frame would cost more than describing it
    small = cv2.resize(grey, size, interpolation=interpolation)
    return _to_eight_bit(np.asarray(small, dtype=grey.dtype))


def _to_eight_bit(luma: NDArray[np.floating] | NDArray[np.uint8]) -> NDArray[np.uint8]:
    if luma.dtype == np.uint8:
        return np.asarray(luma, dtype=np.uint8)
    clean = np.nan_to_num(luma.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.asarray(np.clip(clean * 255 + 0.5, 0, 255), dtype=np.uint8)


def _orb(cap: int) -> cv2.ORB:
    return cv2.ORB.create(nfeatures=cap * 2, nlevels=LEVELS, fastThreshold=FAST_THRESHOLD)


def _detect(grey: NDArray[np.uint8], cap: int) -> tuple[Features, list[cv2.KeyPoint]]:
    """The picture's features, and the keypoints they were described at (for the mirror)."""
    h, w = grey.shape
    keypoints, descriptors = _orb(cap).detectAndCompute(grey, None)
    if descriptors is None or len(keypoints) == 0:
        return empty(w, h), []
    points = np.asarray(cv2.KeyPoint.convert(keypoints), dtype=np.float32).reshape(-1, 2)
    strength = np.array([k.response for k in keypoints], dtype=np.float32)
    level = np.array([k.octave for k in keypoints], dtype=np.intp)
    order = spread_order(points, strength, level, w, h)[:cap]
    kept = [keypoints[i] for i in order]
    return Features(w, h, points[order], np.asarray(descriptors, dtype=np.uint8)[order]), kept


def _describe_mirror(grey: NDArray[np.uint8], keypoints: list[cv2.KeyPoint]) -> Features:
    """The mirror's features at the mirrored keypoints: the corners of a flopped picture are the
    picture's own corners, mirrored, so only their descriptors are computed again (detecting them
    anew would cost as much as describing the picture)."""
    h, w = grey.shape
    if not keypoints:
        return empty(w, h)
    mirrored = [
        cv2.KeyPoint(w - 1 - k.pt[0], k.pt[1], k.size, (180.0 - k.angle) % 360.0, k.response,
                     k.octave, k.class_id)
        for k in keypoints
    ]  # fmt: skip
    kept, descriptors = _orb(len(keypoints)).compute(np.ascontiguousarray(grey[:, ::-1]), mirrored)
    if descriptors is None or len(kept) == 0:
        return empty(w, h)
    points = np.asarray(cv2.KeyPoint.convert(kept), dtype=np.float32).reshape(-1, 2)
    return Features(w, h, points, np.asarray(descriptors, dtype=np.uint8))


def spread_order(
    points: Points, strength: NDArray[np.float32], level: NDArray[np.intp], w: int, h: int
) -> NDArray[np.intp]:
    """Indices of ``points`` round-robin over grid cells, each cell's own turn over its levels.

    Within a cell the corners go round-robin over pyramid levels (strongest
    first in each round, levels in the order of :data:`_LEVEL_TURN`), so a
    prefix keeps corners of every size; the cells then take turns, so a prefix
    covers the picture.
    """
    cx = np.minimum((points[:, 0] * GRID / w).astype(np.intp), GRID - 1)
    cy = np.minimum((points[:, 1] * GRID / h).astype(np.intp), GRID - 1)
    cell = cy * GRID + cx
    bucket = cell * LEVELS + np.clip(level, 0, LEVELS - 1)
    turn_of_level = _LEVEL_TURN[np.clip(level, 0, LEVELS - 1)]
    by_level = np.lexsort((-strength, turn_of_level, _rank_within(bucket, strength)))
    turn = _rank_within(cell[by_level], np.arange(len(by_level), 0, -1, dtype=np.float32))
    return np.asarray(by_level[np.lexsort((np.arange(len(by_level)), turn))], dtype=np.intp)


def _rank_within(group: NDArray[np.intp], strength: NDArray[np.float32]) -> NDArray[np.intp]:
    """Each item's rank in its group, strongest 0."""
    order = np.lexsort((-strength, group))
    first = np.searchsorted(group[order], group[order], side="left")
    rank = np.empty(len(group), dtype=np.intp)
    rank[order] = np.arange(len(group)) - first
    return rank


def _pack(features: Features, flags: int) -> bytes:
    n = len(features)
    head = _HEADER.pack(
        _MAGIC, FORMAT_VERSION, DESCRIPTOR_BYTES, features.width, features.height, n, flags
    )
    points = np.ascontiguousarray(features.points, dtype="<f4").tobytes()
    return head + points + np.ascontiguousarray(features.descriptors, dtype=np.uint8).tobytes()


def _unpack(blob: bytes, start: int) -> tuple[Features, int, int]:
    """One block of features from ``blob`` at ``start``: the features, their flags, the end."""
    if len(blob) < start + _HEADER.size:
        raise BadFeatures(f"feature blob truncated: {len(blob)} bytes, header needs more")
    magic, version, width_bytes, w, h, n, flags = _HEADER.unpack_from(blob, start)
    _check_header(magic, version, width_bytes, w, h, n, flags)
    body = start + _HEADER.size
    end = body + n * (8 + DESCRIPTOR_BYTES)
    if len(blob) < end or (not flags & _HAS_MIRROR and len(blob) != end):
        raise BadFeatures(f"feature blob of {len(blob)} bytes does not hold {n} features exactly")
    points = np.frombuffer(blob, dtype="<f4", count=n * 2, offset=body).reshape(n, 2)
    descriptors = np.frombuffer(blob, np.uint8, n * DESCRIPTOR_BYTES, body + n * 8)
    _check_points(points, w, h)
    features = Features(
        w, h, points.astype(np.float32), descriptors.reshape(n, DESCRIPTOR_BYTES).copy()
    )
    return features, flags, end


def _check_header(
    magic: bytes, version: int, width_bytes: int, w: int, h: int, n: int, flags: int
) -> None:
    if magic != _MAGIC:
        raise BadFeatures("not a feature blob (wrong magic)")
    if version != FORMAT_VERSION:
        raise BadFeatures(f"feature blob version {version}; this code reads {FORMAT_VERSION}")
    if width_bytes != DESCRIPTOR_BYTES or flags & ~_HAS_MIRROR:
        raise BadFeatures(f"feature blob with {width_bytes}-byte descriptors or flags {flags}")
    if n > MAX_BLOB_POINTS or (n and (w == 0 or h == 0)) or max(w, h) > 4 * WORK_LONG:
        raise BadFeatures(f"feature blob claims {n} features on a {w}x{h} picture")


def _check_points(points: NDArray[np.float32], w: int, h: int) -> None:
    inside = np.isfinite(points).all() and (points >= 0).all()
    if not inside or (len(points) and ((points[:, 0] > w).any() or (points[:, 1] > h).any())):
        raise BadFeatures(f"feature blob has points outside its {w}x{h} picture")
