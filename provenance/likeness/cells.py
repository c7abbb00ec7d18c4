"""A two-level inverted file of binary descriptors: cells found through cells.

An inverted file (IVF) splits the indexed descriptors into ``nlist`` cells,
each under a centroid; a query descriptor is compared with every centroid,
then with the descriptors of its :data:`NPROBE` nearest cells. With a flat
list of centroids, each query descriptor pays ``nlist + NPROBE x N / nlist``
Hamming distances, at best ``2 sqrt(NPROBE x N)``: at 100,000 pictures
(22.4 million descriptors) about 38,000, so ~2,000 query descriptors cost
about 250 ms. The centroids must also be trained (k-means), which took
122 s for 4,096 cells at 5,234 pictures.

**Two levels.** Here the centroids are themselves kept in an inverted file
(a vocabulary tree of depth two): ``top`` (about ``sqrt(nlist)``) coarse
centroids, each holding the fine centroids nearest it. Finding a
descriptor's nearest fine cells costs ``top + TOP_PROBE x nlist / top``
instead of ``nlist``, so many more, smaller cells become affordable: at
22.4 million descriptors, 65,536 cells of ~340 descriptors, 2,300 distances
to find the cells and 5,500 to scan :data:`NPROBE` of them.

**Training costs seconds, not minutes.** The fine centroids are descriptors
drawn at random from those indexed (a seeded draw, so the same index gets
the same cells); only the ``top`` coarse centroids are trained, by k-means
on a bounded sample (:data:`TOP_SAMPLE` points a cell, :data:`TOP_ITERATIONS`
iterations). Random centroids give less even cells than k-means, which
``bench/bench_regions.py`` measures in recall and time rather than assumes.
Nothing is persisted: loading an index costs one assignment of each
descriptor (``top + ASSIGN_PROBE x nlist / top`` distances), which dominates
the build.

**Exact lists.** faiss's own ``add`` appends descriptors one at a time, so
its per-cell vectors grow by doubling (up to twice the memory). :func:`fill`
sorts the descriptors by cell and hands each cell its rows at once, so each
list is allocated at its size; later additions append, and those cells grow
as faiss's lists do.
"""

from __future__ import annotations

import ctypes

import faiss
import numpy as np
from numpy.typing import NDArray

from provenance.likeness.features import DESCRIPTOR_BYTES

BITS = DESCRIPTOR_BYTES * 8
LIST_ROWS = 256  # descriptors a cell, about: sets nlist from the index's size
MIN_NLIST = 64
NPROBE = 16
TOP_PROBE = 8
ASSIGN_PROBE = 2
TOP_SAMPLE = 64
TOP_ITERATIONS = 10
_SEED = 0


def cell_count(rows: int) -> int:
    """``nlist`` for ``rows`` descriptors: a power of two near ``rows / LIST_ROWS``."""
    return int(1 << max(int(np.log2(MIN_NLIST)), round(np.log2(max(rows, 1) / LIST_ROWS))))


def two_level_ivf(descriptors: NDArray[np.uint8]) -> faiss.IndexBinaryIVF:
    """An empty, trained two-level IVF sized for ``descriptors`` (see the module docstring)."""
    nlist = min(cell_count(len(descriptors)), len(descriptors))
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
    quantizer.nprobe = TOP_PROBE
    index = faiss.IndexBinaryIVF(quantizer, BITS, nlist)
    quantizer.thisown = False  # type: ignore[attr-defined]  # SWIG's flag, not in the stubs
    index.own_fields = True  # the index owns (and frees) its quantizer
    index.is_trained = True
    index.nprobe = NPROBE
    return index


def default_probes() -> tuple[int, int]:
    """:data:`NPROBE` and :data:`TOP_PROBE`: cells scanned, and coarse cells probed to find them."""
    return NPROBE, TOP_PROBE


def tune(index: faiss.IndexBinary, nprobe: int, top_probe: int) -> None:
    """Set how many cells a search scans and how many coarse cells find them (benchmarks)."""
    if isinstance(index, faiss.IndexBinaryIVF):
        index.nprobe = nprobe
        quantizer = faiss.downcast_IndexBinary(index.quantizer)
        if isinstance(quantizer, faiss.IndexBinaryIVF):
            quantizer.nprobe = top_probe


def fill(index: faiss.IndexBinaryIVF, descriptors: NDArray[np.uint8]) -> None:
    """Add ``descriptors`` (ids following the index's last), each cell's rows in one piece.

    Rows are gathered cell by cell, so the only copy beside the lists is one cell's.
    """
    in_cell = assign(index, descriptors)
    order = np.argsort(in_cell, kind="stable")
    bounds = np.searchsorted(in_cell[order], np.arange(index.nlist + 1))
    del in_cell
    first, lists = index.ntotal, index.invlists
    for cell in np.nonzero(np.diff(bounds))[0]:
        rows = order[bounds[cell] : bounds[cell + 1]]
        ids = rows.astype(np.int64) + first
        codes = np.ascontiguousarray(descriptors[rows])
        lists.add_entries(int(cell), len(rows), faiss.swig_ptr(ids), faiss.swig_ptr(codes))
    index.ntotal += len(descriptors)


def assign(index: faiss.IndexBinaryIVF, descriptors: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Each descriptor's cell, found with :data:`ASSIGN_PROBE` coarse cells probed."""
    quantizer = faiss.downcast_IndexBinary(index.quantizer)
    probe = faiss.SearchParametersIVF()
    probe.nprobe = ASSIGN_PROBE
    parts = [quantizer.search(descriptors[at : at + 65_536], 1, params=probe)[1][:, 0]
             for at in range(0, len(descriptors), 65_536)]  # fmt: skip
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def release_freed() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere none).

    Filling the lists frees many small temporaries between the lists' own
    allocations; without this the process kept about a third more than the
    index holds (measured in bench/bench_region_load.py).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
