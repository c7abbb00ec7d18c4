"""The two-level vocabulary (centroids found through coarse cells), and a region index large
enough to use visual words."""

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


@pytest.mark.parametrize(
    ("rows", "nlist"), [(0, 64), (1_000, 64), (20_000, 256), (40_000, 512), (22_400_000, 262_144)]
)
def test_words_grow_with_the_index(rows: int, nlist: int) -> None:
    assert cells.cell_count(rows, 96) == nlist


def test_every_centroid_finds_itself(real: np.ndarray) -> None:
    quantizer = cells.two_level_quantizer(real, 256)
    assert quantizer.ntotal == 256 and quantizer.nlist == 16
    lists = quantizer.invlists
    stored = np.concatenate(
        [faiss.rev_swig_ptr(lists.get_codes(c), 32 * lists.list_size(c)) for c in range(16)]
    ).reshape(-1, 32)
    quantizer.nprobe = 2
    distances, _ = quantizer.search(stored, 1)
    assert (distances[:, 0] == 0).mean() >= 0.99


def test_the_same_descriptors_get_the_same_centroids(real: np.ndarray) -> None:
    first, second = cells.two_level_quantizer(real, 128), cells.two_level_quantizer(real, 128)
    assert (first.search(real, 1)[1] == second.search(real, 1)[1]).all()


def sha(seed: int) -> str:
    return hashlib.sha256(f"generated {seed}".encode()).hexdigest()


def described(seed: int) -> Features:
    return describe_luma(luma(textured(seed, SIZE)))


def test_a_region_index_past_the_exact_size_uses_visual_words_and_finds_reframings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above IVF_MIN descriptors the index takes its candidates from visual words (here at 12
    pictures, IVF_MIN lowered), finds each family, and a picture added after the first query."""
    monkeypatch.setattr(regions, "IVF_MIN", 2_000)
    index = RegionIndex()
    for seed in range(12):
        index.add(sha(seed), described(seed))
    for seed, family in enumerate(("flop", "rotate_90", "composite_fifth", "crop_half_side")):
        frame = REFRAMINGS[family](textured(seed, SIZE), seed)
        hit = index.query(describe_luma(luma(frame), mirror=True))
        assert hit is not None and hit.sha256 == sha(seed), family
    assert index._words is not None and index._search is None
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
