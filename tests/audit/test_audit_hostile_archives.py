"""The gate fails closed on hostile packages: nothing it could not see passes silently.

Every hostile input is built by :mod:`tests.support.hostile_archives` as the
test runs: an unlistable folder, archives nested in archives, archives that
break the rules one level down, a sparse tar larger than the free space, a
tree deeper than PATH_MAX.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.audit.listing import NESTED_DEPTH
from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.files import archives
from provenance.files.scratch import live_areas
from provenance.files.walk import TOO_LONG, Skipped, walk
from tests.support.hostile_archives import (
    deep_tree,
    nested_zips,
    sparse_tar,
    tar_bytes,
    unlistable,
    write,
    zip_bytes,
)
from tests.support.studio import Studio, camera_jpeg


def run(studio: Studio, package: Path) -> AuditReport:
    return audit(package, studio.ledger, studio.settings, AuditOptions(record=False))


def by_path(report: AuditReport) -> dict[str, FileResult]:
    return {f.path: f for f in report.files}


def generated(studio: Studio) -> bytes:
    """A generated image the ledger holds as temporary."""
    return (studio.work / "genai" / "gen1.png").read_bytes()


def test_a_folder_that_cannot_be_listed_blocks_the_package(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    camera_jpeg(package / "plate.jpg", 40)
    write(package / "secret" / "gen.png", generated(studio))
    with unlistable(package / "secret", monkeypatch):
        report = run(studio, package)
        scanned = [s for s in walk([package], studio.settings) if isinstance(s, Skipped)]
    blocked = by_path(report)["secret"]
    assert blocked.verdict == "block" and report.verdict == "blocked"
    assert blocked.reasons == ("cannot list folder: Permission denied: not audited",)
    assert [s.reason for s in scanned] == ["cannot list folder: Permission denied"]


def test_a_package_folder_that_cannot_be_listed_cannot_be_audited(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = write(tmp_path / "pkg" / "gen.png", generated(studio)).parent
    with unlistable(package, monkeypatch):
        done = CliRunner().invoke(cli, ["audit", str(package), "--db", studio.settings.db])
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith(f"Error: cannot list folder: Permission denied: {package}.")


def test_a_generated_image_in_a_zip_in_the_delivered_zip_is_blocked(
    studio: Studio, tmp_path: Path
) -> None:
    inner = zip_bytes({"gen.png": generated(studio)})
    package = write(tmp_path / "delivery.zip", zip_bytes({"refs/inner.zip": inner}))
    result = by_path(run(studio, package))["refs/inner.zip/gen.png"]
    assert (result.verdict, result.match.kind) == ("block", "ledger")
    assert any("temporary" in r for r in result.reasons)


def test_a_generated_image_in_a_tar_gz_in_a_delivered_folder_is_blocked(
    studio: Studio, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    write(package / "refs.tar.gz", tar_bytes({"look/gen.png": generated(studio)}))
    report = run(studio, package)
    result = by_path(report)["refs.tar.gz/look/gen.png"]
    assert (result.verdict, result.match.kind) == ("block", "ledger")
    assert by_path(report)["refs.tar.gz"].verdict != "block"  # the archive itself is only a file
    assert not live_areas()


def test_archives_open_down_to_the_depth_limit_and_block_beyond_it(
    studio: Studio, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    write(package / "deep.zip", nested_zips(NESTED_DEPTH, {"gen.png": generated(studio)}))
    write(package / "deeper.zip", nested_zips(NESTED_DEPTH + 1, {"gen.png": generated(studio)}))
    results = by_path(run(studio, package))
    reached = "deep.zip/" + "inner.zip/" * (NESTED_DEPTH - 1) + "gen.png"
    assert results[reached].match.kind == "ledger" and results[reached].verdict == "block"
    beyond = results["deeper.zip/" + "/".join(["inner.zip"] * NESTED_DEPTH)]
    assert beyond.verdict == "block"
    assert f"nested archive beyond depth {NESTED_DEPTH}, not opened" in beyond.reasons
    assert not any(path.startswith("deeper.zip") and path.endswith("gen.png") for path in results)


def test_a_nested_archive_is_held_to_the_same_rules_as_the_package(
    studio: Studio, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    camera_jpeg(package / "plate.jpg", 41)
    write(package / "climbs.zip", zip_bytes({"ok.txt": b"x", "../evil.txt": b"evil"}))
    links = tmp_path / "links.tar.gz"
    with tarfile.open(links, "w:gz") as made:
        info = tarfile.TarInfo("escape")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        made.addfile(info)
    write(package / "links.tar.gz", links.read_bytes())
    report = run(studio, package)
    results = by_path(report)
    assert results["climbs.zip"].verdict == "block"
    assert any("outside the package" in r for r in results["climbs.zip"].reasons)
    assert "climbs.zip/ok.txt" not in results  # a refused archive is not audited in part
    assert results["links.tar.gz/escape"].verdict == "block"
    assert results["plate.jpg"].verdict != "block" and report.verdict == "blocked"
    assert not (tmp_path / "evil.txt").exists()


def test_nested_archives_share_the_package_member_limit(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "MAX_MEMBERS", 4)
    inner = zip_bytes({f"f{i}.txt": b"x" for i in range(3)})
    package = write(tmp_path / "delivery.zip", zip_bytes({"a.txt": b"a", "inner.zip": inner}))
    result = by_path(run(studio, package))["inner.zip"]
    assert result.verdict == "block"
    assert any("at most 4 members in a package" in r for r in result.reasons)


@pytest.fixture
def tight_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary folder's volume has 1 MB free beyond the reserve."""
    monkeypatch.setattr(archives, "free_bytes", lambda folder: archives.MIN_RESERVE + 1_000_000)


@pytest.mark.usefixtures("tight_disk")
def test_a_nested_archive_larger_than_the_free_space_blocks(studio: Studio, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    write(package / "zeros.tar", sparse_tar(50_000_000))
    result = by_path(run(studio, package))["zeros.tar"]
    assert result.verdict == "block"
    assert any("free space" in r for r in result.reasons)


@pytest.mark.usefixtures("tight_disk")
def test_a_delivered_archive_larger_than_the_free_space_cannot_be_audited(
    studio: Studio, tmp_path: Path
) -> None:
    package = write(tmp_path / "zeros.tar", sparse_tar(50_000_000))
    done = CliRunner().invoke(cli, ["audit", str(package), "--db", studio.settings.db])
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("Error: archive unpacks to more than")
    assert "TMPDIR" in done.stderr and str(package) in done.stderr


def test_a_tree_deeper_than_path_max_is_reported_not_crashed_on(
    studio: Studio, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    camera_jpeg(package / "plate.jpg", 42)
    deep_tree(package / "nest")
    done = CliRunner().invoke(
        cli, ["audit", str(package), "--db", studio.settings.db, "--format", "json"]
    )
    assert done.exit_code == 1, done.output
    blocked = [f for f in json.loads(done.stdout)["files"] if f["verdict"] == "block"]
    assert len(blocked) == 1 and blocked[0]["path"].startswith("nest/")
    assert blocked[0]["reasons"] == [f"{TOO_LONG}: not audited"]
