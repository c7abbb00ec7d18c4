"""The examiner: files hashed on threads and read in guarded workers, in order."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

import provenance.ingest.examine as examine_module
from provenance.ingest.examine import CRASHED, Examined, Examiner
from provenance.settings import Settings
from tests.support.files import A1111, png


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = [png(tmp_path / f"f{i:02}.png", i, A1111 if i % 3 == 0 else None) for i in range(40)]
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    return [*paths, tmp_path / "broken.png", tmp_path / "missing.png"]


def summary(items: list[Examined]) -> list[tuple[str, str | None, str | None, str | None]]:
    return [
        (
            item.path.name,
            item.observation.asset.sha256 if item.observation else None,
            item.classification.verdict if item.classification else None,
            item.error,
        )
        for item in items
    ]


def settings(workers: int = 2) -> Settings:
    return replace(Settings(db="sqlite://"), workers=workers)


def test_files_come_back_in_order_with_their_verdicts(files: list[Path]) -> None:
    with Examiner(files, settings(), "host") as examiner:
        got = summary(list(examiner))
    assert [name for name, *_ in got] == [p.name for p in files]
    verdicts = {name: verdict for name, _, verdict, _ in got}
    assert verdicts["f00.png"] == "genai" and verdicts["f01.png"] != "genai"
    assert verdicts["broken.png"] == "unreadable"
    assert verdicts["missing.png"] is None


def test_a_file_that_kills_a_worker_is_recorded_by_its_hash(files: list[Path]) -> None:
    crashed = examine_module.crashed(files[17], settings(), "host")
    assert crashed.classification is not None and crashed.classification.verdict == "unreadable"
    assert crashed.observation is not None  # recorded by its hash, so an audit blocks it
    assert crashed.observation.asset.sha256 == hashlib.sha256(files[17].read_bytes()).hexdigest()
    assert crashed.observation.asset.kind == "image"
    assert any(CRASHED in e.detail for e in crashed.classification.evidence)


def test_closing_early_drops_queued_files(files: list[Path]) -> None:
    examiner = Examiner(files * 20, settings(), "host")
    first = next(iter(examiner))
    examiner.close()
    assert first.path == files[0]
