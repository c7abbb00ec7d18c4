"""Fixtures for the audit: a ledger that has seen some generated and camera images.

The studio is built once a test module and backend, and each test gets it as
it was built (:mod:`tests.support.scenes`), through a ledger connection of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.ingest.scan import scan
from provenance.settings import Settings
from tests.support.scenes import Kept, kept_scene, reopened, scene_ledger
from tests.support.signing import trusting
from tests.support.studio import Studio, camera_jpeg, generated_png


def _built_studio(url: str, folder: Path) -> Studio:
    work = folder / "work"
    for seed in (1, 2, 3):
        generated_png(work / "genai" / f"gen{seed}.png", seed)
    camera_jpeg(work / "plates" / "plate.jpg", 40)
    settings = trusting(Settings(db=url, workers=2, approvers=("tester",)))
    with scene_ledger(url) as ledger:
        scan([work], ledger, settings)
        return Studio(ledger, settings, work)


kept_studio = kept_scene("kept_studio", _built_studio)  # built once a test module and backend


@pytest.fixture
def studio(kept_studio: Kept[Studio], monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    """Three generated pictures and a camera plate, scanned, once per backend."""
    yield from reopened(kept_studio, monkeypatch)
