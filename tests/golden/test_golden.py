"""Every step of the README tour prints what it printed when the outputs were made."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.golden.tour import cli_invoker, mask, prepare, run_tour

OUTPUTS = Path(__file__).parent / "outputs"
UPDATE = os.environ.get("PROVENANCE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def tour() -> Iterator[dict[str, str]]:
    """Run the whole tour once, under a root of fixed length so tables keep their layout."""
    patch = pytest.MonkeyPatch()
    patch.setattr(socket, "gethostname", lambda: "golden-host")
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        root = Path(tmp)
        yield run_tour(root, cli_invoker(prepare(root)))
    patch.undo()


def _names() -> list[str]:
    return sorted(path.stem for path in OUTPUTS.glob("*.txt"))


def test_golden_files_cover_the_tour(tour: dict[str, str]) -> None:
    if UPDATE:
        for old in OUTPUTS.glob("*.txt"):
            old.unlink()
        for name, text in tour.items():
            (OUTPUTS / f"{name}.txt").write_text(text, encoding="utf-8")
    assert sorted(tour) == _names()


@pytest.mark.parametrize("name", _names())
def test_output_is_unchanged(tour: dict[str, str], name: str) -> None:
    expected = (OUTPUTS / f"{name}.txt").read_text(encoding="utf-8")
    assert tour[name] == expected


def test_every_stage_time_is_masked_whatever_the_stage_is_called(tmp_path: Path) -> None:
    # A stage added later (``recheck`` was) must not make the outputs depend on the clock.
    text = '"stages": {\n    "hash": 0.25,\n    "a_new_stage": 0.004\n  },\n  "files": 3'
    assert mask(text, tmp_path) == (
        '"stages": {\n    "hash": <DURATION>,\n    "a_new_stage": <DURATION>\n  },\n  "files": 3'
    )
