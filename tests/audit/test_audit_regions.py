"""The gate finds generated pictures inside delivered ones: reframed, flopped, composited.

A generated still is scanned (its local features are described by the deferred
stage), then a package holds what a pipeline makes of it, with no marker left:
the audit must tie each to the generated asset with a ``region`` match and judge
it by that asset's status and approvals. Unrelated pictures must not match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL.PngImagePlugin import PngInfo

from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.ingest.scan import scan
from provenance.lifecycle import Approval, Lifecycle, approve
from provenance.likeness.describe import Described, describe_files
from provenance.likeness.stage_checks import check_regions
from provenance.likeness.versions import REGION_RULE
from provenance.store import FeatureIn, RegionCheckIn
from tests.support.matte import Generated, built_matte
from tests.support.reframing import (
    MATTE_A1111,
    RGB,
    composited,
    crop,
    overlaid,
    save,
    textured,
)
from tests.support.scenes import Kept, kept_scene, reopened
from tests.support.signing import approver_key

A1111 = MATTE_A1111


kept_generated = kept_scene("kept_generated", built_matte)  # built once a test module and backend


@pytest.fixture
def generated(
    kept_generated: Kept[Generated], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Generated]:
    """A generated matte painting the studio scanned."""
    yield from reopened(kept_generated, monkeypatch)


def audited(generated: Generated, package: Path) -> dict[str, FileResult]:
    report: AuditReport = audit(package, generated.ledger, generated.settings, AuditOptions())
    return {f.path: f for f in report.files}


def package_of(tmp_path: Path, pictures: dict[str, RGB]) -> Path:
    package = tmp_path / "delivery"
    for name, rgb in pictures.items():
        save(rgb, package / name, quality=90)
    return package


def test_reframed_copies_are_blocked_as_regions(generated: Generated, tmp_path: Path) -> None:
    painting = generated.picture
    package = package_of(tmp_path, {
        "comp.jpg": composited(painting, 3, share=0.25, plate=(960, 540)),
        "punch_in_flopped.jpg": crop(painting, 0.6, (0.5, 0.5))[:, ::-1],
        "burnt_in.jpg": overlaid(crop(painting, 0.7, (0.2, 0.3)), 5),
    })  # fmt: skip
    results = audited(generated, package)
    for name, result in results.items():
        assert (result.verdict, result.match.kind, result.match.asset) == (
            "block", "region", generated.sha256,
        ), name  # fmt: skip
        assert result.reasons[0].startswith(f"holds generated asset {generated.sha256[:12]}")
        assert result.match.cover is not None and result.match.cover > 0
    assert "flopped" in results["punch_in_flopped.jpg"].reasons[0]


def test_unrelated_pictures_do_not_match(generated: Generated, tmp_path: Path) -> None:
    package = package_of(tmp_path, {f"plate_{s}.jpg": textured(s, (640, 360)) for s in (21, 22)})
    for result in audited(generated, package).values():
        assert result.match.kind is None
        assert result.verdict == "warn"  # provenance unknown, as before


def test_an_approved_asset_passes_inside_a_comp(generated: Generated, tmp_path: Path) -> None:
    reference = tmp_path / "signed.pdf"
    reference.write_bytes(b"%PDF-1.4 approval")
    lifecycle = Lifecycle(generated.ledger, generated.settings)
    approve(
        lifecycle,
        [generated.sha256],
        Approval("final-deliverable", "Jane Doe", reference, sign_with=approver_key()),
    )
    package = package_of(tmp_path, {"comp.jpg": composited(generated.picture, 3, share=0.3)})
    result = audited(generated, package)["comp.jpg"]
    assert (result.verdict, result.match.kind) == ("pass", "region")
    assert any("approval #1" in reason for reason in result.reasons)


def test_the_json_report_gives_the_region(generated: Generated, tmp_path: Path) -> None:
    package = package_of(tmp_path, {"comp.jpg": composited(generated.picture, 3, share=0.3)})
    db = generated.settings.db
    done = CliRunner().invoke(cli, ["audit", str(package), "--format", "json", "--db", db])
    assert done.exit_code == 1, done.output
    match = json.loads(done.stdout)["files"][0]["match"]
    assert match["kind"] == "region" and match["sha256"] == generated.sha256
    assert 0 < match["score"] <= 1 and 0 < match["cover"] <= 1
    assert "regions" in json.loads(done.stdout)["stages"]


def _spied_describing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the region stage describes itself (not those the near-match stage described)."""
    described: list[str] = []
    real = describe_files

    def spy(paths: Iterable[str], **kwargs: Any) -> Iterator[Described]:
        asked = list(paths)
        described.extend(asked)
        return real(asked, **kwargs)

    monkeypatch.setattr("provenance.audit.regions.describe_files", spy)
    return described


