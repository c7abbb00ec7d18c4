"""Budgets, enforced: a detector past its time is stopped, in scan, classify and the audit alike.

The hostile input is an MP4 of many C2PA ``uuid`` boxes, on which the C2PA
SDK is quadratic (10,000 boxes: about half a second; 200,000: over three minutes).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from provenance.audit.run import AuditOptions, audit
from provenance.ingest.examine import examine, examine_chunk
from provenance.ingest.guarded import pool_for
from provenance.ingest.survey import classify_paths
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.util.guard import MiB
from tests.support import guarded_work
from tests.support.files import A1111, png
from tests.support.hostile import c2pa_uuid_mp4

# Under the MP4 reader's limit of 10,000 boxes (past it the file is not fully read, and the
# SDK is never asked); the SDK takes about half a second on them, five times the budget.
BOXES = 9_990
GAVE_UP = "c2pa: gave up after 0.1 s"


@pytest.fixture
def budgeted(settings: Settings) -> Settings:
    return replace(settings, detector_seconds=0.1)


@pytest.fixture
def slow_mp4(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    return c2pa_uuid_mp4(tmp_path / "pkg" / "boxes.mp4", BOXES)


def test_examine_stops_the_detector_and_records_the_file_unreadable(
    slow_mp4: Path, budgeted: Settings
) -> None:
    examined = examine(slow_mp4, budgeted, "host")
    assert examined.observation is not None  # recorded, by its hash
    asset = examined.observation.asset
    assert (asset.verdict, asset.problem) == ("unreadable", GAVE_UP)
    assert any(e.detector == "c2pa" and e.detail == GAVE_UP for e in asset.evidence)


def test_classify_stops_the_detector_too(slow_mp4: Path, budgeted: Settings) -> None:
    [row] = classify_paths([slow_mp4], budgeted)
    assert row.result.verdict == "unreadable"
    assert any(e.detail == GAVE_UP for e in row.result.evidence)


def test_the_audit_blocks_the_file_with_the_reason(
    slow_mp4: Path, budgeted: Settings, ledger: Ledger
) -> None:
    report = audit(slow_mp4.parent, ledger, budgeted, AuditOptions(record=False))
    [result] = report.files
    assert (report.verdict, result.verdict) == ("blocked", "block")
    assert any(GAVE_UP in why for why in result.reasons), result.reasons


def test_the_memory_limit_reaches_every_worker(settings: Settings) -> None:
    limited = replace(settings, worker_memory_mb=300)
    assert pool_for(limited).run(guarded_work.memory_limit) == 300 * MiB


def test_a_stopped_file_costs_only_itself_in_a_chunk(
    tmp_path: Path, slow_mp4: Path, budgeted: Settings
) -> None:
    before = [png(tmp_path / f"a{n}.png", n, A1111) for n in range(3)]
    after = [png(tmp_path / f"b{n}.png", n + 10) for n in range(3)]
    got = examine_chunk([*before, slow_mp4, *after], budgeted, "host")
    assert [item.path.name for item in got] == [p.name for p in [*before, slow_mp4, *after]]
    verdicts = [item.classification.verdict for item in got if item.classification]
    assert verdicts == ["genai"] * 3 + ["unreadable"] + ["unknown"] * 3
    assert got[3].observation is not None and got[3].observation.asset.problem == GAVE_UP
