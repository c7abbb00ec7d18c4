"""Which generated picture does a region of this frame come from?

A :class:`RegionIndex` holds the local features (:mod:`provenance.likeness.features`)
of many generated pictures, each under its SHA-256, and answers
:meth:`RegionIndex.query` with the best *verified* match for a delivered frame:
the generated picture, how many features agree, and where its outline lies in
the frame. It finds pictures that were cropped (to half their area), scaled,
flopped or flipped, turned by quarter turns, letterboxed, overlaid with
burn-ins, graded, or composited over a fifth of another plate.

**Two steps.** *Candidates*: every descriptor of the query (and of its
mirror) looks up its :data:`NEIGHBOURS` nearest indexed descriptors by
Hamming distance; those within :data:`MAX_HAMMING` bits vote for their
picture, one vote per query feature. *Verification*: the best-voted
:data:`CANDIDATES` pictures are checked geometrically, each by RANSAC of one
similarity from the picture to the query that must be plausible and whose
agreeing features must span the picture
(:mod:`~provenance.likeness.region_verify`, where the rules and their
measures are).

**Why twelve candidates.** A few indexed pictures are *hubs*: low-contrast
stills whose descriptors lie near many others, so they collect votes from any
busy frame. A picture composited at a fifth of a plate gets its votes from a
fifth of the query's features, and the plate's features vote for the hubs:
with 6 candidates the true picture was not among them for 5 of the 94
composites of ``bench/bench_regions.py`` (measured 2026-12-06, branch
wt-comp; the same three hubs led the votes of each). With 12, 92 of 94 are
found, with 24, 93. Asking ORB for more query corners made it worse (the
plate's extra corners vote for the hubs too). Each extra candidate costs one
RANSAC on its pairs (a fraction of a millisecond); see ``bench/RESULTS.md``
("Composites at a fifth of a plate").

**The rule's version.** Answers of this rule are stored and reused; each
says which version of the rule made it, and one of an older version is made
again. Raise :data:`~provenance.likeness.versions.REGION_RULE` with any change
here (or in :mod:`~provenance.likeness.region_verify`) that can turn an answer.

**The nearest-neighbour search** is faiss's binary indexes: exact
(``IndexBinaryFlat``) while the index is small, and once it holds
:data:`IVF_MIN` descriptors a **two-level inverted file**
(:mod:`~provenance.likeness.cells`): about one cell per 256 descriptors
(65,536 cells at 100,000 pictures), the cells' centroids themselves kept in
an inverted file of ~256 coarse cells, so that finding a descriptor's cells
costs ~2,300 distances instead of one per cell. The fine centroids are
indexed descriptors drawn at random (seeded), and only the coarse ones are
trained, on a bounded sample: building costs the assignment of each
descriptor, not a k-means. ``bench/bench_regions.py --pad`` measures it
against brute force (``IndexBinaryFlat``) over 100,000 pictures; the
figures, and what each setting of the probes costs and finds, are in
``bench/RESULTS.md`` ("Region queries at 100,000 pictures").

What else was tried for the search, and what each cost and found (a flat
quantizer, an HNSW quantizer, ``IndexBinaryHash``, fewer query descriptors,
faiss's count-based and range scans, visual words), is in ``bench/RESULTS.md``
("Region queries on threads", "Region queries at 100,000 pictures", "Visual
words at 100,000 pictures"). In one pass, most of a query is the scan of the
probed lists (faiss's heap scan, ~5 ns a distance), so the number of cells
probed sets the latency and, for composites, the recall: at 100,000 pictures
16 probes took 123 / 172 ms of thread CPU (p50 / p99) and found 82 % of
composites at a fifth of a plate.

**Two passes past** :data:`TWO_PASS_MIN` **descriptors** (~4,500 pictures;
:mod:`~provenance.likeness.pairing`): the first search scans only
:data:`VOTE_PROBES` cells a descriptor, enough to rank the pictures, and the
:data:`PAIRED_CANDIDATES` best-voted (with :data:`MIN_VOTES` or more) are then
paired exactly with the query, every query feature with its nearest feature of
that picture, read from a picture-ordered copy of the descriptors kept in a
memory-mapped temporary file. At 100,000 pictures (2026-12-06,
``bench/bench_regions.py``) that took a query from 93 / 124 ms of thread CPU
(p50 / p99, load 14) to 22 / 29 ms (load 11; 34 ms p99 at load 16), and
composites at a fifth of a plate from 42 to 49 of 50; the other families
found 49-50 of 50 either way (one crop to half fewer), no false match.
Smaller indexes keep the one pass above (at 94 pictures two passes found 90
composites of 94, one pass 92). See ``bench/RESULTS.md``, "Two passes at
100,000 pictures".

**Threads.** :func:`query_many` answers many queries on
:data:`QUERY_THREADS` threads, each holding faiss to one OpenMP thread.

**Memory.** Each picture keeps its first :data:`INDEX_POINTS` features (a
spread set, see :mod:`~provenance.likeness.features`): 32 bytes of
descriptor and 8 of faiss id in the inverted lists, 4 of position (float16,
half a pixel at worst on a 640-pixel picture), plus 44 bytes a picture (its
SHA-256, where its rows start, its working size): about 9.9 KB a picture,
0.99 GB for 100,000 (plus 40 bytes a cell for the centroids, 2.6 MB;
1.01 GB resident after loading, measured). Past :data:`IVF_MIN` the
descriptors are also copied, in picture order, to a memory-mapped temporary
file for the second pass (32 bytes a descriptor on disk, not counted here;
:meth:`RegionIndex.file_bytes`, :mod:`~provenance.likeness.pairing`). The
lists are filled cell by cell, each allocated at its size; adding after the
first query appends to faiss's lists, which then grow by doubling, and keeps
the cells chosen when the index first passed :data:`IVF_MIN` (an index that
grows tenfold after its first query keeps cells ten times fuller).
Queries allocate their own arrays and may run on several threads at once;
adding while querying is not supported.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import faiss
import numpy as np
from numpy.typing import NDArray

from provenance.likeness import cells, pairing
from provenance.likeness.features import DESCRIPTOR_BYTES, Features
from provenance.likeness.region_verify import MIN_INLIERS, Candidate, RegionHit, Side, verify
from provenance.util.workpool import OrderedPool

INDEX_POINTS = 224
NEIGHBOURS = 4
MAX_HAMMING = 64
CANDIDATES = 12
IVF_MIN = 20_000
# Two passes (provenance.likeness.pairing) from this many indexed descriptors: votes over
# VOTE_PROBES cells, then the PAIRED_CANDIDATES best-voted pictures paired exactly.
TWO_PASS_MIN = 1_000_000
VOTE_PROBES = (2, 1)
PAIRED_CANDIDATES = 6
MIN_VOTES = 3
_BITS = DESCRIPTOR_BYTES * 8
_NO_ROWS: NDArray[np.uint8] = np.zeros((0, DESCRIPTOR_BYTES), dtype=np.uint8)
_HEX = frozenset("0123456789abcdefABCDEF")
QUERY_THREADS = 2


class RegionIndex:
    """The features of many generated pictures, searchable by region (see the module docstring)."""

    def __init__(self, *, every_pair: bool = False) -> None:
        # True: RANSAC over every neighbour pair, not each query feature's nearest partner
        # alone (see provenance.likeness.confirm: one picture against one, repeated patterns)
        self._every_pair = every_pair
        self._shas = bytearray()
        self._starts = array("q", [0])  # where each picture's rows start, then the end
        self._sizes = array("H")  # working width and height of each picture
        self._row_starts: NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        # what was added since the last query, as raw bytes: 100,000 pictures' small arrays
        # would leave the allocator's heap fragmented after the hand-over to faiss
        self._points = np.zeros((0, 2), dtype=np.float16)
        self._points_new = bytearray()
        self._pending = bytearray()
        self._small = _NO_ROWS
        self._search: faiss.IndexBinary | None = None
        self._rows: pairing.PictureRows | None = None  # only once the cells are built
        # Queries may run on several threads (a master's samples): the first one after an
        # add builds the search structures, once, under this lock; searching is read-only.
        self._building = threading.Lock()

    def __len__(self) -> int:
        return len(self._sizes) // 2

    def emptied(self) -> RegionIndex:
        """A new, empty index searched the same way."""
        return RegionIndex(every_pair=self._every_pair)

    def add(self, sha256: str, features: Features) -> None:
        """Index the first :data:`INDEX_POINTS` features of generated picture ``sha256``."""
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
        digest = bytes.fromhex(sha256)
        kept = min(len(features), INDEX_POINTS)
        self._shas += digest
        self._starts.append(self._starts[-1] + kept)
        self._sizes.extend((features.width, features.height))
        self._points_new += features.points[:kept].astype(np.float16).tobytes()
        self._pending += np.ascontiguousarray(features.descriptors[:kept], dtype=np.uint8).tobytes()

    def memory_bytes(self) -> int:
        """Bytes held for the indexed pictures (payload; see the module docstring on growth)."""
        self._flush()
        rows, cells_held = self._starts[-1], 0
        inverted = isinstance(self._search, faiss.IndexBinaryIVF)
        if isinstance(self._search, faiss.IndexBinaryIVF):  # the fine centroids and their ids
            cells_held = self._search.nlist * (DESCRIPTOR_BYTES + 8)
        per_row = DESCRIPTOR_BYTES + 4 + (8 if inverted else 0)
        per_picture = 32 + 8 + 4
        return rows * per_row + len(self) * per_picture + cells_held

    def file_bytes(self) -> int:
        """Bytes of the picture-ordered copy that two passes read (on disk, memory-mapped;
        see :mod:`~provenance.likeness.pairing`); 0 while the index searches exactly."""
        self._flush()
        return self._rows.file_bytes() if self._rows is not None else 0

    def tune(self, nprobe: int, top_probe: int) -> None:
        """Cells scanned a query descriptor, and coarse cells probed to find them (benchmarks;
        see :mod:`~provenance.likeness.cells`). Builds the search structure first."""
        self._flush()
        if self._search is not None:
            cells.tune(self._search, nprobe, top_probe)

    def reset_probes(self) -> None:
        """Undo :meth:`tune`: the probes the index chooses for its size."""
        self._flush()
        if isinstance(self._search, faiss.IndexBinaryIVF):
            self._choose_probes()

    def query(self, features: Features) -> RegionHit | None:
        """The best verified match for a query frame's features (with their mirror), or None.

        On one OpenMP thread (:func:`one_faiss_thread`), the first query's
        building of the search structure too.
        """
        with one_faiss_thread():
            self._flush()
            if self._search is None or self._starts[-1] == 0:
                return None
            sides = [Side(features, False)]
            if features.mirror is not None:
                sides.append(Side(features.mirror, True))
            hits = [hit for side in sides if len(side.features) for hit in self._query_side(side)]
        return max(hits, key=lambda h: (h.inliers, h.score), default=None)

    def _query_side(self, side: Side) -> list[RegionHit]:
        assert self._search is not None
        distances, labels = self._search.search(side.features.descriptors, NEIGHBOURS)
        close = (distances <= MAX_HAMMING) & (labels >= 0)
        query_rows = np.nonzero(close)[0]
        labels = labels[close]
        pictures = np.searchsorted(self._row_starts, labels, side="right") - 1
        if self._two_passes():
            return self._paired_hits(side, query_rows, pictures)
        hits = []
        for picture in _best_voted(query_rows, pictures):
            of_picture = pictures == picture
            hit = self._verify(side, int(picture), query_rows[of_picture], labels[of_picture])
            if hit is not None:
                hits.append(hit)
        return hits

    def _two_passes(self) -> bool:
        return self._rows is not None and len(self._rows) >= TWO_PASS_MIN

    def _paired_hits(
        self, side: Side, query_rows: NDArray[np.intp], pictures: NDArray[np.intp]
    ) -> list[RegionHit]:
        """The second pass: the best-voted pictures paired exactly with the query, verified."""
        assert self._rows is not None
        hits = []
        for picture in _best_voted(query_rows, pictures, PAIRED_CANDIDATES, MIN_VOTES):
            start, end = int(self._row_starts[picture]), int(self._row_starts[picture + 1])
            paired, offsets = pairing.pair_exactly(
                side.features.descriptors, self._rows.rows(start, end)
            )
            hit = self._verify(side, int(picture), paired, offsets + start)
            if hit is not None:
                hits.append(hit)
        return hits

    def _verify(
        self, side: Side, picture: int, query_rows: NDArray[np.intp], labels: NDArray[np.int64]
    ) -> RegionHit | None:
        """Verify one candidate picture (see :mod:`~provenance.likeness.region_verify`)."""
        sha = self._shas[picture * 32 : picture * 32 + 32].hex()
        w, h = self._sizes[2 * picture], self._sizes[2 * picture + 1]
        candidate = Candidate(sha, w, h, query_rows, labels)
        return verify(side, candidate, self._points, every_pair=self._every_pair)

    def _flush(self) -> None:
        """Hand the descriptors added since the last query to faiss (training it if it is time).

        Under a lock: the first queries of a freshly loaded index may arrive on
        several threads at once, and each must wait for the whole hand-over.
        """
        with self._building:
            self._flush_pending()

    def _flush_pending(self) -> None:
        if len(self._row_starts) == len(self._starts):
            return
        fresh = np.frombuffer(self._pending, dtype=np.uint8).reshape(-1, DESCRIPTOR_BYTES)
        added = np.frombuffer(self._points_new, dtype=np.float16).reshape(-1, 2)
        self._points = np.concatenate([self._points, added])
        self._pending, self._points_new = bytearray(), bytearray()
        self._row_starts = np.array(self._starts, dtype=np.int64)
        if isinstance(self._search, faiss.IndexBinaryIVF):
            assert self._rows is not None  # made with the cells
            cells.fill(self._search, fresh)
            cells.release_freed()
            self._rows.extend(fresh)
            self._choose_probes()
            return
        rows = np.concatenate([self._small, fresh]) if len(self._small) else fresh
        if len(rows) >= IVF_MIN:  # large enough for cells: two levels of them, trained here
            self._search, self._small = (
                cells.two_level_ivf(rows),
                _NO_ROWS,
            )  # not rows[:0]: a view keeps all rows
            cells.fill(self._search, rows)
            cells.release_freed()
            self._rows = pairing.PictureRows()
            self._rows.extend(rows)
            self._choose_probes()
        else:
            self._small, self._search = rows, faiss.IndexBinaryFlat(_BITS)
            self._search.add(rows)

    def _choose_probes(self) -> None:
        """Few probes where a second pass pairs the candidates, the usual ones elsewhere."""
        assert self._search is not None
        cells.tune(self._search, *(VOTE_PROBES if self._two_passes() else cells.default_probes()))


def query_many(
    index: RegionIndex, queries: Iterable[Features | None], threads: int = QUERY_THREADS
) -> Iterator[RegionHit | None]:
    """:meth:`RegionIndex.query` for each of ``queries`` (None: nothing to ask), answers in order.

    The queries run on ``threads`` threads: faiss and OpenCV release the GIL,
    so a query's search and RANSAC overlap the next one's (each query holds
    faiss to one OpenMP thread, :func:`one_faiss_thread`).
    """
    with OrderedPool(
        lambda chunk: [index.query(q) if q is not None else None for q in chunk], queries,
        threads, on_crash=lambda _: None, window=threads * 4, chunk=1,
        executor=lambda n: ThreadPoolExecutor(n, "regions"),
    ) as pool:  # fmt: skip
        yield from pool


@contextmanager
def one_faiss_thread() -> Iterator[None]:
    """Hold faiss to one OpenMP thread in the calling thread while a query searches.

    Left to itself, faiss starts a team of OpenMP threads, one a core, for
    every search, and the team spins while it waits for work: a search of a
    few thousand descriptors costs more in the team than in the search (ten
    times the CPU on two loaded cores, more on a workstation's 64). The
    callers already run queries side by side (threads, processes), so one
    thread a query is the design, whatever thread asks; OpenMP's setting is
    the calling thread's, so it is set around each query and put back after.
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _best_voted(
    query_rows: NDArray[np.intp], pictures: NDArray[np.intp], count: int = CANDIDATES,
    least: int = MIN_INLIERS,
) -> NDArray[np.intp]:  # fmt: skip
    """The ``count`` pictures with most votes (one a query feature), each with ``least``."""
    span = int(query_rows.max(initial=0)) + 1
    voters = np.unique(pictures.astype(np.int64) * span + query_rows)
    voted, votes = np.unique(voters // span, return_counts=True)
    keep = votes >= least
    voted, votes = voted[keep], votes[keep]
    return np.asarray(voted[np.argsort(-votes, kind="stable")[:count]], dtype=np.intp)