def test_a_picture_never_seen_is_described_in_the_decode_that_fingerprints_it(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    described = _spied_describing(monkeypatch)
    package = package_of(tmp_path, {
        "comp.jpg": composited(generated.picture, 3, share=0.3),
        "plate.jpg": textured(21, (640, 360)),
    })  # fmt: skip
    results = audited(generated, package)
    assert (results["comp.jpg"].verdict, results["comp.jpg"].match.kind) == ("block", "region")
    assert results["plate.jpg"].match.kind is None
    assert described == []


def test_past_what_the_near_stage_may_hold_the_region_stage_describes_the_rest(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("provenance.audit.regions.HELD", 1)
    described = _spied_describing(monkeypatch)
    package = package_of(tmp_path, {
        "comp_a.jpg": composited(generated.picture, 3, share=0.3),
        "comp_b.jpg": crop(generated.picture, 0.6, (0.4, 0.5))[:, ::-1],
    })  # fmt: skip
    for result in audited(generated, package).values():
        assert (result.verdict, result.match.kind) == ("block", "region")
    assert len(described) == 1


def test_pictures_held_and_pictures_described_here_keep_their_own_answers(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first picture is held from the near-match stage, the second is described here
    # (the pool starts lazily, after the held one was used): each must keep its own answer.
    monkeypatch.setattr("provenance.audit.regions.HELD", 1)
    package = package_of(tmp_path, {
        "a_plate.jpg": textured(41, (640, 360)),
        "b_comp.jpg": composited(generated.picture, 3, share=0.3),
    })  # fmt: skip
    results = audited(generated, package)
    assert results["a_plate.jpg"].match.kind is None
    assert (results["b_comp.jpg"].verdict, results["b_comp.jpg"].match.kind) == ("block", "region")


def test_scan_checks_known_pictures_once_and_the_audit_reuses_it(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    comps = tmp_path / "comps"
    save(composited(generated.picture, 3, share=0.3), comps / "sh010_comp.1001.jpg", quality=90)
    save(textured(31, (640, 360)), comps / "sh010_plate.1001.jpg", quality=90)
    scan([comps], generated.ledger, generated.settings)
    comp = generated.ledger.assets.at(str(comps / "sh010_comp.1001.jpg"))
    plate = generated.ledger.assets.at(str(comps / "sh010_plate.1001.jpg"))
    assert comp is not None and plate is not None
    checks = generated.ledger.regions.many([comp.sha256, plate.sha256])
    assert checks[comp.sha256].hit == generated.sha256 and checks[plate.sha256].hit is None
    assert checks[comp.sha256].through == generated.ledger.regions.through()

    def no_describing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a current check was described again")

    monkeypatch.setattr("provenance.audit.regions.describe_files", no_describing)
    results = audited(generated, comps)
    assert (results["sh010_comp.1001.jpg"].verdict, results["sh010_comp.1001.jpg"].match.kind) == (
        "block", "region",
    )  # fmt: skip
    assert results["sh010_plate.1001.jpg"].match.kind == "ledger"  # in it as unknown


def test_a_check_made_before_a_new_generated_picture_is_made_again(
    generated: Generated, tmp_path: Path
) -> None:
    later = textured(12, (640, 360))
    comps = tmp_path / "comps"
    save(composited(later, 4, share=0.3), comps / "comp.jpg", quality=90)
    scan([comps], generated.ledger, generated.settings)  # checked: holds nothing known yet
    info = PngInfo()
    info.add_text("parameters", A1111)
    scan([save(later, tmp_path / "late" / "later.png", pnginfo=info).parent],
         generated.ledger, generated.settings)  # fmt: skip
    result = audited(generated, comps)["comp.jpg"]
    assert (result.verdict, result.match.kind) == ("block", "region")


def test_a_check_made_by_an_older_region_rule_is_made_again_never_trusted(
    generated: Generated, tmp_path: Path
) -> None:
    plate = save(textured(31, (640, 360)), tmp_path / "plates" / "plate.jpg", quality=90)
    scan([plate.parent], generated.ledger, generated.settings)
    sha = sha256_of(generated, plate)
    # What the rule before the inliers' span said of a plate sharing one prop with the painting.
    stale = RegionCheckIn(sha, generated.ledger.regions.through(), "ok", generated.sha256, 40,
                          0.6, 0.7, False, rule=REGION_RULE - 1)  # fmt: skip
    generated.ledger.regions.save([stale])
    db = ["--db", generated.settings.db]
    story = json.loads(CliRunner().invoke(cli, ["history", str(plate), "--json", *db]).stdout)
    assert "holds" not in story or story["holds"] is None
    listed = CliRunner().invoke(cli, ["ls", "--looks-like", generated.sha256, "--json", *db])
    assert not [a for a in json.loads(listed.stdout)["assets"] if "holds" in a]
    result = audited(generated, plate.parent)["plate.jpg"]
    assert (result.verdict, result.match.kind) == ("warn", "ledger")
    assert check_regions(generated.ledger) == 0  # the deferred stage checks it again
    assert generated.ledger.regions.many([sha])[sha] == RegionCheckIn(
        sha, generated.ledger.regions.through(), rule=REGION_RULE
    )


def test_a_no_match_forged_past_every_described_picture_is_never_reused(
    generated: Generated, tmp_path: Path
) -> None:
    """An insider's row: "checked, nothing inside", claiming to have seen features rows that
    do not exist. Reused while its ``through`` was at least the last id, it would have let the
    comp through until enough pictures were described; only a check made against exactly the
    pictures described now is reused."""
    comps = tmp_path / "comps"
    save(composited(generated.picture, 3, share=0.3), comps / "comp.jpg", quality=90)
    scan([comps], generated.ledger, generated.settings)
    sha = sha256_of(generated, comps / "comp.jpg")
    forged = RegionCheckIn(sha, generated.ledger.regions.through() + 1000, rule=REGION_RULE)
    generated.ledger.regions.save([forged])
    result = audited(generated, comps)["comp.jpg"]
    assert (result.verdict, result.match.kind) == ("block", "region")


def sha256_of(generated: Generated, path: Path) -> str:
    asset = generated.ledger.assets.at(str(path))
    assert asset is not None
    return asset.sha256


def test_history_and_ls_name_the_pictures_holding_a_generated_one(
    generated: Generated, tmp_path: Path
) -> None:
    comps = tmp_path / "comps"
    comp = save(composited(generated.picture, 3, share=0.3), comps / "comp.jpg", quality=90)
    scan([comps], generated.ledger, generated.settings)
    db = ["--db", generated.settings.db]
    story = CliRunner().invoke(cli, ["history", str(comp), *db], terminal_width=200)
    assert story.exit_code == 0, story.output
    assert f"Holds generated asset {generated.sha256[:12]}" in story.stdout
    held = json.loads(CliRunner().invoke(cli, ["history", str(comp), "--json", *db]).stdout)
    assert held["holds"]["sha256"] == generated.sha256 and held["holds"]["cover"] > 0
    listed = CliRunner().invoke(cli, ["ls", "--looks-like", generated.sha256, "--json", *db])
    assert listed.exit_code == 0, listed.output
    holders = [a for a in json.loads(listed.stdout)["assets"] if "holds" in a]
    assert [[p["path"] for p in a["locations"]] for a in holders] == [[str(comp)]]
    assert holders[0]["distance"] is None


def test_a_damaged_stored_blob_stops_the_audit_with_one_error_line(
    generated: Generated, tmp_path: Path
) -> None:
    """Leaving the picture out of the index would let its copies pass: exit 2, never 0 or 1."""
    stored = generated.ledger.features.of(generated.sha256)
    assert stored is not None
    picture = stored.pictures[0]
    damaged = FeatureIn(generated.sha256, "ok", b"PVLF" + picture.data[4:40], picture.count,
                        picture.width, picture.height)  # fmt: skip
    generated.ledger.features.save([damaged])
    package = package_of(tmp_path, {"comp.jpg": composited(generated.picture, 3, share=0.3)})
    db = generated.settings.db
    done = CliRunner().invoke(cli, ["audit", str(package), "--db", db])
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("Error: the stored local features of generated asset")
    assert len(done.stderr.strip().splitlines()) == 1
