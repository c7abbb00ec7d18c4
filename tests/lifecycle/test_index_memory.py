"""This machine's memory of the indexes of generated pictures it checked (the audit's look)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.lifecycle.index_memory import IndexMemory, Vouched, digest
from tests.support.memories import TRUSTED, WIDER, rewrite

SHA = "ab" * 32


def test_the_memory_is_read_back(tmp_path: Path) -> None:
    memory = IndexMemory(tmp_path / "indexes" / "fingerprints" / "x.json", TRUSTED)
    kept = Vouched(41, "h41", {SHA: "0" * 32, "cd" * 32: "1" * 32})
    memory.keep(kept)
    assert IndexMemory(memory.path, TRUSTED).recall() == kept
    assert oct(memory.path.stat().st_mode & 0o777) == "0o600"


def test_another_set_of_trusted_keys_starts_again(tmp_path: Path) -> None:
    memory = IndexMemory(tmp_path / "x.json", TRUSTED)
    memory.keep(Vouched(3, "h3", {SHA: "0" * 32}))
    assert IndexMemory(memory.path, WIDER).recall() == Vouched()


@pytest.mark.parametrize(
    "text",
    ["{cut", "[" * 50_000, '{"trust": "%s", "checked": -1, "checked_hash": "", "digests": {}}',
     '{"trust": "%s", "checked": true, "checked_hash": "", "digests": {}}',
     '{"trust": "%s", "checked": 3, "checked_hash": 7, "digests": {}}',
     '{"trust": "%s", "checked": 3, "checked_hash": "h", "digests": []}',
     '{"trust": "%s", "checked": 3, "checked_hash": "h", "digests": {"a": 1}}',
     '{"trust": "%s"}'],
)  # fmt: skip
def test_a_damaged_memory_is_started_again(tmp_path: Path, text: str) -> None:
    memory = IndexMemory(tmp_path / "x.json", TRUSTED)
    memory.keep(Vouched(1, "h1", {SHA: "0" * 32}))
    rewrite(memory.path, text)
    assert memory.recall() == Vouched()


def test_a_memory_that_cannot_be_written_costs_only_time(tmp_path: Path) -> None:
    (tmp_path / "indexes").write_text("a file where the folder would be")
    memory = IndexMemory(tmp_path / "indexes" / "x.json", TRUSTED)
    memory.keep(Vouched(1, "h1", {SHA: "0" * 32}))
    assert memory.recall() == Vouched()


PARTS = st.lists(st.binary(max_size=24), max_size=6)


@given(PARTS, PARTS)
def test_digests_tell_row_lists_apart(a: list[bytes], b: list[bytes]) -> None:
    """Each row is framed by its length: no two different lists of rows share a digest."""
    assert (digest(a) == digest(b)) == (a == b)
