"""Is a candidate picture really in the frame? Verifying one region match.

The :class:`~provenance.likeness.regions.RegionIndex` finds the generated
pictures whose features most of a query's features are near (candidates);
this module says whether one of them is truly there, and where:
:func:`verify` pairs the query's features with the picture's, and RANSAC
looks for one **similarity** (rotation, uniform scale, translation: OpenCV's
``estimateAffinePartial2D``) that carries at least :data:`MIN_INLIERS` of
the picture's points within :data:`REPROJECTION` working pixels of their
partners. Every reuse the index finds is a similarity of the picture (plus
a mirror, which the query's mirror covers), and a 4-degree model needs only
2-point samples, so RANSAC converges quickly, and unrelated pictures, whose
votes are scattered and geometrically incoherent, do not reach the
threshold. The answer is a :class:`RegionHit`.

**A plausible transform.** The similarity must also be plausible: a scale
between :data:`MIN_SCALE` and :data:`MAX_SCALE` (in working pixels, both
pictures at long side 640), an outline covering at least :data:`MIN_COVER`
of the frame, and at least :data:`MIN_VISIBLE` of the picture inside the
frame.

**The inliers must span the picture.** The outline is extrapolated from the
inliers, so a small element that two unrelated pictures share (a word of a
title, a stock prop, a logo) fits a near-identity similarity whose outline
covers most of the frame. What tells a reuse from that is where the agreeing
features lie in the *generated* picture: the convex hull of the inliers, in
its working pixels, must cover at least :data:`MIN_SPAN` of the part of the
picture that lies inside the frame (``RegionHit.span``). Dividing by the
visible part, not the whole picture, keeps a crop to half the area at the
span its visible half would have alone; a composite at a fifth of a plate
shows the whole picture, smaller, so its hull is measured against all of it.
Measured (2026-12-06, rule off, load 5-7): the false matches that
``bench/bench_false_match.py`` found at 1,500 against 1,500 spanned 0.1 % (a
lighthouse prop) and 2.2 % (the word GLACIER); two smooth scenes sharing one
small word or prop (``tests/likeness/test_regions.py``) span 1.3-2.4 %.
Over the 14 reframing families of ``bench/bench_regions.py`` (94 pictures:
60 textured, 34 of the corpus) the smallest spans were 13.9 % (composite at
a fifth), 14.3 % (crop to half from a side), 19-25 % for every other family,
and one outlier at 2.6 %: a corpus picture cropped to its half whose
features gather in a small area, which the rule now misses (93 of 94 found).
6 % sits 2.5 times above the widest false span and 2.3 times below the
narrowest true one but that outlier: a reuse of a picture that is mostly
flat, whose visible features all lie in one small area, is the price.

**Every pair, for one picture against one.** A near match's confirmation
(:mod:`provenance.likeness.confirm`) asks a one-picture index whether that
picture is in the query. Over a picture of repeated patterns (stripes,
checks, tiles) a feature's nearest partner is as often a neighbouring stripe
as its own, so pairing each query feature with its nearest alone leaves
RANSAC too few true pairs: 15 of 16 crops of a striped picture were missed
so. ``RegionIndex(every_pair=True)`` hands RANSAC all
:data:`~provenance.likeness.regions.NEIGHBOURS` partners of each query
feature, counts each agreeing point once, and keeps the score's denominator
at the one-to-one pairs; all 16 were then found.
The audit's region index keeps the one-to-one pairing: over a whole index
more pairs means more chance agreement among the candidates.

A change here that can turn an answer raises
:data:`~provenance.likeness.versions.REGION_RULE`, as one in the index does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from provenance.likeness.features import Features
from provenance.likeness.opencv import cv2

MIN_INLIERS = 15
REPROJECTION = 5.0
MIN_SCALE, MAX_SCALE = 0.2, 2.5
MIN_COVER = 0.12
MIN_VISIBLE = 0.35
MIN_SPAN = 0.06
# A picture shown at 0.6x or more keeps most of its features: most pairs must
# then agree. Periodic synthetic textures (sawtooth ramps under circles) reached
# 15-16 inliers at a 0.17-0.18 score against unrelated pictures at scale ~0.8-0.9;
# every reframing at that scale scores 0.34 or more (crop to half, the lowest).
DENSE_SCALE, DENSE_SCORE = 0.6, 0.3
_RANSAC_ITERATIONS = 2000

Quad = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class RegionHit:
    """A verified match: generated picture ``sha256`` lies in the query frame.

    ``inliers`` features agree on one transform; ``score`` is their share of
    the features paired with that picture (0..1); ``corners`` are the
    picture's outline (top-left, top-right, bottom-right, bottom-left of the
    picture as generated) in the query's working pixels; ``cover`` the share
    of the query frame inside that outline; ``mirrored`` whether the picture
    appears flopped (or flipped).
    """

    sha256: str
    inliers: int
    score: float
    corners: Quad
    cover: float
    mirrored: bool
    size: tuple[int, int] = (0, 0)  # the query's working picture, which ``corners`` are in
    span: float = 0.0  # see MIN_SPAN; 0 where not known (a hit rebuilt from a stored check)

    def outline(self) -> Quad | None:
        """The corners as shares of the frame's width and height (0..1), for drawing at any size."""
        w, h = self.size
        if not self.corners or not w or not h:
            return None
        return tuple((round(x / w, 4), round(y / h, 4)) for x, y in self.corners)


