"""The second pass of a large region index: each candidate picture paired exactly with the query.

A region query over a large index spends nearly all its time in the nearest-neighbour
search: at 100,000 pictures each of the query's ~2,000 descriptors (the frame's and
its mirror's) was compared with ~2,300 coarse centroids and 16 cells of ~340
descriptors, ~110 ms of one core, and with 16 cells it still found only ~84 % of the
pictures composited at a fifth of a plate: the true partners of a small region's
features lie in cells that 16 probes do not reach.

**Two passes.** The first pass only has to *rank* the pictures, not to pair their
features, and ranking needs far fewer neighbours: with 2 cells a descriptor (one
coarse cell probed) the true picture was among the 6 best-voted for every family at
100,000 pictures (49 of 50 composites at a fifth; ``bench/RESULTS.md``, "Two passes at
100,000 pictures"). The second pass pairs every query descriptor with its nearest
descriptor *of each candidate* (:func:`pair_exactly`, a flat scan of ~1,000 x 224 codes
a candidate, a fraction of a millisecond), which finds partners no probe budget would,
and RANSAC then runs on those pairs as before.

**Where the candidates' descriptors live.** The inverted lists keep descriptors in cell
order, each beside a faiss id of 8 bytes; gathering one picture's 224 descriptors back
out of 224 lists is not possible from Python without a locator of 4 more bytes a
descriptor, which the 1 GB budget at 100,000 pictures does not hold (0.99 GB is
spent). So :class:`PictureRows` keeps a second copy, in picture order, in an unlinked
temporary file that is memory-mapped: 32 bytes a descriptor on disk (717 MB at
100,000 pictures), of which a query reads the pages of its few candidates. The
operating system keeps those pages cached while memory is free and drops them when it
is not; they are not counted as the index's memory. The file is made in the
temporary folder (``TMPDIR``, else ``/tmp``): where that folder is a file system in
memory (tmpfs, the default of some distributions), the copy *is* memory, so point
``TMPDIR`` at a disk for a large index. An index that searches exactly
(below :data:`~provenance.likeness.regions.IVF_MIN`) writes no file; from the cells
on, the copy is written even below
:data:`~provenance.likeness.regions.TWO_PASS_MIN`, since rows already in the lists
cannot be read back in picture order when the index grows past it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import weakref

import faiss
import numpy as np
from numpy.typing import NDArray

from provenance.errors import NO_ROOM, OutOfSpace, ProvenanceError
from provenance.likeness.features import DESCRIPTOR_BYTES

# Pairs farther apart are left out of RANSAC. The first pass's neighbours stop at 64 bits,
# but its neighbours are the nearest of the whole index; the nearest of one candidate is
# often a chance partner, and at 64 bits those chance pairs pushed a crop to half under
# the dense-score rule (45 of 50 found at 100,000 pictures; 49 at 56, 50 at 48, where
# composites fell to 48).
PAIR_HAMMING = 56


class PictureRows:
    """Every indexed descriptor in picture order, in a memory-mapped temporary file."""

    def __init__(self) -> None:
        try:  # open for the index's life, closed when the copy is collected: not a with-block
            self._file = tempfile.TemporaryFile(prefix="provenance-regions-")  # noqa: SIM115
        except OSError as exc:
            raise _unwritable(exc) from exc
        weakref.finalize(self, self._file.close)
        self._count = 0
        self._map: NDArray[np.uint8] = np.zeros((0, DESCRIPTOR_BYTES), np.uint8)

    def __len__(self) -> int:
        return self._count

    def extend(self, rows: NDArray[np.uint8]) -> None:
        """Append ``rows`` (descriptors of the pictures added next, in their order)."""
        if not len(rows):
            return
        try:
            self._file.seek(0, os.SEEK_END)
            # written from the array's own memory: a bytes copy would add 717 MB to the load's peak
            self._file.write(np.ascontiguousarray(rows, dtype=np.uint8).data)
            self._file.flush()
        except OSError as exc:
            # What was written of these rows is cut off: the copy stays whole up to _count.
            with contextlib.suppress(OSError):
                self._file.truncate(self._count * DESCRIPTOR_BYTES)
            raise _unwritable(exc) from exc
        self._count += len(rows)
        shape = (self._count, DESCRIPTOR_BYTES)
        self._map = np.memmap(self._file, dtype=np.uint8, mode="r", shape=shape)

    def rows(self, start: int, end: int) -> NDArray[np.uint8]:
        """The descriptors of rows ``start`` to ``end`` (one picture's), read into memory."""
        return np.array(self._map[start:end], dtype=np.uint8)

    def file_bytes(self) -> int:
        """Bytes the copy takes on disk (and in the page cache while the system keeps it)."""
        return self._count * DESCRIPTOR_BYTES


def _unwritable(exc: OSError) -> ProvenanceError:
    """The error for a copy that could not be written: the disk is full, or the folder refused."""
    where = tempfile.gettempdir()
    if exc.errno in NO_ROOM:
        return OutOfSpace(
            "no room for the region index's copy of the generated pictures' descriptors",
            where=where,
            fix="free space there, or point TMPDIR at a disk with room (about 7 KB a picture)",
        )
    return ProvenanceError(
        f"cannot write the region index's copy of the descriptors ({exc.strerror or exc})",
        where=where,
        fix="point TMPDIR at a folder this user may write",
    )


def pair_exactly(
    query: NDArray[np.uint8], rows: NDArray[np.uint8]
) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Each query descriptor's nearest of ``rows``, where within :data:`PAIR_HAMMING` bits:
    the query rows paired, and their partners' offsets in ``rows``."""
    if not len(query) or not len(rows):
        return np.zeros(0, np.intp), np.zeros(0, np.int64)
    distances, labels = faiss.knn_hamming(query, rows, 1)
    close = distances[:, 0] <= PAIR_HAMMING
    return np.asarray(np.nonzero(close)[0], np.intp), labels[close, 0].astype(np.int64)
