"""Visual words: every descriptor filed once, the same words for the same descriptors, votes
that bring a picture's own descriptors' picture first, and additions after a query."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.likeness import words
from provenance.likeness.features import describe_luma
from provenance.likeness.words import WordLists
from tests.support.reframing import luma, textured

SIZE = (480, 270)


@pytest.fixture(scope="module")
def real() -> tuple[np.ndarray, np.ndarray]:
    """Real ORB descriptors of 12 textured pictures, and where each picture's rows start."""
    described = [describe_luma(luma(textured(s, SIZE))).descriptors for s in range(100, 112)]
    starts = np.concatenate([[0], np.cumsum([len(d) for d in described])]).astype(np.int64)
    return np.concatenate(described), starts


def rows(count: int, first: int = 0) -> np.ndarray:
    return np.arange(first, first + count, dtype=np.uint32)


def picture(descriptors: np.ndarray, starts: np.ndarray, number: int) -> np.ndarray:
    return descriptors[starts[number] : starts[number + 1]]


def test_each_descriptor_is_filed_once(real: tuple[np.ndarray, np.ndarray]) -> None:
    descriptors, _ = real
    lists = WordLists(descriptors)
    lists.add(descriptors, rows(len(descriptors)))
    assert lists.words >= 64
    assert sorted(lists._rows.tolist()) == list(range(len(descriptors)))
    assert lists._starts[0] == 0 and lists._starts[-1] == len(descriptors)
    assert (np.diff(lists._starts) >= 0).all()


def test_the_same_descriptors_get_the_same_words(real: tuple[np.ndarray, np.ndarray]) -> None:
    descriptors, _ = real
    first, second = WordLists(descriptors), WordLists(descriptors)
    first.add(descriptors, rows(len(descriptors)))
    second.add(descriptors, rows(len(descriptors)))
    assert (first._rows == second._rows).all()
    assert (first._starts == second._starts).all()


def test_a_pictures_own_descriptors_vote_for_it_first(real: tuple[np.ndarray, np.ndarray]) -> None:
    descriptors, starts = real
    lists = WordLists(descriptors)
    lists.add(descriptors, rows(len(descriptors)))
    for number in range(12):
        chosen = lists.candidates(picture(descriptors, starts, number), descriptors, starts)
        assert chosen[0] == number
        assert len(chosen) <= words.CANDIDATES


def test_pictures_added_after_a_query_are_found(real: tuple[np.ndarray, np.ndarray]) -> None:
    descriptors, starts = real
    half = int(starts[6])
    lists = WordLists(descriptors[:half])
    lists.add(descriptors[:half], rows(half))
    lists.candidates(descriptors[:5], descriptors[:half], starts[:7])
    lists.add(descriptors[half:], rows(len(descriptors) - half, half))
    lists.add(descriptors[:0], rows(0))
    assert lists._starts[-1] == len(descriptors)
    for number in range(12):
        chosen = lists.candidates(picture(descriptors, starts, number), descriptors, starts)
        assert chosen[0] == number


def test_nothing_to_ask_votes_for_nothing(real: tuple[np.ndarray, np.ndarray]) -> None:
    descriptors, starts = real
    lists = WordLists(descriptors)
    assert len(lists.candidates(descriptors[:50], descriptors, starts)) == 0  # nothing filed
    lists.add(descriptors, rows(len(descriptors)))
    assert len(lists.candidates(descriptors[:0], descriptors, starts)) == 0
