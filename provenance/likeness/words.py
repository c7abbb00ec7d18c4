"""Visual words: which pictures a query's descriptors point to, before any exact pairing.

A **vocabulary** splits the space of binary descriptors into cells (*words*),
each under a centroid; each indexed descriptor is filed under its nearest
word, and the word's list keeps only its row number (4 bytes). A query
descriptor looks up its nearest word, compares itself with the descriptors
of that word's list (~96 of them), and the nearest of them, if within
:data:`VOTE_HAMMING` bits, votes for its picture. The pictures with most
votes are the **candidates**, which
:class:`~provenance.likeness.regions.RegionIndex` then pairs with the query
exactly (every query descriptor against every descriptor of the candidates)
before RANSAC. This is the bag-of-words search of large image collections
with Hamming filtering (Sivic and Zisserman 2003; Jégou et al. 2008, whose
short signatures are here the descriptors themselves): a query descriptor
costs one word assignment (~1,500 distances to centroids at 100,000
pictures) and ~96 distances to list entries, against ~7,800 for the
inverted file's nearest neighbours that it replaced.

**Why it finds more than the inverted file did.** That file had to find
each true partner among 22 million descriptors to count it; a partner in a
cell it did not probe was lost, and a composite at a fifth of a plate, with
few partners to lose, fell to 82 % found at 100,000 pictures. Here a word
only has to bring the right picture into the first :data:`CANDIDATES` by
votes; the exact pairing then finds every partner it has, wherever the
words put them.

**Only the nearest entry votes, and only if close.** Unrelated ORB
descriptors of similar content (edges, corners of flat shapes) often lie
within 64 bits of each other, so letting every close entry vote made
unrelated pictures outvote the true one: among 50 pictures, a composite's
picture came first 8 % of the time. Letting each query descriptor vote once,
for its nearest entry within 48 bits, brought it first 94 % of the time and
into the first 12 every time (``bench/RESULTS.md``).

**The vocabulary** is :func:`~provenance.likeness.cells.two_level_quantizer`
(fine centroids drawn at random from the indexed descriptors, found through
trained coarse cells), about one word per :data:`LIST_ROWS` descriptors.
Built once when the index first passes its threshold; later additions are
filed under the same words (so an index that grows tenfold after its first
query keeps lists ten times longer).

**Lists** are one array of row numbers sorted by word (``uint32``) and where
each word's run starts, so gathering the lists of a query's words is a few
numpy operations; adding re-sorts the whole array (seconds at 100,000
pictures), which the audit and the scan do once, when they load the ledger.
"""

from __future__ import annotations

import faiss
import numpy as np
from numpy.typing import NDArray

from provenance.likeness import cells

LIST_ROWS = 96  # indexed descriptors a word, about
WORD_PROBE = 2  # coarse cells probed to find a descriptor's word (query and indexing)
QUERY_WORDS = 1  # words a query descriptor looks in (2 or more: multiple assignment)
VOTE_HAMMING = 48  # the nearest entry votes only if it lies this close to the query's
CANDIDATES = 12  # pictures paired exactly with the query, most voted first
MIN_VOTES = 3  # fewer votes than this: not a candidate
_CHUNK = 65_536


class WordLists:
    """A vocabulary and, for each word, the rows of the descriptors filed under it."""

    def __init__(self, descriptors: NDArray[np.uint8]) -> None:
        """A vocabulary sized for ``descriptors`` (drawn from them; nothing is filed yet)."""
        words = cells.cell_count(len(descriptors), LIST_ROWS)
        self._vocabulary = cells.two_level_quantizer(descriptors, min(words, len(descriptors)))
        self.words = int(self._vocabulary.ntotal)
        self._starts = np.zeros(self.words + 1, dtype=np.int64)
        self._rows = np.zeros(0, dtype=np.uint32)

    def memory_bytes(self) -> int:
        """Bytes held: the lists' entries, where each list starts, the centroids and their ids."""
        return int(self._rows.nbytes + self._starts.nbytes + self.words * (cells.BITS // 8 + 8))

    def add(self, descriptors: NDArray[np.uint8], rows: NDArray[np.uint32]) -> None:
        """File each of ``descriptors`` (the index's row ``rows[i]``) under its nearest word."""
        words = self._words_of(descriptors, WORD_PROBE)[:, 0]
        held = np.repeat(np.arange(self.words, dtype=np.int32), np.diff(self._starts))
        keys = np.concatenate([held, words.astype(np.int32)])
        del held
        order = np.argsort(keys, kind="stable")
        self._rows = np.concatenate([self._rows, rows.astype(np.uint32)])[order]
        self._starts = np.searchsorted(keys[order], np.arange(self.words + 1)).astype(np.int64)

    def candidates(
        self, descriptors: NDArray[np.uint8], stored: NDArray[np.uint8],
        row_starts: NDArray[np.int64],
    ) -> NDArray[np.intp]:  # fmt: skip
        """The pictures that ``descriptors`` vote for most (see the module docstring): at most
        :data:`CANDIDATES`, each with :data:`MIN_VOTES` or more, most voted first.

        ``stored`` are the indexed descriptors by row, and picture ``p`` holds rows
        ``row_starts[p]`` to ``row_starts[p + 1]``.
        """
        pictures = len(row_starts) - 1
        if not len(descriptors) or not len(self._rows):
            return np.zeros(0, dtype=np.intp)
        words = self._words_of(descriptors, WORD_PROBE, QUERY_WORDS)
        asking = np.repeat(np.arange(len(descriptors)), QUERY_WORDS)
        words = words.ravel()
        asking, words = asking[words >= 0], words[words >= 0]
        first, last = self._starts[words], self._starts[words + 1]
        lengths = last - first
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, dtype=np.intp)
        # the positions of every entry of every looked-up list, in one array
        offsets = np.repeat(first - np.cumsum(lengths) + lengths, lengths)
        rows = self._rows[offsets + np.arange(total)]
        who = np.repeat(asking, lengths)
        distance = _hamming(stored[rows], descriptors[who])
        nearest = np.full(len(descriptors), VOTE_HAMMING + 1, dtype=np.int64)
        np.minimum.at(nearest, who, distance)
        # ties all vote: rare, and then for near-copies alike
        near = (distance == nearest[who]) & (distance <= VOTE_HAMMING)
        voters = np.searchsorted(row_starts, rows[near], side="right") - 1
        votes = np.bincount(voters, minlength=pictures)
        keep = min(CANDIDATES, len(votes))
        best = np.argpartition(-votes, keep - 1)[:keep]
        best = best[votes[best] >= MIN_VOTES]
        return np.asarray(best[np.argsort(-votes[best], kind="stable")], dtype=np.intp)

    def _words_of(
        self, descriptors: NDArray[np.uint8], probe: int, nearest: int = 1
    ) -> NDArray[np.int64]:
        params = faiss.SearchParametersIVF()
        params.nprobe = probe
        parts = [self._vocabulary.search(descriptors[at : at + _CHUNK], nearest, params=params)[1]
                 for at in range(0, len(descriptors), _CHUNK)]  # fmt: skip
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, nearest), np.int64)


def _hamming(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Row-wise Hamming distances between two arrays of descriptors."""
    x = np.bitwise_xor(a.view(np.uint64), b.view(np.uint64))
    return np.asarray(np.bitwise_count(x).sum(axis=1, dtype=np.int64), dtype=np.int64)
