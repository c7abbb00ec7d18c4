"""The audit fails closed on hostile packages: swapped files, overlong detectors, odd names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provenance.audit import listing as audit_listing
from provenance.audit.report import AuditReport
from provenance.audit.run import AuditOptions, audit
from tests.support.hostile import swap_for_dev_zero, swap_for_fifo
from tests.support.studio import Studio, picture

SWAPS: dict[str, Callable[[Path], Path]] = {"fifo": swap_for_fifo, "dev-zero": swap_for_dev_zero}


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    for name in ("a.png", "b.png"):
        picture(len(name)).save(package / name)
    return package


def _run(studio: Studio, package: Path) -> AuditReport:
    return audit(package, studio.ledger, studio.settings, AuditOptions(record=False))


@pytest.mark.parametrize("swap", SWAPS)
def test_a_file_swapped_after_the_listing_blocks_with_its_reason(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    package = _package(tmp_path)
    listed = audit_listing.Lister.list

    def list_then_swap(self: audit_listing.Lister, root: Path) -> audit_listing.Listing:
        found = listed(self, root)
        SWAPS[swap](root / "b.png")
        return found

    monkeypatch.setattr(audit_listing.Lister, "list", list_then_swap)
    report = _run(studio, package)
    results = {f.path: f for f in report.files}
    assert report.verdict == "blocked"
    assert results["b.png"].verdict == "block"
    assert any("not a regular file" in why for why in results["b.png"].reasons)
    assert results["a.png"].verdict != "block"
