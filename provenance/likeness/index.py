"""An in-memory index of fingerprints, for "which generated image is this a copy of?".

The audit compares every image in a package with every generated asset in
the ledger, which may hold millions. The index keeps the two 64-bit hashes of
each :class:`~provenance.likeness.fingerprint.Fingerprint` in numpy arrays (16 bytes an
asset) with the asset's id (8 bytes for an integer row id, 32 for a SHA-256),
and answers :meth:`NearMatchIndex.query` with every asset that satisfies the
match rule, nearest first.

**Why brute force.** The rule's first step is a Hamming radius of 12 bits on
the 64-bit gradient hash (see :mod:`provenance.likeness.fingerprint` for why 12).
Indexes that avoid touching every entry do not pay at that radius: multi-index
hashing splits the hash into bands and relies on one band being nearly exact,
which at radius 12 means hundreds of probes per band and thousands of
candidates (the issue measured, on 1M random hashes, 0.05 ms a query at radius 3 but
4.7 ms at 10); a BK-tree visits most of the tree beyond a radius of a few bits
(55 ms at 4). A linear scan costs the same at every radius: XOR with the
query and count the bits (``np.bitwise_count``) over the gradient hashes,
block by block so the work stays in the CPU cache; only the few entries within
the radius have their DCT hash checked. ``bench/bench_fingerprint.py`` measures
it at 1,000,000 entries with SHA-256 ids (figures in ``bench/RESULTS.md``):
48 MiB of arrays (24 with integer ids); a query takes about 1.0 ms on
average and 1.2-1.5 ms at the 99th percentile on a shared 2-core machine,
within 0.1 ms of bare numpy brute force over the same gradient hashes.

Entries live in fixed-size blocks filled in order, so loading from the ledger
in chunks (:meth:`NearMatchIndex.add`) never copies what is already loaded
and memory never exceeds the entries plus one part-filled block. There is no
removal: an asset's status decides what a match means, not the index.
Queries allocate their own scratch space, so several threads may query at
once; adding while querying is not supported.

**Videos.** A video asset has one entry per sampled moment (up to eight, see
:mod:`provenance.likeness.video`), all under the asset's id, so a query finds
the asset whichever of its moments is alike; a still grabbed from a
generated clip matches that clip. A package video is judged by
:func:`match_clip`: it looks like an asset when **more than half of its
fingerprinted moments, and at least two** (its only one, if it has one),
each match some moment of that asset by the image rule. The distance
reported is the median over the moments that match.

Measured with ``bench/bench_video.py --clips 40`` (64-frame clips of a
picture panning under a moving disc; originals H.264 with a keyframe every
16 frames): every re-encode (CRF 35, half size, a keyframe every 7 or 250
frames, ProRes, MJPEG, 30 fps) and every remux without metadata matched its
original on 8 of 8 moments, the farthest moment at distance 8. Of 14,040
pairs of unrelated clips none matched: at most two moments were alike
(nearest distance 19), in clips of the same composition (a gradient rising
to the same corner), which a rule of two moments would have matched. A
majority leaves copies a margin of three moments (a burnt-in title, a
regraded shot). An edit that includes a generated shot among others is not
what this rule catches: eight moments rarely fall on the shot, and more need
shot detection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median_low
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from provenance.likeness.fingerprint import GRAD_RADIUS, MAX_DISTANCE, Fingerprint

BLOCK = 1 << 16
CLIP_FRAMES = 2
AssetId = int | str
IdKind = Literal["int", "sha256"]
U64 = NDArray[np.uint64]
Hashes = Sequence[int] | NDArray[np.integer]
IdArray = NDArray[np.int64] | NDArray[np.uint8]
_MASK = (1 << 64) - 1


@dataclass
class _Block:
    """``size`` slots; the first ``used`` hold entries."""

    grad: U64
    dct: U64
    ids: IdArray
    used: int = 0

    @classmethod
    def empty(cls, size: int, kind: IdKind) -> _Block:
        ids = np.empty(size, np.int64) if kind == "int" else np.empty((size, 32), np.uint8)
        return cls(np.empty(size, np.uint64), np.empty(size, np.uint64), ids)

    @property
    def free(self) -> int:
        return len(self.grad) - self.used

    @property
    def nbytes(self) -> int:
        return self.grad.nbytes + self.dct.nbytes + self.ids.nbytes


def _bits64(value: object) -> int:
    if not isinstance(value, int | np.integer) or not -(1 << 63) <= int(value) < 1 << 64:
        raise ValueError(f"a hash must be a 64-bit integer, not {value!r}")
    return int(value) & _MASK


def _as_u64(values: Hashes) -> U64:
    """Hashes as uint64; signed values (as SQL BIGINT holds them) keep their bit patterns."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        wide = values.astype(np.int64 if values.dtype.kind == "i" else np.uint64, copy=False)
        return wide.view(np.uint64).ravel()
    items = list(values.ravel()) if isinstance(values, np.ndarray) else list(values)
    return np.fromiter((_bits64(v) for v in items), np.uint64, len(items))


