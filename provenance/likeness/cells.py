"""A vocabulary of binary descriptors: many centroids, found through a few coarse ones.

The visual words of :mod:`~provenance.likeness.words` need many centroids
(about one per 96 indexed descriptors: 262,144 at 100,000 pictures), and each
descriptor, indexed or asked, must find its nearest. Compared with every
centroid, that would cost 262,144 Hamming distances a descriptor. Here the
centroids are kept in an inverted file of ``top`` (about ``sqrt(nlist)``)
coarse centroids, each holding the fine centroids nearest it (a vocabulary
tree of depth two), so finding a descriptor's word costs ``top + probe x
nlist / top`` distances: 1,536 at 100,000 pictures with 2 coarse cells probed.

**Training costs seconds, not minutes.** The fine centroids are descriptors
drawn at random from those indexed (a seeded draw, so the same pictures get
the same words); only the ``top`` coarse centroids are trained, by k-means
on a bounded sample (:data:`TOP_SAMPLE` points a cell, :data:`TOP_ITERATIONS`
iterations). Nothing is persisted: loading an index costs one word
assignment a descriptor, which dominates the build.

Until 2026-12-06 the same structure was the coarse quantizer of a faiss
inverted file that scanned 16 cells of ~340 descriptors for each query
descriptor's nearest neighbours; ``bench/RESULTS.md`` ("Visual words at
100,000 pictures") says why the words replaced it.
"""

from __future__ import annotations

import ctypes

import faiss
import numpy as np
from numpy.typing import NDArray

from provenance.likeness.features import DESCRIPTOR_BYTES

BITS = DESCRIPTOR_BYTES * 8
MIN_NLIST = 64
TOP_SAMPLE = 64
TOP_ITERATIONS = 10
_SEED = 0


def cell_count(rows: int, per_cell: int) -> int:
    """``nlist`` for ``rows`` descriptors: a power of two near ``rows / per_cell``."""
    return int(1 << max(int(np.log2(MIN_NLIST)), round(np.log2(max(rows, 1) / per_cell))))


def two_level_quantizer(descriptors: NDArray[np.uint8], nlist: int) -> faiss.IndexBinaryIVF:
    """``nlist`` centroids drawn from ``descriptors``, in an inverted file of trained coarse cells
    (searching it finds a descriptor's nearest centroids, numbered ``0 .. nlist - 1``; set
    ``nprobe`` or pass search parameters for the coarse cells to probe)."""
    rng = np.random.default_rng(_SEED)
    centroids = np.ascontiguousarray(descriptors[rng.choice(len(descriptors), nlist, False)])
    top = 1 << (int(np.log2(nlist)) + 1) // 2
    quantizer = faiss.IndexBinaryIVF(faiss.IndexBinaryFlat(BITS), BITS, top)
    quantizer.cp.niter = TOP_ITERATIONS
    quantizer.cp.max_points_per_centroid = TOP_SAMPLE
    quantizer.cp.seed = _SEED
    quantizer.cp.min_points_per_centroid = 1  # a small index has few centroids a cell
    quantizer.train(centroids)
    quantizer.add(centroids)
    return quantizer


def release_freed() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere none).

    Building the index frees large temporaries (the rows as first added, the
    sort of the word lists); without this the process kept about a third more
    than the index holds (measured for the earlier inverted file in
    bench/bench_region_load.py).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
