"""A master sweep that fails for a reason that may pass is retried by the daemon, as a region check.

The deferred stage sweeps each video that is not generated once
(``ledger.segments``). A sweep that could not be made because of this host
at this moment (the file could not be read, the sweep's clock ran out on a
busy machine) was stored as ``undecodable`` and never swept again, so
``history`` and ``ls --looks-like`` never learnt what the video shows. It is
now an ``error``, stored by the watch daemon with its count and tried again
after a doubling wait (:mod:`provenance.likeness.retry`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.audit.run import AuditOptions, audit
from provenance.errors import UndecodableVideo, UnreadableFile, UnsupportedVideo
from provenance.ingest.scan import plan_scan, run_scan
from provenance.likeness import master, sweep
from provenance.likeness.master import MasterScan, as_records, failed_record
from provenance.likeness.retry import RetryBackoff
from provenance.likeness.stage import fingerprint_assets
from provenance.likeness.stage_checks import check_masters
from provenance.likeness.versions import SWEEP_RULE
from provenance.settings import Settings
from provenance.store import Ledger, SegmentIn
from tests.support.clocks import Clock
from tests.support.failing import VanishingMasters
from tests.support.files import sha256_of
from tests.support.masters import H264, Shot, pan, write_master
from tests.support.studio import generated_png

pytest.importorskip("av")


@pytest.fixture
def video(tmp_path: Path, ledger: Ledger, settings: Settings) -> Path:
    """A camera video recorded, unswept, beside a generated picture with its fingerprint."""
    generated_png(tmp_path / "shots" / "gen.png", 1)
    path = write_master(tmp_path / "shots" / "take.mp4", [Shot(1.0, pan(3))], H264)
    run_scan(plan_scan([tmp_path / "shots"], settings), ledger, settings, fingerprints=False)
    fingerprint_assets(ledger, [sha256_of(tmp_path / "shots" / "gen.png")], workers=1)
    assert ledger.segments.missing(rule=SWEEP_RULE) == [(sha256_of(path), str(path))]
    return path


@pytest.fixture
def sweeper(video: Path, monkeypatch: pytest.MonkeyPatch) -> VanishingMasters:
    vanishing = VanishingMasters(video)
    monkeypatch.setattr(master, "scan_master", vanishing)
    return vanishing


def stored(ledger: Ledger, path: Path) -> SegmentIn:
    [record] = ledger.segments.many([sha256_of(path)])[sha256_of(path)]
    return record


def test_a_failed_sweep_is_kept_and_tried_again_only_after_its_wait(
    ledger: Ledger, video: Path, sweeper: VanishingMasters
) -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    check_masters(ledger, retry=backoff)
    record = stored(ledger, video)
    assert record.status == "error" and record.rule == SWEEP_RULE
    assert str(record.reason).endswith("(failed once; tried again later)")
    assert ledger.segments.missing(rule=SWEEP_RULE) == []

    clock.now += 59
    check_masters(ledger, retry=backoff)
    assert sweeper.asked == [video.name]
    clock.now += 1
    check_masters(ledger, retry=backoff)
    assert sweeper.asked == [video.name] * 2
    assert "(failed 2 times in a row; tried again later)" in str(stored(ledger, video).reason)

    clock.now += 120
    sweeper.failing.clear()  # the share is back
    check_masters(ledger, retry=backoff)
    assert sweeper.asked == [video.name] * 3
    assert stored(ledger, video) == SegmentIn(sha256_of(video), *ledger.segments.through(),
                                              rule=SWEEP_RULE)  # fmt: skip
    assert backoff.waiting() == 0 and ledger.segments.failed(rule=SWEEP_RULE) == []


def test_a_sweep_that_keeps_failing_is_given_up_even_across_restarts(
    ledger: Ledger, video: Path, sweeper: VanishingMasters
) -> None:
    check_masters(ledger, retry=RetryBackoff(first=60, clock=Clock(), attempts=2))
    clock = Clock()
    restarted = RetryBackoff(first=60, clock=clock, attempts=2)
    check_masters(ledger, retry=restarted)
    assert sweeper.asked == [video.name]  # its wait goes on after the restart
    clock.now += 60
    check_masters(ledger, retry=restarted)
    assert "(failed 2 times in a row; not tried again)" in str(stored(ledger, video).reason)
    clock.now += 24 * 3600
    check_masters(ledger, retry=restarted)
    check_masters(ledger, retry=RetryBackoff(first=60, clock=Clock(), attempts=2))
    assert sweeper.asked == [video.name] * 2


def test_without_a_backoff_a_failed_sweep_is_not_stored(
    ledger: Ledger, video: Path, sweeper: VanishingMasters
) -> None:
    check_masters(ledger)  # a scan's one-off pass
    assert ledger.segments.many([sha256_of(video)]) == {}
    assert ledger.segments.missing(rule=SWEEP_RULE) != []


def test_what_the_file_says_is_final_and_what_the_host_says_may_pass() -> None:
    through = (1, 1)
    gone = UnreadableFile("cannot read video (No such file or directory)")
    assert failed_record("a", through, gone).status == "error"
    assert failed_record("a", through, UndecodableVideo("cannot decode video")).status == (
        "undecodable"
    )
    assert failed_record("a", through, UnsupportedVideo("no video stream")).status == "unsupported"
    slow = MasterScan((), 10, 5.0, 60.0, "decoding was too slow", None, may_pass=True)
    damaged = MasterScan((), 10, 5.0, 60.0, "3 damaged packets", None)
    assert [r.status for r in as_records("a", slow, through)] == ["error"]
    assert [r.status for r in as_records("a", damaged, through)] == ["undecodable"]


def test_a_sweep_whose_clock_runs_out_may_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_master(tmp_path / "take.mp4", [Shot(1.0, pan(3))], H264)
    monkeypatch.setattr(sweep, "BASE_SECONDS", -1.0)  # a host too busy to keep up
    scan = master.scan_master(path, master.Lookup(None, None))
    assert scan.incomplete is not None and scan.incomplete.startswith("decoding was too slow")
    assert scan.may_pass
    monkeypatch.undo()
    assert not master.scan_master(path, master.Lookup(None, None)).may_pass


def test_the_audit_does_not_take_a_stored_failure_as_an_answer(
    ledger: Ledger, settings: Settings, video: Path
) -> None:
    failure = SegmentIn(sha256_of(video), *ledger.segments.through(), "error",
                        reason="cannot read video (failed once; tried again later)",
                        rule=SWEEP_RULE)  # fmt: skip
    ledger.segments.save([failure])
    report = audit(video.parent, ledger, settings, AuditOptions())
    [result] = [f for f in report.files if f.path == video.name]
    assert result.verdict == "warn"  # provenance unknown: not blocked as a video not swept
    assert not [r for r in result.reasons if "generated material" in r]
    assert stored(ledger, video).status == "ok"  # swept again, and kept
