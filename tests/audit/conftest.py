"""Fixtures for the audit: a ledger that has seen some generated and camera images."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.signing import trusting
from tests.support.studio import Studio, camera_jpeg, generated_png


@pytest.fixture
def studio(ledger: Ledger, settings: Settings, tmp_path: Path) -> Studio:
    work = tmp_path / "work"
    for seed in (1, 2, 3):
        generated_png(work / "genai" / f"gen{seed}.png", seed)
    camera_jpeg(work / "plates" / "plate.jpg", 40)
    settings = trusting(dataclasses.replace(settings, approvers=("tester",)))
    scan([work], ledger, settings)
    return Studio(ledger, settings, work)
