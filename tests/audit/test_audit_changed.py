"""A file written to, swapped or removed while the audit reads it blocks.

Every stage after the hashing (markers, fingerprints, regions, a video's
sweep) reads the file again: what it judged may not be what is delivered.
The audit is told each stage as it starts (``on_stage``), which is where
these tests change the package under it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provenance.audit.run import AuditOptions, audit
from tests.support.studio import Studio, camera_jpeg, generated_png


def _audit_changing(studio: Studio, package: Path, change: Callable[[], None]) -> dict[str, str]:
    """Each file's verdict and reasons, the package changed as the classify stage starts."""

    def on_stage(name: str) -> None:
        if name == "classify":
            change()

    report = audit(package, studio.ledger, studio.settings,
                   AuditOptions(record=False, on_stage=on_stage))  # fmt: skip
    return {f.path: f"{f.verdict}: {' | '.join(f.reasons)}" for f in report.files}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    folder = tmp_path / "pkg"
    camera_jpeg(folder / "plate.jpg", 3)
    camera_jpeg(folder / "other.jpg", 4)
    return folder


def test_a_file_swapped_for_generated_content_after_hashing_blocks(
    studio: Studio, package: Path, tmp_path: Path
) -> None:
    swapped = generated_png(tmp_path / "gen.png", 9)

    def swap() -> None:
        swapped.replace(package / "plate.jpg")  # a new inode, as a copy tool's rename

    judged = _audit_changing(studio, package, swap)
    assert judged["plate.jpg"].startswith("block: ")
    assert "file changed during the audit, after it was hashed" in judged["plate.jpg"]
    assert "changed during the audit" not in judged["other.jpg"]


def test_a_file_written_to_in_place_after_hashing_blocks(studio: Studio, package: Path) -> None:
    def append() -> None:
        with (package / "plate.jpg").open("ab") as stream:
            stream.write(b"\0" * 100)

    judged = _audit_changing(studio, package, append)
    assert "block: " in judged["plate.jpg"] and "changed during the audit" in judged["plate.jpg"]


def test_a_file_removed_after_hashing_blocks(studio: Studio, package: Path) -> None:
    judged = _audit_changing(studio, package, (package / "plate.jpg").unlink)
    assert judged["plate.jpg"].startswith("block: ")
    assert "file gone (No such file or directory) during the audit" in judged["plate.jpg"]


def test_a_package_left_alone_has_no_such_reason(studio: Studio, package: Path) -> None:
    judged = _audit_changing(studio, package, lambda: None)
    assert not any("during the audit" in reasons for reasons in judged.values())
