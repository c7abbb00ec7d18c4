"""The examiner: files examined on threads or forked processes, in order, and crashes contained."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

import pytest

import provenance.ingest.examine as examine_module
from provenance.ingest.examine import CRASHED, Examined, Examiner
from provenance.settings import Settings
from provenance.util.workpool import processes_available
from tests.support.files import A1111, png

needs_fork = pytest.mark.skipif(not processes_available(), reason="forked examiners are Linux-only")


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


@needs_fork
def test_processes_give_what_threads_give_in_order(files: list[Path]) -> None:
    with Examiner(files, settings(), "host") as on_threads:
        expected = summary(list(on_threads))
    with Examiner(files, settings(), "host", processes=True) as on_processes:
        got = summary(list(on_processes))
    assert got == expected
    assert [name for name, *_ in got] == [p.name for p in files]
    verdicts = {name: verdict for name, _, verdict, _ in got}
    assert verdicts["f00.png"] == "genai" and verdicts["f01.png"] != "genai"
    assert verdicts["broken.png"] == "unreadable"
    assert verdicts["missing.png"] is None


@needs_fork
def test_a_file_that_kills_a_worker_costs_only_that_file(
    files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = examine_module.examine

    def examine(path: Path, settings: Settings, host: str) -> Examined:
        if path.name == "f17.png":
            os._exit(70)  # what a segfault in a native parser looks like to the pool
        return real(path, settings, host)

    # Forked workers inherit the patched module.
    monkeypatch.setattr(examine_module, "examine", examine)
    with Examiner(files, settings(), "host", processes=True) as examiner:
        got = {item.path.name: item for item in examiner}
    assert list(got) == [p.name for p in files]
    crashed = got["f17.png"]
    assert crashed.classification is not None and crashed.classification.verdict == "unreadable"
    assert crashed.observation is not None  # recorded by its hash, so an audit blocks it
    assert crashed.observation.asset.sha256 == hashlib.sha256(files[17].read_bytes()).hexdigest()
    assert crashed.observation.asset.kind == "image"
    assert any(CRASHED in e.detail for e in crashed.classification.evidence)
    survivors = [item for name, item in got.items() if name not in ("f17.png", "missing.png")]
    assert all(item.observation is not None for item in survivors)
    assert all(item.classification and item.classification.verdict != "unreadable"
               for item in survivors if item.path.name != "broken.png")  # fmt: skip


def test_processes_fall_back_to_threads_with_one_worker(files: list[Path]) -> None:
    with Examiner(files[:3], settings(workers=1), "host", processes=True) as examiner:
        assert [item.path.name for item in examiner] == [p.name for p in files[:3]]
        assert not examiner.uses_processes


def test_closing_early_drops_queued_files(files: list[Path]) -> None:
    examiner = Examiner(files * 20, settings(), "host")
    first = next(iter(examiner))
    examiner.close()
    assert first.path == files[0]
