"""The audit confirms far near matches by the region rule, and keeps what it cannot confirm.

A generated periodic picture (stripes with two discs, :mod:`tests.support.periodic`)
is scanned, so the ledger holds its fingerprint and its local features. An
unrelated checker with discs in the same corners is a near match by the
fingerprint alone, beyond the sure distance: the region rule refuses it, and
it is no longer tied to the generated asset. A crop of the generated picture,
as far by the fingerprint, is confirmed and blocked. When the generated
asset has no features to confirm with, the near match stands, with a reason.
The report's ``match`` says which it was: ``sure``, ``confirmed`` or ``unconfirmed``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL.PngImagePlugin import PngInfo

from provenance.audit.report import FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.history import find_history
from provenance.ingest.scan import scan
from provenance.likeness.confirm import SURE_DISTANCE, StoredReferences, read_references
from provenance.settings import Settings
from provenance.store import FeatureIn, Ledger
from tests.support.json_schemas import problems
from tests.support.periodic import checker, stripes
from tests.support.reframing import crop, save
from tests.support.scenes import Kept, kept_scene, reopened, scene_ledger
from tests.support.studio import scanned_generated

A1111 = "violet stripes, two discs\nSteps: 20, Sampler: Euler a, Seed: 9, Model: sdxl"


@dataclasses.dataclass
class Generated:
    """The scanned generated picture and its SHA-256."""

    ledger: Ledger
    settings: Settings
    sha256: str


def _built(url: str, folder: Path) -> Generated:
    info = PngInfo()
    info.add_text("parameters", A1111)
    path = save(stripes(), folder / "work" / "stripes.png", pnginfo=info)
    settings = Settings(db=url, workers=2)
    with scene_ledger(url) as ledger:
        return Generated(ledger, settings, scanned_generated(path, ledger, settings))


kept_generated = kept_scene("kept_generated", _built)  # built once a test module and backend


@pytest.fixture
def generated(
    kept_generated: Kept[Generated], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Generated]:
    """The scanned generated picture."""
    yield from reopened(kept_generated, monkeypatch)


def _delivered(generated: Generated, tmp_path: Path) -> dict[str, FileResult]:
    package = tmp_path / "delivery"
    save(checker(), package / "checker.jpg", quality=90)
    save(crop(stripes(), 0.9, (1.0, 1.0)), package / "crop.jpg", quality=75)
    report = audit(package, generated.ledger, generated.settings, AuditOptions())
    return {f.path: f for f in report.files}


def test_the_lookalike_is_refused_and_the_crop_blocked(
    generated: Generated, tmp_path: Path
) -> None:
    results = _delivered(generated, tmp_path)
    lookalike, copy = results["checker.jpg"], results["crop.jpg"]
    assert lookalike.match.kind is None and lookalike.verdict == "warn"  # provenance unknown
    assert (copy.verdict, copy.match.kind, copy.match.asset) == ("block", "near", generated.sha256)
    assert not any("could not be confirmed" in r for r in copy.reasons)


def test_without_features_the_near_match_stands_unconfirmed(
    generated: Generated, tmp_path: Path
) -> None:
    failed = FeatureIn(generated.sha256, "undecodable", reason="the decoder gave up")
    generated.ledger.features.save([failed])
    lookalike = _delivered(generated, tmp_path)["checker.jpg"]
    assert (lookalike.verdict, lookalike.match.kind) == ("block", "near")
    assert any(
        "could not be confirmed by the region rule" in r and "the decoder gave up" in r
        for r in lookalike.reasons
    )


def _audit_json(generated: Generated, package: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    """The exit code and each file's JSON result, by path, of ``provenance audit`` run by click."""
    args = ["audit", str(package), "--format", "json", "--db", generated.settings.db]
    done = CliRunner().invoke(cli, args)
    data = json.loads(done.stdout)
    assert problems("audit", data) == []
    return done.exit_code, {f["path"]: f for f in data["files"]}


