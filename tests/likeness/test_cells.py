"""The two-level inverted file: building, exact lists, adding after a search, and a region
index large enough to use it."""

from __future__ import annotations

import hashlib

import faiss
import numpy as np
import pytest

from provenance.likeness import cells, regions
from provenance.likeness.features import Features, describe_luma
from provenance.likeness.regions import RegionIndex
from tests.support.reframing import REFRAMINGS, luma, textured

SIZE = (480, 270)


def descriptors_of(seeds: range) -> np.ndarray:
    """Real ORB descriptors (not random bits) of textured pictures."""
    return np.concatenate([describe_luma(luma(textured(s, SIZE))).descriptors for s in seeds])


@pytest.fixture(scope="module")
def real() -> np.ndarray:
    return descriptors_of(range(100, 112))


def lists_of(index: faiss.IndexBinaryIVF) -> list[np.ndarray]:
    lists = index.invlists
    return [
        faiss.rev_swig_ptr(lists.get_ids(c), lists.list_size(c)).copy() for c in range(index.nlist)
    ]


@pytest.mark.parametrize(
    ("rows", "nlist"), [(0, 64), (1_000, 64), (20_000, 64), (40_000, 128), (22_400_000, 65_536)]
)
def test_cells_grow_with_the_index(rows: int, nlist: int) -> None:
    assert cells.cell_count(rows) == nlist


def test_every_indexed_descriptor_finds_itself(real: np.ndarray) -> None:
    index = cells.two_level_ivf(real)
    cells.fill(index, real)
    assert index.ntotal == len(real) and index.nlist == 64
    quantizer = faiss.downcast_IndexBinary(index.quantizer)
    assert isinstance(quantizer, faiss.IndexBinaryIVF)
    assert quantizer.nlist == 8 and quantizer.ntotal == 64
    distances, labels = index.search(real, 1)
    found = (distances[:, 0] == 0) & (labels[:, 0] == np.arange(len(real)))
    # assignment probes fewer coarse cells than a search, so a descriptor may sit in a
    # cell the search does not visit; nearly never
    assert found.mean() >= 0.99


def test_each_list_is_allocated_at_its_size_and_holds_each_id_once(real: np.ndarray) -> None:
    index = cells.two_level_ivf(real)
    cells.fill(index, real)
    ids = np.concatenate(lists_of(index))
    assert sorted(ids.tolist()) == list(range(len(real)))
    assert sum(index.invlists.list_size(c) for c in range(index.nlist)) == len(real)


def test_the_same_descriptors_get_the_same_cells(real: np.ndarray) -> None:
    first, second = cells.two_level_ivf(real), cells.two_level_ivf(real)
    assert (cells.assign(first, real) == cells.assign(second, real)).all()


def test_adding_after_a_search_appends_with_following_ids(real: np.ndarray) -> None:
    half = len(real) // 2
    index = cells.two_level_ivf(real[:half])
    cells.fill(index, real[:half])
    index.search(real[:5], 1)
    cells.fill(index, real[half:])
    cells.fill(index, real[:0])
    assert index.ntotal == len(real)
    distances, labels = index.search(real[half:], 1)
    found = (distances[:, 0] == 0) & (labels[:, 0] == np.arange(half, len(real)))
    assert found.mean() >= 0.99


def sha(seed: int) -> str:
    return hashlib.sha256(f"generated {seed}".encode()).hexdigest()


def described(seed: int) -> Features:
    return describe_luma(luma(textured(seed, SIZE)))


def test_a_region_index_past_the_exact_size_uses_the_two_level_file_and_finds_reframings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above IVF_MIN descriptors the index switches to the inverted file (here at 12 pictures,
    IVF_MIN lowered), finds each family, and finds a picture added after the first query."""
    monkeypatch.setattr(regions, "IVF_MIN", 2_000)
    index = RegionIndex()
    for seed in range(12):
        index.add(sha(seed), described(seed))
    for seed, family in enumerate(("flop", "rotate_90", "composite_fifth", "crop_half_side")):
        frame = REFRAMINGS[family](textured(seed, SIZE), seed)
        hit = index.query(describe_luma(luma(frame), mirror=True))
        assert hit is not None and hit.sha256 == sha(seed), family
    assert isinstance(index._search, faiss.IndexBinaryIVF)
    # the exact search's rows are let go: a view of them would keep them all in memory
    assert len(index._small) == 0 and index._small.base is None
    index.add(sha(50), described(50))
    frame = REFRAMINGS["grade"](textured(50, SIZE), 50)
    hit = index.query(describe_luma(luma(frame), mirror=True))
    assert hit is not None and hit.sha256 == sha(50)
    unrelated = describe_luma(luma(textured(999, SIZE)), mirror=True)
    assert index.query(unrelated) is None


def test_a_region_index_below_the_exact_size_searches_exactly() -> None:
    index = RegionIndex()
    index.add(sha(1), described(1))
    index.memory_bytes()
    assert isinstance(index._search, faiss.IndexBinaryFlat)


def test_a_featureless_picture_added_last_keeps_the_others_findable() -> None:
    index = RegionIndex()
    index.add(sha(3), described(3))
    index.add(sha(4), describe_luma(np.zeros((64, 64))))
    hit = index.query(describe_luma(luma(textured(3, SIZE)), mirror=True))
    assert len(index) == 2 and hit is not None and hit.sha256 == sha(3)
