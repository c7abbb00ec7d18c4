"""Which known files the audit reads the markers of: every row but ``genai`` (issue 15)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from provenance.audit import markers, run
from provenance.audit.judge import Seen
from provenance.audit.package import Item
from provenance.audit.report import FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.files.hashing import sha256_file
from provenance.ingest import guarded
from provenance.store import AssetRecord
from provenance.vocab import Verdict
from tests.support.studio import Studio, camera_jpeg


def _package(studio: Studio, tmp_path: Path) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(studio.work / "genai" / "gen1.png", package / "gen1.png")
    shutil.copy(studio.work / "plates" / "plate.jpg", package / "plate.jpg")
    camera_jpeg(package / "new_plate.jpg", 77)  # not in the ledger
    return package


def _audit(studio: Studio, package: Path) -> dict[str, FileResult]:
    report = audit(package, studio.ledger, studio.settings, AuditOptions(record=False))
    return {f.path: f for f in report.files}


def test_known_rows_other_than_genai_are_read_and_genai_rows_are_not(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _package(studio, tmp_path)
    marked: list[str] = []
    classified: list[str] = []
    mark_files, read_content = markers.mark_files, guarded.read_content

    def spy_marks(settings: object, files: list[tuple[Path, int]]) -> object:
        marked.extend(p.name for p, _ in files)
        return mark_files(settings, files)  # type: ignore[arg-type]

    def spy_content(path: Path, *args: object) -> object:
        classified.append(path.name)
        return read_content(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run, "mark_files", spy_marks)
    monkeypatch.setattr(guarded, "read_content", spy_content)
    results = _audit(studio, package)
    assert marked == ["plate.jpg"]  # the camera plate's row is checked against the file
    assert classified == ["new_plate.jpg"]  # the genai row is neither marked nor classified
    assert (results["gen1.png"].verdict, results["gen1.png"].match.kind) == ("block", "ledger")
    assert results["gen1.png"].classification == "genai"
    assert results["plate.jpg"].match.kind == "ledger"
    assert results["new_plate.jpg"].match.kind != "ledger"


def test_a_known_file_whose_pass_lost_its_worker_is_classified_in_the_guarded_pool(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _package(studio, tmp_path)
    classified: list[str] = []
    read_content = guarded.read_content

    def spy_content(path: Path, *args: object) -> object:
        classified.append(path.name)
        return read_content(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run, "mark_files", lambda _settings, files: [None for _ in files])
    monkeypatch.setattr(guarded, "read_content", spy_content)
    _audit(studio, package)
    assert sorted(classified) == ["new_plate.jpg", "plate.jpg"]


@pytest.mark.parametrize(
    ("verdict", "read"),
    [("genai", False), ("not_genai", True), ("unknown", True), ("unreadable", True)],
)
def test_only_a_genai_row_settles_the_files_markers(
    studio: Studio, verdict: Verdict, read: bool
) -> None:
    asset = next(iter(studio.ledger.assets.many([_sha(studio)]).values()))
    row: AssetRecord = dataclasses.replace(asset, verdict=verdict)
    assert markers.worth_marking(row) is read


def _sha(studio: Studio) -> str:
    return sha256_file(studio.work / "plates" / "plate.jpg").sha256


def test_a_files_marks_are_given_as_dataclasses_replace_gives_them() -> None:
    seen = Seen("a.png", "ab" * 32, 5, error="old", near=("cd" * 32, 3), segments=())
    item = Item("a.png", Path("/pkg/a.png"), seen)
    marks = ("unreadable", "tool", "cut short")
    expected = dataclasses.replace(
        item, seen=dataclasses.replace(seen, verdict="unreadable", tool="tool", error="cut short")
    )
    got = markers.with_marks(item, marks)
    assert got == expected
    assert vars(got.seen) == vars(expected.seen)