def _near_package(tmp_path: Path) -> Path:
    package = tmp_path / "delivery"
    save(stripes(), package / "copy.jpg", quality=90)  # re-encoded: within the sure distance
    save(crop(stripes(), 0.9, (1.0, 1.0)), package / "crop.jpg", quality=75)  # beyond it
    return package


def test_the_json_match_says_a_near_match_is_sure_or_confirmed(
    generated: Generated, tmp_path: Path
) -> None:
    code, files = _audit_json(generated, _near_package(tmp_path))
    assert code == 1
    for path, confirmation in (("copy.jpg", "sure"), ("crop.jpg", "confirmed")):
        match = files[path]["match"]
        assert (files[path]["verdict"], match["kind"], match["sha256"]) == (
            "block", "near", generated.sha256,
        ), path  # fmt: skip
        assert match["confirmation"] == confirmation, (path, match)
    assert files["copy.jpg"]["match"]["distance"] <= SURE_DISTANCE
    assert files["crop.jpg"]["match"]["distance"] > SURE_DISTANCE


def test_an_unconfirmed_near_match_says_so_and_still_blocks(
    generated: Generated, tmp_path: Path
) -> None:
    failed = FeatureIn(generated.sha256, "undecodable", reason="the decoder gave up")
    generated.ledger.features.save([failed])
    package = _near_package(tmp_path)
    save(checker(), package / "checker.jpg", quality=90)
    code, files = _audit_json(generated, package)
    assert code == 1
    said = {path: (f["verdict"], f["match"]["confirmation"]) for path, f in files.items()}
    assert said == {
        "copy.jpg": ("block", "sure"),  # near enough: the region rule is not asked
        "crop.jpg": ("block", "unconfirmed"),
        "checker.jpg": ("block", "unconfirmed"),  # could not be refused: kept, fail closed
    }
    assert any("could not be confirmed" in r for r in files["checker.jpg"]["reasons"])
    db = ["--db", generated.settings.db]
    table = CliRunner().invoke(cli, ["audit", str(package), *db], terminal_width=200)
    assert table.exit_code == 1 and "near (unconfirmed)" in table.stdout
    markdown = CliRunner().invoke(cli, ["audit", str(package), "--format", "markdown", *db])
    assert "| block | `checker.jpg` | near (unconfirmed) " in markdown.stdout


def test_history_of_a_recorded_lookalike_names_no_generated_asset(
    generated: Generated, tmp_path: Path
) -> None:
    folder = tmp_path / "plates"
    lookalike = save(checker(), folder / "checker.jpg", quality=90)
    copy = save(crop(stripes(), 0.9, (1.0, 1.0)), folder / "crop.jpg", quality=75)
    scan([folder], generated.ledger, generated.settings)
    assert find_history(str(lookalike), generated.ledger, generated.settings).looks_like is None
    story = find_history(str(copy), generated.ledger, generated.settings)
    found = story.looks_like
    assert found is not None and found.asset.sha256 == generated.sha256
    assert found.confirmation == "confirmed"
    assert problems("history", json.loads(json.dumps(story.to_dict(), default=str))) == []


def test_stored_references_are_read_from_a_sweeps_threads(generated: Generated) -> None:
    # A master's samples are checked on threads: the ledger must answer there too.
    stored = StoredReferences(generated.ledger)
    assert generated.ledger.features.status_of(generated.sha256) == "ok"  # opened here first
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(stored, [generated.sha256, "cd" * 32]))
    assert isinstance(answers[0], tuple) and isinstance(answers[1], str)


def test_stored_references(generated: Generated) -> None:
    stored = StoredReferences(generated.ledger)
    features = stored(generated.sha256)
    assert isinstance(features, tuple) and len(features) == 1 and len(features[0])
    missing = read_references(generated.ledger, ["cd" * 32])["cd" * 32]
    assert isinstance(missing, str) and "not described yet" in missing
