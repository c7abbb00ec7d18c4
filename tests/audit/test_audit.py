"""The audit end to end: every kind of file a hand-off package can hold, and every output."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.files.archives import UnsafeArchive
from provenance.ingest.scan import scan
from provenance.lifecycle import Approval, Lifecycle, approve
from tests.support.signing import approver_key
from tests.support.studio import Studio, camera_jpeg, generated_png, picture

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def run(studio: Studio, package: Path, **options: object) -> AuditReport:
    return audit(package, studio.ledger, studio.settings, AuditOptions(**options))  # type: ignore[arg-type]


def by_path(report: AuditReport) -> dict[str, FileResult]:
    return {f.path: f for f in report.files}


def test_exact_copy_of_generated_image_is_blocked(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(studio.work / "genai" / "gen1.png", package / "final.png")
    report = run(studio, package)
    result = by_path(report)["final.png"]
    assert (result.verdict, result.match.kind) == ("block", "ledger")
    assert any("temporary" in r for r in result.reasons)
    assert report.verdict == "blocked"


@pytest.mark.parametrize(
    "alteration",
    ["jpeg60", "half", "webp", "tiff16", "crop3", "gamma"],
)
def test_altered_copies_are_blocked_as_near_matches(
    studio: Studio, tmp_path: Path, alteration: str
) -> None:
    original = Image.open(studio.work / "genai" / "gen2.png").convert("RGB")
    package = tmp_path / "pkg"
    package.mkdir()
    target = package / {"webp": "c.webp", "tiff16": "c.tif"}.get(alteration, "c.jpg")
    if alteration == "jpeg60":
        original.save(target, quality=60)
    elif alteration == "half":
        original.resize((original.width // 2, original.height // 2)).save(target, quality=85)
    elif alteration == "webp":
        original.save(target, quality=80)
    elif alteration == "tiff16":
        import numpy as np

        grey = np.asarray(original.convert("L"), dtype=np.uint16) * 257
        Image.fromarray(grey).save(target)
    elif alteration == "crop3":
        w, h = original.size
        original.crop((w * 3 // 100, h * 3 // 100, w, h)).save(target, quality=90)
    else:
        original.point(lambda v: int(255 * (v / 255) ** 0.8)).save(target, quality=90)
    result = by_path(run(studio, package))[target.name]
    assert result.match.kind == "near", result.reasons
    assert result.verdict == "block"
    assert result.match.distance is not None


def test_never_ingested_generated_file_is_blocked_by_its_markers(
    studio: Studio, tmp_path: Path
) -> None:
    generated_png(tmp_path / "pkg" / "fresh.png", 99)
    result = by_path(run(studio, tmp_path / "pkg"))["fresh.png"]
    assert (result.verdict, result.match.kind, result.classification) == (
        "block",
        "embedded",
        "genai",
    )


def test_approved_generated_image_passes_citing_the_approval(
    studio: Studio, tmp_path: Path
) -> None:
    consent = tmp_path / "approval.pdf"
    consent.write_bytes(b"%PDF-1.4 approved for finals")
    lc = Lifecycle(studio.ledger, studio.settings)
    approve(
        lc,
        [str(studio.work / "genai" / "gen3.png")],
        Approval("final-deliverable", "VFX Sup", consent, sign_with=approver_key()),
    )
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(studio.work / "genai" / "gen3.png", package / "approved.png")
    picture(3).save(package / "approved_copy.jpg", quality=80)
    results = by_path(run(studio, package))
    assert results["approved.png"].verdict == "pass"
    assert any("VFX Sup" in r for r in results["approved.png"].reasons)
    assert results["approved_copy.jpg"].verdict == "pass"
    assert results["approved_copy.jpg"].match.kind == "near"


def test_camera_unknown_corrupt(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    camera_jpeg(package / "new_plate.jpg", 77)
    shutil.copy(studio.work / "plates" / "plate.jpg", package / "plate.jpg")
    picture(55).save(package / "texture.png")
    (package / "broken.exr").write_bytes(b"\x76\x2f\x31\x01" + b"\x00" * 10)
    (package / "notes.txt").write_text("hand-off notes")
    results = by_path(run(studio, package))
    assert results["new_plate.jpg"].verdict == "pass"
    assert (results["plate.jpg"].verdict, results["plate.jpg"].match.kind) == ("pass", "ledger")
    assert results["texture.png"].verdict == "warn"
    assert results["notes.txt"].verdict == "warn"
    assert results["broken.exr"].verdict in ("block", "warn")


def test_unreadable_file_fails_closed(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = by_path(run(studio, package))["bad.png"]
    assert result.verdict == "block" and result.classification == "unreadable"


def test_sequence_with_generated_frames(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg" / "comp"
    for frame in range(1001, 1009):
        package.mkdir(parents=True, exist_ok=True)
        picture(1000 + frame * 13).save(package / f"shot010_comp_v003.{frame}.png")
    for frame in (1004, 1005):
        shutil.copy(
            studio.work / "genai" / f"gen{frame - 1003}.png",
            package / f"shot010_comp_v003.{frame}.png",
        )
    report = run(studio, tmp_path / "pkg")
    [sequence] = report.sequences
    assert sequence.label == "comp/shot010_comp_v003.1001-1008#.png"
    assert "2 frames blocked: 1004, 1005" in sequence.notes
    assert sequence.verdict == "block"


def test_zip_package_and_traversal_refused(studio: Studio, tmp_path: Path) -> None:
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as package:
        package.write(studio.work / "genai" / "gen1.png", "shots/gen.png")
        package.write(studio.work / "plates" / "plate.jpg", "plates/plate.jpg")
    report = run(studio, archive)
    assert report.root == str(archive)
    assert by_path(report)["shots/gen.png"].verdict == "block"
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as package:
        package.writestr("../../escape.txt", b"x")
    with pytest.raises(UnsafeArchive):
        run(studio, evil)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_symlink_leaving_the_package_is_reported(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "outside.png").symlink_to(studio.work / "genai" / "gen1.png")
    shutil.copy(studio.work / "plates" / "plate.jpg", package / "inside.jpg")
    (package / "alias.jpg").symlink_to(package / "inside.jpg")
    results = by_path(run(studio, package))
    assert results["outside.png"].verdict == "block"
    assert "leaves the package" in results["outside.png"].reasons[0]
    assert results["alias.jpg"].verdict == "pass"


def test_audit_is_recorded_with_audited_events(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "delivery_v1"
    package.mkdir()
    shutil.copy(studio.work / "plates" / "plate.jpg", package / "plate.jpg")
    run(studio, package)
    asset = studio.ledger.assets.at(str(studio.work / "plates" / "plate.jpg"))
    assert asset is not None
    audited = [e for e in studio.ledger.events.of(asset.sha256) if e.type == "audited"]
    assert audited and audited[0].details["package"] == str(package)
    assert studio.ledger.events.verify().ok
    run(studio, package, record=False)
    assert len([e for e in studio.ledger.events.of(asset.sha256) if e.type == "audited"]) == 1


def test_strict_blocks_on_warnings(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "notes.txt").write_text("x")
    assert run(studio, package).verdict == "pass"
    assert run(studio, package, strict=True).verdict == "blocked"


def test_cli_exit_codes_and_formats(studio: Studio, tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    clean.mkdir()
    camera_jpeg(clean / "plate.jpg", 11)
    generated_png(dirty / "gen.png", 12)
    db = ["--db", studio.settings.db]
    runner = CliRunner()
    assert runner.invoke(cli, ["audit", str(clean), *db]).exit_code == 0
    result = runner.invoke(cli, ["audit", str(dirty), *db, "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "blocked" and data["summary"]["block"] == 1
    for fmt in ("junit", "sarif", "html", "markdown", "table"):
        out = tmp_path / f"report.{fmt}"
        done = runner.invoke(cli, ["audit", str(dirty), *db, "--format", fmt, "--output", str(out)])
        assert done.exit_code == 1 and out.stat().st_size > 100
    html = (tmp_path / "report.html").read_text()
    assert "data:image/jpeg;base64," in html
    missing = runner.invoke(cli, ["audit", str(tmp_path / "nope"), *db])
    assert missing.exit_code == 2 and missing.stderr.startswith("Error: ")


def test_bad_policy_is_exit_2(studio: Studio, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[genai]\ntemporary = "maybe"\n')
    (tmp_path / "pkg").mkdir()
    done = CliRunner().invoke(
        cli, ["audit", str(tmp_path / "pkg"), "--db", studio.settings.db, "--policy", str(policy)]
    )
    assert done.exit_code == 2 and "policy.toml:2" in done.stderr


def test_sample_deliverables_are_blocked_on_the_generated_frame_and_master(
    studio: Studio,
) -> None:
    scan([SAMPLES], studio.ledger, studio.settings)
    report = run(studio, SAMPLES / "deliverables", record=False)
    results = by_path(report)
    assert report.verdict == "blocked"
    assert results["comp/shot010_comp_v003.1003.png"].verdict == "block"
    blocked = [f.path for f in report.files if f.verdict == "block"]
    master = "edit/shot010_review_master.mp4"
    assert blocked == ["comp/shot010_comp_v003.1003.png", master]
    (segment,) = results[master].segments
    assert (segment.tc_in, segment.tc_out) == ("01:00:02:00", "01:00:04:00")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_generated_files_are_caught_by_markers(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    picks = [
        "comfyanonymous+ComfyUI_examples/lora__lora.png",
        "enslo+sd-metadata/samples__jpg__civitai.jpeg",
        "microsoft+c2pa-extension-validator/test__media__DALL-E_cloud_surfing_puppy.webp",
        "ianare+exif-py/tests__resources__jpg__Canon_40D.jpg",
    ]
    for rel in picks:
        (package / Path(rel).name).symlink_to(CORPUS / rel)  # in place: the corpus is never copied
    results = by_path(audit(package, studio.ledger, studio.settings, AuditOptions()))
    # links leave the package: reported, never followed
    assert all(r.verdict == "block" for r in results.values())
    real = tmp_path / "real"
    real.mkdir()
    for rel in picks:
        (real / Path(rel).name).write_bytes((CORPUS / rel).read_bytes())
    results = by_path(audit(real, studio.ledger, studio.settings, AuditOptions(record=False)))
    verdicts = {name: r.verdict for name, r in results.items()}
    assert verdicts["lora__lora.png"] == verdicts["samples__jpg__civitai.jpeg"] == "block"
    assert verdicts["test__media__DALL-E_cloud_surfing_puppy.webp"] == "block"
    assert verdicts["tests__resources__jpg__Canon_40D.jpg"] == "pass"
