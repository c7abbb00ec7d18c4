"""``ledger.locations.candidates`` by file name: how a cut's offline media is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger


def named(ledger: Ledger, names: list[str]) -> dict[str, list[str]]:
    """Present paths by file name, as the candidates give them."""
    found: dict[str, list[str]] = {}
    for c in sorted(ledger.locations.candidates(names, (), ()), key=lambda c: c.path):
        found.setdefault(c.path.rpartition("/")[2], []).append(c.path)
    return found


@pytest.fixture
def seen(ledger: Ledger, settings: Settings, tmp_path: Path) -> Path:
    """Files a scan recorded: ``a/take_N.txt`` and ``b/take_N.txt`` (the same name twice)."""
    for folder in ("a", "b"):
        for i in range(11):
            path = tmp_path / "show" / folder / f"take_{i}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{folder} {i}")
    (tmp_path / "show" / "a" / "take%_1.txt").write_text("a name with a LIKE wildcard")
    scan([tmp_path / "show"], ledger, settings)
    return tmp_path / "show"


@pytest.mark.parametrize("count", [2, 11])
def test_every_present_copy_of_each_name_is_found(ledger: Ledger, seen: Path, count: int) -> None:
    names = [f"take_{i}.txt" for i in range(count)]
    found = named(ledger, names)
    assert sorted(found) == sorted(names)
    for name in names:
        assert found[name] == [str(seen / "a" / name), str(seen / "b" / name)]


def test_names_are_matched_whole(ledger: Ledger, seen: Path) -> None:
    assert named(ledger, ["ake_1.txt", "take_%.txt"]) == {}
    assert named(ledger, ["take%_1.txt"]) == {"take%_1.txt": [str(seen / "a" / "take%_1.txt")]}


def test_removed_files_are_not_offered(ledger: Ledger, settings: Settings, seen: Path) -> None:
    (seen / "b" / "take_0.txt").unlink()
    scan([seen], ledger, settings)
    assert named(ledger, ["take_0.txt"]) == {"take_0.txt": [str(seen / "a" / "take_0.txt")]}
