"""Frames found by reel: an EDL whose reel is a scanned image sequence, its media offline.

The frames are real DPX files, each with its reel (the input device) and its
own television timecode, scanned into the ledger; the EDL names no file,
only the reel and the source timecodes.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from provenance.audit.cut_read import clips_of, read_timeline
from provenance.audit.cut_resolve import Resolved, Resolver
from provenance.cli import cli
from provenance.ingest.examine import examine_here
from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.store.records import IDENTITY_FIELDS
from tests.support.cuts import audit, clips, cut, external
from tests.support.editorial import dpx_frames

# 12 frames of reel R001 from 01:00:00:06, then 6 from 01:00:00:20 (past the scan's end).
EDL = """TITLE: frames
FCM: NON-DROP FRAME

001  R001     V     C        01:00:00:06 01:00:00:18 01:00:00:00 01:00:00:12
002  R001     V     C        01:00:00:20 01:00:01:02 01:00:00:12 01:00:00:18
"""


def resolve(ledger: Ledger, show: Path) -> list[Resolved]:
    (show / "cut.edl").write_text(EDL)
    read = read_timeline(show / "cut.edl")
    return Resolver(show, (), ledger).resolve_all(clips_of(read, show / "cut.edl"))


def test_a_reel_of_frames_resolves_to_the_frames_of_the_source_range(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    frames = dpx_frames(tmp_path / "scans" / "R001", "scan", "R001", "01:00:00:00", 24)
    scan([tmp_path / "scans"], ledger, settings)
    used, past = resolve(ledger, tmp_path)
    assert (used.files, used.resolved_by) == (tuple(frames[6:18]), "reel+tc")
    assert "12 frames of reel R001" in (used.note or "")
    assert used.unresolved is None and past.files == ()
    assert past.unresolved is not None
    assert "cover 4 of the clip's 6 frames (none at 01:00:01:00, 01:00:01:01" in past.unresolved


def test_two_different_scans_of_one_reel_are_ambiguous(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    dpx_frames(tmp_path / "scans" / "v1", "scan", "R001", "01:00:00:00", 24, seed=1)
    dpx_frames(tmp_path / "scans" / "v2", "rescan", "R001", "01:00:00:10", 8, seed=2)
    scan([tmp_path / "scans"], ledger, settings)
    used = resolve(ledger, tmp_path)[0]
    assert used.files == () and used.resolved_by is None
    assert used.unresolved is not None
    assert used.unresolved.startswith("ambiguous: 2 different media fit by reel R001 at frame")
    assert "01:00:00:10" in used.unresolved
    assert "v1/scan.1011.dpx" in used.unresolved and "v2/rescan.1001.dpx" in used.unresolved


def test_copies_of_one_scan_are_all_judged(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    frames = dpx_frames(tmp_path / "scans" / "R001", "scan", "R001", "01:00:00:00", 24)
    shutil.copytree(tmp_path / "scans" / "R001", tmp_path / "backup")
    scan([tmp_path / "scans", tmp_path / "backup"], ledger, settings)
    used = resolve(ledger, tmp_path)[0]
    copies = [tmp_path / "backup" / f.name for f in frames]
    assert used.files == tuple(
        p for pair in zip(copies[6:18], frames[6:18], strict=True) for p in pair
    )
    assert used.resolved_by == "reel+tc"


def test_frames_of_another_reel_or_outside_the_roots_are_not_used(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    show = tmp_path / "show"
    dpx_frames(show / "scans", "scan", "R002", "01:00:00:00", 24)
    dpx_frames(tmp_path / "elsewhere", "scan", "R001", "01:00:00:00", 24, seed=3)
    scan([show / "scans", tmp_path / "elsewhere"], ledger, settings)
    used = resolve(ledger, show)[0]
    assert used.files == () and used.unresolved is not None
    assert "not found through the ledger" in used.unresolved


def recorded_before_identity(ledger: Ledger, settings: Settings, frames: list[Path]) -> None:
    """Record the frames as the ledger did before migration 0011: no reel, no timecode."""
    blank: dict[str, Any] = dict.fromkeys(IDENTITY_FIELDS)
    old = []
    for path in frames:
        obs = examine_here(path, settings, ledger.host).observation
        assert obs is not None and obs.asset.reel == "R001"
        old.append(dataclasses.replace(obs, asset=dataclasses.replace(obs.asset, **blank)))
    ledger.record(old)


def test_frames_recorded_without_identity_are_found_once_a_scan_reads_it(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    """Frames recorded before migration 0011: scanned again, they gain reel and timecode."""
    frames = dpx_frames(tmp_path / "scans", "scan", "R001", "01:00:00:00", 24)
    recorded_before_identity(ledger, settings, frames)
    assert resolve(ledger, tmp_path)[0].resolved_by is None
    summary = scan([tmp_path / "scans"], ledger, settings)
    assert (summary.identified, summary.outcomes["unchanged"]) == (24, 24)
    assert summary.to_dict()["identified"] == 24
    assert resolve(ledger, tmp_path)[0].files == tuple(frames[6:18])
    assert scan([tmp_path / "scans"], ledger, settings).identified == 0
    assert ledger.state.verify().ok


def test_the_audit_reports_frames_found_by_reel(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    dpx_frames(tmp_path / "scans", "scan", "R001", "01:00:00:00", 24)
    scan([tmp_path / "scans"], ledger, settings)
    (tmp_path / "cut.edl").write_text(EDL)
    rows = list(clips(audit(settings.db, str(tmp_path / "cut.edl"), "--json")).values())
    assert [r["resolved_by"] for r in rows] == ["reel+tc", None]
    assert rows[0]["files"] == [f"scans/scan.{n}.dpx" for n in range(1007, 1019)]
    assert rows[1]["verdict"] == "block"


def test_an_audit_that_records_fills_the_identity_of_the_known_files(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    frames = dpx_frames(tmp_path / "package", "scan", "R001", "01:00:00:00", 4)
    recorded_before_identity(ledger, settings, frames)
    done = CliRunner().invoke(cli, ["audit", str(tmp_path / "package"), "--db", settings.db])
    assert done.exit_code in (0, 1), done.output
    identified = ledger.events.list(types=["identified"])
    assert sorted(str(e.path) for e in identified) == [str(f) for f in frames]
    assert {e.details["reel"] for e in identified} == {"R001"}
    assert resolve(ledger, tmp_path)[0].resolved_by is None  # 4 frames: the clip needs 12
    again = CliRunner().invoke(cli, ["audit", str(tmp_path / "package"), "--db", settings.db])
    assert again.exit_code == done.exit_code
    assert len(ledger.events.list(types=["identified"])) == 4
    assert ledger.state.verify().ok


def test_a_cut_audit_that_records_fills_the_identity_of_its_media(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    frames = dpx_frames(tmp_path / "scans", "scan", "R001", "01:00:00:00", 3)
    recorded_before_identity(ledger, settings, frames)
    timeline = cut(tmp_path / "cut.otio", [external("sh", "scans/scan.####.dpx", 3, 1001)])
    unrecorded = audit(settings.db, str(timeline), "--no-record")
    assert unrecorded.exit_code in (0, 1), unrecorded.output
    assert ledger.events.list(types=["identified"]) == []
    done = audit(settings.db, str(timeline))
    assert done.exit_code == unrecorded.exit_code
    identified = ledger.events.list(types=["identified"])
    assert sorted(str(e.path) for e in identified) == [str(f) for f in frames]
    assert ledger.state.verify().ok
