"""Issue 15: the derived tables edited behind the ledger's back, on SQLite and PostgreSQL.

The audit reuses what likeness stored (a picture's region check, a master's
sweep, a file's fingerprints) and indexes what it stored of the generated
pictures (their fingerprints and features). An insider who edits those rows
could let a comp through ("checked: nothing inside") or hide a generated
picture from the index. Each row is sealed by a ``sealed`` event
(:mod:`provenance.store.seals`): the audit never reuses a row its seal does
not vouch for, and ``verify`` names every such row, every row a seal names
that is gone, and every seal whose body was changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.audit.report import FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.reframing import RGB, composited, generated_matte, save
from tests.support.scenes import Kept, kept_scene, reopened, scene_ledger
from tests.support.signing import trusting
from tests.support.studio import scanned_generated
from tests.support.tampering import assert_caught, assert_clean, tamper


@dataclasses.dataclass
class Scene:
    """A generated matte painting, and a comp holding it, both scanned (so checked and sealed)."""

    ledger: Ledger
    settings: Settings
    picture: RGB
    generated: str
    comps: Path
    comp: str


def _built(url: str, folder: Path) -> Scene:
    path = folder / "work" / "matte.png"
    picture = generated_matte(path)
    settings = trusting(Settings(db=url, workers=2))
    with scene_ledger(url) as ledger:
        generated = scanned_generated(path, ledger, settings)
        comps = folder / "comps"
        save(composited(picture, 3, share=0.3), comps / "comp.jpg", quality=90)
        scan([comps], ledger, settings)
        comp = ledger.assets.at(str(comps / "comp.jpg"))
        assert comp is not None
        return Scene(ledger, settings, picture, generated, comps, comp.sha256)


kept_derived = kept_scene("kept_derived", _built)  # built once a module and backend


@pytest.fixture
def scene(kept_derived: Kept[Scene], monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    """The scanned painting and comp, as built."""
    yield from reopened(kept_derived, monkeypatch)


def comp_result(scene: Scene) -> FileResult:
    report = audit(scene.comps, scene.ledger, scene.settings, AuditOptions(record=False))
    (result,) = report.files
    return result


def comp_verdict(scene: Scene) -> tuple[str, str | None]:
    result = comp_result(scene)
    return result.verdict, result.match.kind


def test_a_scanned_ledger_verifies_and_its_checks_are_reused(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_clean(scene.settings.db)
    assert scene.ledger.regions.many([scene.comp])[scene.comp].hit == scene.generated

    def no_describing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a sealed, current check was made again")

    monkeypatch.setattr("provenance.audit.regions.describe_files", no_describing)
    assert comp_verdict(scene) == ("block", "region")


def test_a_region_check_edited_to_nothing_found_is_checked_again(scene: Scene) -> None:
    url = scene.settings.db
    tamper(url, "UPDATE region_checks SET hit_sha256 = NULL, inliers = NULL, score = NULL,"
           " cover = NULL, mirrored = NULL, outline = NULL WHERE asset_sha256 = :s",
           s=scene.comp)  # fmt: skip
    assert_caught(url, f"region check rows of asset {scene.comp[:12]}: 1 rows differ from seal")
    result = comp_result(scene)  # checked again: the comp still holds the painting
    assert (result.verdict, result.match.kind) == ("block", "region")
    said = f"region check rows of asset {scene.comp[:12]} are not what their seal says"
    assert any(said in reason for reason in result.reasons), result.reasons
    assert "changed outside provenance" in " ".join(result.reasons)
    assert scene.comp not in scene.ledger.take_unsealed()  # said once, by this audit


def test_a_delivered_files_fingerprints_edited_block_it_as_changed(scene: Scene) -> None:
    tamper(scene.settings.db, "UPDATE fingerprints SET dct = 0 WHERE asset_sha256 = :s",
           s=scene.comp)  # fmt: skip
    result = comp_result(scene)
    assert result.verdict == "block"
    said = f"fingerprint rows of asset {scene.comp[:12]} are not what their seal says"
    assert any(said in reason for reason in result.reasons), result.reasons


def test_a_forged_check_under_another_rows_seal_is_not_reused(scene: Scene) -> None:
    """The insider copies a genuine seal's number onto a forged row: its digest is not listed."""
    url = scene.settings.db
    tamper(url, "UPDATE region_checks SET hit_sha256 = NULL, inliers = NULL, score = NULL,"
           " cover = NULL, mirrored = NULL, outline = NULL,"
           " sealed_by = (SELECT MAX(seq) FROM seals WHERE table_name = 'fingerprints')"
           " WHERE asset_sha256 = :s", s=scene.comp)  # fmt: skip
    assert scene.comp not in scene.ledger.regions.many([scene.comp])
    assert_caught(url, f"region check rows of asset {scene.comp[:12]}")
    assert comp_verdict(scene) == ("block", "region")


def test_a_generated_pictures_fingerprint_edited_is_named(scene: Scene) -> None:
    url = scene.settings.db
    tamper(url, "UPDATE fingerprints SET grad = grad + 1 WHERE asset_sha256 = :s",
           s=scene.generated)  # fmt: skip
    assert_caught(url, f"fingerprint rows of asset {scene.generated[:12]}: 1 rows differ")
    assert scene.generated not in scene.ledger.fingerprints.many([scene.generated])


def test_a_generated_pictures_features_deleted_are_named(scene: Scene) -> None:
    url = scene.settings.db
    tamper(url, "DELETE FROM features WHERE asset_sha256 = :s", s=scene.generated)
    found = assert_caught(url, f"feature rows of asset {scene.generated[:12]}: seal")
    assert "the ledger has none" in found


def test_a_seal_whose_body_was_rewritten_is_named(scene: Scene) -> None:
    """Rewriting the body (and its digest) to vouch for an edited row breaks it from its event."""
    url = scene.settings.db
    tamper(url, "UPDATE seals SET body = body || ' ', digest = :d"
           " WHERE seq = (SELECT sealed_by FROM region_checks WHERE asset_sha256 = :s)",
           d="0" * 64, s=scene.comp)  # fmt: skip
    assert_caught(url, "seals another table or body")
    assert scene.comp not in scene.ledger.regions.many([scene.comp])


def test_a_seal_deleted_with_its_rows_is_named(scene: Scene) -> None:
    url = scene.settings.db
    tamper(url, "DELETE FROM region_checks WHERE asset_sha256 = :s", s=scene.comp)
    tamper(url, "DELETE FROM seals WHERE table_name = 'region_checks'")
    assert_caught(url, "the ledger has no seal")
    assert comp_verdict(scene) == ("block", "region")
