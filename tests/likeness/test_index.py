"""The near-match index: the same answers as a brute-force reference, however it was loaded."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.likeness.fingerprint import GRAD_RADIUS, MAX_DISTANCE, Fingerprint
from provenance.likeness.index import NearMatchIndex

U64 = st.integers(0, (1 << 64) - 1)


def sha(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def reference(
    entries: list[tuple[int, Fingerprint]], fp: Fingerprint, radius: int, max_distance: int
) -> list[tuple[int, int]]:
    """Brute force in plain Python: every entry, its two distances, the rule, sorted."""
    hits = []
    for position, (asset, entry) in enumerate(entries):
        grad, dct = fp.distances(entry)
        if grad <= radius and grad + dct <= max_distance:
            hits.append((grad + dct, position, asset))
    return [(asset, distance) for distance, _, asset in sorted(hits)]


def flip(value: int, bits: list[int]) -> int:
    for b in bits:
        value ^= 1 << b
    return value


# The bits a near copy differs in: three random words ANDed, about 8 of 64 bits set (0 to 20
# or so), shrinking towards an exact copy. Drawn as three integers, not a list of bit
# positions: the lists' draws were nearly all of these tests' time.
SPARSE = st.builds(lambda a, b, c: a & b & c, U64, U64, U64)


@st.composite
def clustered_entries(draw: st.DrawFn) -> list[tuple[int, Fingerprint]]:
    """Random fingerprints, some of them near copies of others (so queries find something)."""
    seeds = draw(st.lists(st.tuples(U64, U64), min_size=1, max_size=12))
    entries = []
    for i in range(draw(st.integers(0, 120))):
        grad, dct = seeds[draw(st.integers(0, len(seeds) - 1))]
        entries.append((i, Fingerprint(grad ^ draw(SPARSE), dct ^ draw(SPARSE))))
    return entries


def load(
    entries: list[tuple[int, Fingerprint]], block_size: int, chunks: list[int]
) -> NearMatchIndex:
    index = NearMatchIndex(block_size=block_size)
    start = 0
    for size in [*chunks, len(entries)]:
        index.add_fingerprints(entries[start : start + size])
        start += size
    return index


@settings(max_examples=150, deadline=None)
@given(
    clustered_entries(),
    st.tuples(U64, U64),
    st.integers(0, 64),
    st.integers(0, 128),
    st.integers(1, 40),
    st.lists(st.integers(0, 30), max_size=6),
)
def test_query_equals_brute_force(
    entries: list[tuple[int, Fingerprint]],
    probe: tuple[int, int],
    radius: int,
    max_distance: int,
    block_size: int,
    chunks: list[int],
) -> None:
    index = load(entries, block_size, chunks)
    queries = [Fingerprint(*probe)] + [fp for _, fp in entries[:5]]
    for fp in queries:
        assert index.query(fp, radius, max_distance) == reference(entries, fp, radius, max_distance)


@settings(max_examples=100, deadline=None)
@given(clustered_entries(), st.integers(1, 40), st.lists(st.integers(0, 30), max_size=8))
def test_incremental_adds_equal_one_big_add(
    entries: list[tuple[int, Fingerprint]], block_size: int, chunks: list[int]
) -> None:
    pieces = load(entries, block_size, chunks)
    whole = load(entries, 64, [])
    assert len(pieces) == len(whole) == len(entries)
    for _, fp in entries[:8]:
        assert pieces.query(fp) == whole.query(fp)


def test_default_rule_is_the_fingerprint_rule() -> None:
    base = Fingerprint(0, 0)
    near = Fingerprint(
        flip(0, list(range(GRAD_RADIUS))), flip(0, list(range(MAX_DISTANCE - GRAD_RADIUS)))
    )
    too_far = Fingerprint(near.grad, flip(near.dct, [63]))
    index = NearMatchIndex()
    index.add_fingerprints([(1, near), (2, too_far)])
    assert index.query(base) == [(1, MAX_DISTANCE)]
    assert near.matches(base) and not too_far.matches(base)


def test_sha256_ids_come_back_as_given() -> None:
    index = NearMatchIndex()
    ids = [sha(i) for i in range(3)]
    index.add([ids[0].upper(), ids[1], ids[2]], [5, 5 ^ 0b11, 5 ^ ((1 << 64) - 1)], [9, 9, 9])
    assert index.query(Fingerprint(5, 9)) == [(ids[0], 0), (ids[1], 2)]


def test_signed_hashes_are_read_as_their_bit_patterns() -> None:
    """What a SQL BIGINT column returns for a hash with the top bit set."""
    fp = Fingerprint((1 << 64) - 5, 1 << 63)
    index = NearMatchIndex()
    index.add([7], np.array([fp.to_signed()[0]], np.int64), [fp.to_signed()[1]])
    assert index.query(fp) == [(7, 0)]


@pytest.mark.parametrize(
    ("ids", "grads", "message"),
    [
        (["not-a-sha"], [1], "SHA-256"),
        (["zz" * 32], [1], "SHA-256"),
        ([" " + "ab" * 31 + " a"], [1], "SHA-256"),
        ([sha(1), 2], [1, 2], "all integers"),
        ([1, 2], [1], "same length"),
        ([1], [1 << 64], "64-bit"),
        ([1], [-(1 << 63) - 1], "64-bit"),
        ([1], [1.5], "64-bit"),
    ],
)
def test_bad_adds_are_refused(ids: list[object], grads: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NearMatchIndex().add(ids, grads, [0] * len(grads))  # type: ignore[arg-type]


def test_id_kinds_cannot_change_between_adds() -> None:
    index = NearMatchIndex()
    index.add([1], [0], [0])
    with pytest.raises(ValueError, match="every add"):
        index.add([sha(1)], [0], [0])


@pytest.mark.parametrize(("radius", "max_distance"), [(-1, 10), (65, 10), (5, 129)])
def test_query_limits_are_checked(radius: int, max_distance: int) -> None:
    with pytest.raises(ValueError, match="radius"):
        NearMatchIndex().query(Fingerprint(0, 0), radius, max_distance)


def test_empty_index_and_empty_adds() -> None:
    index = NearMatchIndex()
    index.add([], [], [])
    assert len(index) == 0 and index.nbytes == 0 and index.query(Fingerprint(1, 2)) == []


def test_memory_is_the_entries_and_one_block() -> None:
    """24 bytes an entry with integer ids, 48 with SHA-256 ids, plus one part-filled block."""
    ints = NearMatchIndex(block_size=1000)
    ints.add(list(range(2500)), np.arange(2500, dtype=np.uint64), np.zeros(2500, np.uint64))
    assert ints.nbytes == 3 * 1000 * 24
    shas = NearMatchIndex(block_size=1000)
    shas.add([sha(i) for i in range(1000)], list(range(1000)), [0] * 1000)
    assert shas.nbytes == 1000 * 48