def _sha256_bytes(ids: Sequence[str]) -> NDArray[np.uint8]:
    """64-digit hex ids as rows of 32 bytes, decoded in one pass (any case)."""
    problem = ValueError("string ids must be 64-digit hex SHA-256 digests")
    if any(len(i) != 64 for i in ids):
        raise problem
    try:
        raw = bytes.fromhex("".join(ids))
    except ValueError as exc:
        raise problem from exc
    if len(raw) != 32 * len(ids):  # fromhex skips whitespace: a spaced id comes out short
        raise problem
    return np.frombuffer(raw, np.uint8).reshape(len(ids), 32)


@dataclass
class NearMatchIndex:
    """Fingerprints of assets, queried by the match rule (see the module docstring)."""

    block_size: int = BLOCK
    _blocks: list[_Block] = field(default_factory=list)
    _kind: IdKind | None = None

    def __len__(self) -> int:
        return sum(b.used for b in self._blocks)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (the entries and one part-filled block)."""
        return sum(b.nbytes for b in self._blocks)

    def add(self, ids: Sequence[AssetId], grads: Hashes, dcts: Hashes) -> None:
        """Append entries: ``ids[i]`` has hashes ``grads[i]`` and ``dcts[i]``.

        Ids are all integers (ledger row ids) or all hex SHA-256 digests.
        Hashes are unsigned 64-bit integers, or signed ones read as their bit
        patterns (what a SQL ``BIGINT`` column gives back).
        """
        grad, dct = _as_u64(grads), _as_u64(dcts)
        if not len(ids) == len(grad) == len(dct):
            raise ValueError("ids, grads and dcts must have the same length")
        if len(ids):
            kind, encoded = self._encode_ids(ids)
            self._append(kind, encoded, grad, dct)

    def add_fingerprints(self, items: Iterable[tuple[AssetId, Fingerprint]]) -> None:
        """Append ``(id, fingerprint)`` pairs."""
        pairs = list(items)
        ids = [i for i, _ in pairs]
        self.add(ids, [f.grad for _, f in pairs], [f.dct for _, f in pairs])

    def _encode_ids(self, ids: Sequence[AssetId]) -> tuple[IdKind, IdArray]:
        kind: IdKind = "sha256" if isinstance(ids[0], str) else "int"
        mixed = any(isinstance(i, str) != (kind == "sha256") for i in ids)
        if mixed or self._kind not in (None, kind):
            raise ValueError("ids must be all integers or all SHA-256 hex strings, in every add")
        if kind == "int":
            return kind, np.asarray(ids, dtype=np.int64)
        return kind, _sha256_bytes([i for i in ids if isinstance(i, str)])

    def _append(self, kind: IdKind, ids: IdArray, grad: U64, dct: U64) -> None:
        self._kind = kind
        done = 0
        while done < len(grad):
            if not self._blocks or self._blocks[-1].free == 0:
                self._blocks.append(_Block.empty(self.block_size, kind))
            block = self._blocks[-1]
            take = min(block.free, len(grad) - done)
            at = slice(block.used, block.used + take)
            block.grad[at], block.dct[at] = grad[done : done + take], dct[done : done + take]
            block.ids[at] = ids[done : done + take]
            block.used += take
            done += take

    def query(
        self, fp: Fingerprint, radius: int = GRAD_RADIUS, max_distance: int = MAX_DISTANCE
    ) -> list[tuple[AssetId, int]]:
        """Entries with gradient distance <= ``radius`` and total distance <= ``max_distance``.

        Returns ``(id, total distance)`` pairs, nearest first (ties in the
        order the entries were added).
        """
        if not 0 <= radius <= 64 or not 0 <= max_distance <= 128:
            raise ValueError("radius must be within 0-64 and max_distance within 0-128")
        found: list[tuple[int, int, AssetId]] = []
        scratch = np.empty(self.block_size, np.uint64), np.empty(self.block_size, np.uint8)
        base = 0
        for block in self._blocks:
            found.extend(self._scan(block, fp, radius, max_distance, scratch, base))
            base += block.used
        found.sort(key=lambda hit: (hit[0], hit[1]))
        return [(asset, distance) for distance, _, asset in found]

    def _scan(
        self,
        block: _Block,
        fp: Fingerprint,
        radius: int,
        max_distance: int,
        scratch: tuple[U64, NDArray[np.uint8]],
        base: int,
    ) -> list[tuple[int, int, AssetId]]:
        n = block.used
        xor, bits = scratch[0][:n], scratch[1][:n]
        np.bitwise_xor(block.grad[:n], np.uint64(fp.grad), out=xor)
        np.bitwise_count(xor, out=bits)
        near = np.flatnonzero(bits <= radius)
        if not near.size:
            return []
        total = bits[near].astype(np.int64)
        total += np.bitwise_count(block.dct[near] ^ np.uint64(fp.dct))
        within = total <= max_distance
        return [
            (int(t), base + int(i), self._id(block, int(i)))
            for i, t in zip(near[within], total[within], strict=True)
        ]

    def _id(self, block: _Block, row: int) -> AssetId:
        if self._kind == "int":
            return int(block.ids[row])
        return bytes(block.ids[row]).hex()


@dataclass(frozen=True)
class ClipMatch:
    """The asset a video looks like: how many of its sampled moments match, and how closely."""

    asset: AssetId
    distance: int  # median over the matching moments of each one's nearest distance
    matched: int
    sampled: int


def frames_needed(sampled: int) -> int:
    """Moments that must match for a video of ``sampled`` fingerprinted moments to match."""
    return max(min(CLIP_FRAMES, sampled), sampled // 2 + 1)


def match_clip(
    index: NearMatchIndex, frames: Sequence[Fingerprint], exclude: AssetId | None = None
) -> ClipMatch | None:
    """The asset that most of ``frames`` look like, if enough do (the rule of the module docstring).

    ``exclude`` is the video's own asset. Ties go to the asset with more
    matching moments, then the smaller median distance.
    """
    nearest: dict[AssetId, list[int]] = {}
    for fingerprint in frames:
        seen: dict[AssetId, int] = {}
        for asset, distance in index.query(fingerprint):  # nearest first
            if asset != exclude:
                seen.setdefault(asset, distance)
        for asset, distance in seen.items():
            nearest.setdefault(asset, []).append(distance)
    need = frames_needed(len(frames))
    found = [
        ClipMatch(asset, int(median_low(found)), len(found), len(frames))
        for asset, found in nearest.items()
        if len(found) >= need
    ]
    return min(found, key=lambda m: (-m.matched, m.distance), default=None)
