"""Pseudo-pictures for a large region index: real ORB descriptors, reframed, never queried.

Random bits are not ORB descriptors (real ones cluster, and an inverted file
splits clusters, not a uniform cube), and describing 100,000 pictures anew
would take the bench longer than it measures. So:

1. **Base pictures.** ``bases`` synthetic generated-looking pictures
   (:func:`tests.support.reframing.textured`, 480x270, seeds from 2,000,000 so
   none is one the bench queries) are described at the working size, each with
   its mirror (compute at the mirrored corners, as a query is): up to 1,000
   features a side, in spread order. Cached in a ``.npz`` file, as describing
   2,000 pictures takes minutes on a shared machine.
2. **Pseudo-pictures.** Pseudo-picture ``i`` is base ``i mod bases``: one of its
   two sides (the picture or its mirror, whose descriptors differ), a random
   window keeping half its area or more, and that window's features in spread
   order, the first :data:`~provenance.likeness.regions.INDEX_POINTS` of them,
   with 3 random bits of each descriptor flipped (the noise of describing a
   regraded, recompressed copy). 100,000 pseudo-pictures over 2,000 bases
   reuse each base 50 times, in different windows and sides: a collection
   with many near-duplicate regions, which makes some cells crowded (harder
   for an inverted file than 100,000 unrelated pictures would be).
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from provenance.likeness.features import DESCRIPTOR_BYTES, MAX_POINTS, Features, describe_luma
from provenance.likeness.regions import INDEX_POINTS
from tests.support.reframing import luma, textured

BASE_SEED = 2_000_000
FLIPPED_BITS = 3


def _describe_base(number: int) -> tuple[tuple[int, int], list[Features]]:
    cv2.setNumThreads(1)
    found = describe_luma(luma(textured(BASE_SEED + number, (480, 270))), mirror=True)
    assert found.mirror is not None
    return (found.width, found.height), [found, found.mirror]


def base_pool(bases: int, cache: Path) -> dict[str, NDArray[np.generic]]:
    """Described base pictures (see the module docstring), read from ``cache`` if there."""
    if cache.exists():
        with np.load(cache) as stored:
            return {name: stored[name] for name in stored.files}
    with multiprocessing.get_context("fork").Pool(2) as pool:
        described = pool.map(_describe_base, range(bases), chunksize=16)
    points = np.zeros((bases, 2, MAX_POINTS, 2), np.float32)
    descriptors = np.zeros((bases, 2, MAX_POINTS, DESCRIPTOR_BYTES), np.uint8)
    counts = np.zeros((bases, 2), np.int32)
    for number, (_, sides) in enumerate(described):
        for side, features in enumerate(sides):
            n = counts[number, side] = len(features)
            points[number, side, :n], descriptors[number, side, :n] = (
                features.points,
                features.descriptors,
            )
    sizes = np.array([size for size, _ in described], np.int32)
    pool_arrays: dict[str, NDArray[np.generic]] = {
        "sizes": sizes, "points": points, "descriptors": descriptors, "counts": counts
    }  # fmt: skip
    np.savez(cache, **pool_arrays)  # type: ignore[arg-type]
    return pool_arrays


def pseudo_pictures(
    pool: dict[str, NDArray[np.generic]], count: int, seed: int = 7
) -> Iterator[tuple[str, Features]]:
    """``count`` pseudo-pictures derived from ``pool`` (see the module docstring), each with
    a stand-in SHA-256."""
    rng = np.random.default_rng(seed)
    sizes, counts = pool["sizes"], pool["counts"]
    for number in range(count):
        base, side = number % len(sizes), int(rng.integers(0, 2))
        w, h = (int(v) for v in sizes[base])
        keep = float(rng.uniform(0.5, 1.0)) ** 0.5
        x0, y0 = rng.uniform(0, w * (1 - keep)), rng.uniform(0, h * (1 - keep))
        points = pool["points"][base, side, : counts[base, side]]
        inside = (
            (points[:, 0] >= x0) & (points[:, 0] < x0 + w * keep)
            & (points[:, 1] >= y0) & (points[:, 1] < y0 + h * keep)
        )  # fmt: skip
        rows = np.nonzero(inside)[0][:INDEX_POINTS]
        descriptors = np.array(pool["descriptors"][base, side, rows], dtype=np.uint8)
        _flip_bits(descriptors, rng)
        window = (points[rows] - np.array([x0, y0], np.float32)) / keep
        features = Features(w, h, window.astype(np.float32), descriptors)
        yield hashlib.sha256(f"pad {number}".encode()).hexdigest(), features


def _flip_bits(descriptors: NDArray[np.uint8], rng: np.random.Generator) -> None:
    bits = rng.integers(0, DESCRIPTOR_BYTES * 8, (len(descriptors), FLIPPED_BITS))
    rows = np.arange(len(descriptors))[:, None]
    np.bitwise_xor.at(descriptors, (rows, bits // 8), (1 << (bits % 8)).astype(np.uint8))
