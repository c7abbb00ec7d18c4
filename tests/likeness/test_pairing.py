"""Two passes over a large region index: votes over few cells, then the best-voted pictures
paired exactly with the query from a picture-ordered copy on disk."""

from __future__ import annotations

import errno
import gc
import hashlib
import os
import tempfile
from pathlib import Path

import faiss
import numpy as np
import pytest

from provenance.errors import OutOfSpace, ProvenanceError
from provenance.likeness import pairing, regions
from provenance.likeness.features import Features, describe_luma
from provenance.likeness.regions import RegionIndex
from tests.support.reframing import REFRAMINGS, luma, textured

SIZE = (480, 270)
SEEDS = range(24)


def sha(seed: int) -> str:
    return hashlib.sha256(f"generated {seed}".encode()).hexdigest()


def described(seed: int) -> Features:
    return describe_luma(luma(textured(seed, SIZE)))


@pytest.fixture(scope="module")
def pictures() -> dict[int, Features]:
    return {seed: described(seed) for seed in SEEDS}


@pytest.fixture
def two_pass_index(monkeypatch: pytest.MonkeyPatch, pictures: dict[int, Features]) -> RegionIndex:
    """An index of 24 pictures with both thresholds lowered, so it uses cells and two passes."""
    monkeypatch.setattr(regions, "IVF_MIN", 2_000)
    monkeypatch.setattr(regions, "TWO_PASS_MIN", 2_000)
    index = RegionIndex()
    for seed, features in pictures.items():
        index.add(sha(seed), features)
    return index


@pytest.mark.parametrize("family", sorted(REFRAMINGS))
def test_two_passes_find_each_reframing(two_pass_index: RegionIndex, family: str) -> None:
    """Of 6 pictures reframed at the family's limit, at most one is missed, none misnamed."""
    found = 0
    for seed in range(6):
        frame = REFRAMINGS[family](textured(seed, SIZE), seed)
        hit = two_pass_index.query(describe_luma(luma(frame), mirror=True))
        if hit is not None:
            assert hit.sha256 == sha(seed), (family, seed)
            assert hit.mirrored == (family in ("flop", "flip"))
            found += 1
    assert two_pass_index._two_passes()
    assert found >= 5, family


def test_two_passes_find_nothing_in_unrelated_pictures(two_pass_index: RegionIndex) -> None:
    for seed in range(1_000, 1_006):
        assert two_pass_index.query(describe_luma(luma(textured(seed, SIZE)), mirror=True)) is None


def test_the_copy_on_disk_holds_every_indexed_row_in_picture_order(
    two_pass_index: RegionIndex, pictures: dict[int, Features]
) -> None:
    kept = [f.descriptors[: regions.INDEX_POINTS] for f in pictures.values()]
    assert two_pass_index.file_bytes() == sum(len(k) for k in kept) * 32
    starts = two_pass_index._row_starts
    assert two_pass_index._rows is not None
    for number, rows in enumerate(kept):
        copy = two_pass_index._rows.rows(int(starts[number]), int(starts[number + 1]))
        assert (copy == rows).all()


def test_a_picture_added_after_the_first_query_is_paired_too(
    two_pass_index: RegionIndex,
) -> None:
    two_pass_index.query(described(0))
    two_pass_index.add(sha(50), described(50))
    frame = REFRAMINGS["composite_fifth"](textured(50, SIZE), 50)
    hit = two_pass_index.query(describe_luma(luma(frame), mirror=True))
    assert hit is not None and hit.sha256 == sha(50)


def test_below_the_two_pass_size_no_copy_is_kept(
    monkeypatch: pytest.MonkeyPatch, pictures: dict[int, Features]
) -> None:
    """Past IVF_MIN only, the index keeps the one-pass search and its usual probes."""
    monkeypatch.setattr(regions, "IVF_MIN", 2_000)
    index = RegionIndex()
    for seed, features in pictures.items():
        index.add(sha(seed), features)
    hit = index.query(describe_luma(luma(textured(3, SIZE)), mirror=True))
    assert hit is not None and hit.sha256 == sha(3)
    assert not index._two_passes()
    assert isinstance(index._search, faiss.IndexBinaryIVF) and index._search.nprobe == 16


def test_exact_pairing_keeps_each_query_rows_nearest_within_the_limit() -> None:
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 256, (50, 32), dtype=np.uint8)
    query = rows[[7, 3, 3]].copy()
    query[1, :8] ^= 0xFF  # 64 bits away from row 3: past PAIR_HAMMING
    paired, offsets = pairing.pair_exactly(query, rows)
    assert paired.tolist() == [0, 2] and offsets.tolist() == [7, 3]
    empty = pairing.pair_exactly(query[:0], rows)
    assert len(empty[0]) == 0 and len(empty[1]) == 0


def test_the_copy_grows_and_closes_its_file_when_collected() -> None:
    copy = pairing.PictureRows()
    first = np.arange(64, dtype=np.uint8).reshape(2, 32)
    copy.extend(first)
    copy.extend(first[:0])
    copy.extend(first[::-1])
    assert len(copy) == 4 and copy.file_bytes() == 128
    assert (copy.rows(2, 4) == first[::-1]).all()
    held = copy._file
    del copy
    gc.collect()
    assert held.closed


class _FullDisk:
    """A file whose writes fail with ENOSPC after ``room`` bytes (what a full TMPDIR does)."""

    def __init__(self, real: object, room: int) -> None:
        self._real, self._room = real, room

    def write(self, data: memoryview) -> int:
        written = getattr(self._real, "write")(bytes(data)[: self._room])  # noqa: B009
        raise OSError(errno.ENOSPC, "No space left on device", written)

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


def test_a_full_temporary_folder_is_out_of_space_and_the_copy_stays_whole() -> None:
    copy = pairing.PictureRows()
    first = np.arange(2 * 32, dtype=np.uint8).reshape(2, 32)
    copy.extend(first)
    real = copy._file
    copy._file = _FullDisk(real, room=40)  # type: ignore[assignment]
    with pytest.raises(OutOfSpace, match="TMPDIR"):
        copy.extend(np.full((3, 32), 7, np.uint8))
    copy._file = real
    assert len(copy) == 2
    assert os.fstat(real.fileno()).st_size == 2 * 32  # the partial rows were cut off
    assert np.array_equal(copy.rows(0, 2), first)


def test_a_temporary_folder_that_cannot_be_written_is_an_error_for_people(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    with pytest.raises(ProvenanceError, match="cannot write the region index's copy"):
        pairing.PictureRows()
