"""The examiner: files hashed on threads and read in guarded workers, in order."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

import provenance.ingest.examine as examine_module
from provenance.ingest.examine import CRASHED, Examined, Examiner
from provenance.ingest.guarded import Content, classified
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


@pytest.mark.parametrize("change", ["append", "swap", "remove"])
def test_a_file_changed_between_its_hash_and_its_markers_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Its hash would be recorded with another content's verdict (a clean file swapped in
    for a generated one, and the generated hash recorded not_genai)."""
    generated = png(tmp_path / "gen.png", 1, A1111)
    clean = png(tmp_path / "clean.png", 2)

    def changing(path: Path, settings: Settings, size: int) -> Content:
        answer = classified(path, settings, size)
        if change == "append":
            with path.open("ab") as stream:
                stream.write(b"\0")
        elif change == "swap":
            clean.replace(path)
        else:
            path.unlink()
        return answer

    monkeypatch.setattr(examine_module, "classified", changing)
    examined = examine_module.examine_here(generated, settings(), "host")
    assert examined.observation is None
    assert examined.error is not None and "while it was being examined" in examined.error
    assert examined.error.startswith("file gone" if change == "remove" else "file changed")


def test_a_file_left_alone_is_recorded(tmp_path: Path) -> None:
    examined = examine_module.examine_here(png(tmp_path / "gen.png", 1, A1111), settings(), "h")
    assert examined.error is None and examined.observation is not None