@dataclass(frozen=True)
class Side:
    """One side of a query: the query's features as described, or those of its mirror."""

    features: Features
    mirrored: bool


@dataclass(frozen=True)
class Candidate:
    """An indexed picture to verify: its SHA-256, its working size, and the pairs found.

    ``query_rows`` and ``labels`` pair the query's features (by row) with
    indexed features (by row of ``points``, the index's positions of every
    indexed feature, in working pixels).
    """

    sha256: str
    width: int
    height: int
    query_rows: NDArray[np.intp]
    labels: NDArray[np.int64]


def verify(
    side: Side, candidate: Candidate, points: NDArray[np.float16], *, every_pair: bool = False
) -> RegionHit | None:
    """RANSAC a similarity from the picture to the query, and keep it if it is plausible.

    ``every_pair``: RANSAC over every pair found, not each query feature's
    nearest partner alone (see the module docstring: one picture against one).
    """
    query_rows, labels = candidate.query_rows, candidate.labels
    first = one_to_one(query_rows, labels)
    paired = len(first)  # the score's denominator: pairs of distinct points either way
    if every_pair:
        first = np.arange(len(labels))
    source = points[labels[first]].astype(np.float32)
    target = side.features.points[query_rows[first]]
    if paired < MIN_INLIERS:
        return None
    # OpenCV's stubs promise arrays, but RANSAC without a consensus returns None
    found: tuple[object, object] = cv2.estimateAffinePartial2D(
        source,
        target,
        method=cv2.RANSAC,
        ransacReprojThreshold=REPROJECTION,
        maxIters=_RANSAC_ITERATIONS,
        confidence=0.995,
    )
    matrix, mask = found
    if not isinstance(matrix, np.ndarray) or not isinstance(mask, np.ndarray):
        return None
    agree = mask.ravel() != 0
    # each point once: with every pair kept, a point may agree through two partners
    kept = np.unique(source[agree], axis=0) if every_pair else source[agree]
    if len(kept) < MIN_INLIERS:
        return None
    return _plausible_hit(side, candidate, np.asarray(matrix, np.float64), kept, paired)


def _plausible_hit(
    side: Side, candidate: Candidate, matrix: NDArray[np.float64], agree: NDArray[np.float32],
    paired: int,
) -> RegionHit | None:  # fmt: skip
    """The hit that ``matrix`` implies, if it is plausible (see the module docstring);
    ``agree`` are the picture's inlier points, in its working pixels."""
    inliers = len(agree)
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    if not MIN_SCALE <= scale <= MAX_SCALE:
        return None
    if scale >= DENSE_SCALE and inliers / paired < DENSE_SCORE:
        return None
    w, h = candidate.width, candidate.height
    outline = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    quad = outline @ matrix[:, :2].T + matrix[:, 2]
    qw, qh = side.features.width, side.features.height
    if side.mirrored:
        quad[:, 0] = qw - quad[:, 0]
    inside = _overlap(quad, qw, qh)
    cover, visible = inside / (qw * qh), inside / max(_area(quad), 1e-9)
    if not _convex(quad) or cover < MIN_COVER or visible < MIN_VISIBLE:
        return None
    span = _hull_area(agree) / max(min(visible, 1.0) * w * h, 1e-9)
    if span < MIN_SPAN:
        return None
    corners = tuple((float(x), float(y)) for x, y in quad)
    return RegionHit(candidate.sha256, inliers, inliers / paired, corners, min(cover, 1.0),
                     side.mirrored, (qw, qh), round(min(span, 1.0), 4))  # fmt: skip


def one_to_one(query_rows: NDArray[np.intp], labels: NDArray[np.int64]) -> NDArray[np.intp]:
    """Pairs keeping each query feature's nearest partner, and each partner once.

    faiss lists neighbours nearest first, so the first pair of a query row is
    its nearest; a partner claimed by several query features (the same corner
    found at two pyramid levels) counts once, so inliers count distinct points.
    """
    first = np.unique(query_rows, return_index=True)[1]
    once = np.unique(labels[first], return_index=True)[1]
    return np.asarray(first[once], dtype=np.intp)


def _hull_area(points: NDArray[np.float32]) -> float:
    """Area of the convex hull of ``points`` (0 for fewer than three)."""
    if len(points) < 3:
        return 0.0
    return float(cv2.contourArea(cv2.convexHull(np.ascontiguousarray(points, np.float32))))


def _area(quad: NDArray[np.float64]) -> float:
    return abs(_signed_area(quad))


def _convex(quad: NDArray[np.float64]) -> bool:
    """True when the quad turns the same way at every corner and is not degenerate."""
    edges = np.roll(quad, -1, axis=0) - quad
    turns = (
        edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1]
        - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    )
    return bool((turns > 1e-6).all() or (turns < -1e-6).all())


def _overlap(quad: NDArray[np.float64], w: int, h: int) -> float:
    """Area of the quad inside the ``w`` x ``h`` frame."""
    frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    shape = quad.astype(np.float32)
    if _signed_area(shape) < 0:
        shape = shape[::-1].copy()
    area, _ = cv2.intersectConvexConvex(frame, shape)
    return float(area)


def _signed_area(quad: NDArray[np.float32] | NDArray[np.float64]) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2
