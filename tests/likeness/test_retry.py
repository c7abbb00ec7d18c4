"""Failed fingerprinting is retried with a growing wait, and failing assets never hide the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from provenance.ingest.scan import plan_scan, run_scan
from provenance.likeness import stage as fingerprinting
from provenance.likeness.fingerprint import FingerprintResult
from provenance.likeness.retry import RetryBackoff
from provenance.likeness.stage import fingerprint_assets
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.clocks import Clock
from tests.support.files import sha256_of
from tests.support.studio import recorded_images


def test_each_failure_doubles_the_wait_up_to_the_longest() -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, longest=300, clock=clock)
    waits = []
    for _ in range(5):
        backoff.failed("a")
        due = backoff.next_due()
        assert due is not None
        waits.append(due - clock.now)
    assert waits == [60, 120, 240, 300, 300]


def test_an_asset_is_due_again_once_its_wait_runs_out() -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    assert backoff.due("a") and backoff.next_due() is None
    backoff.failed("a")
    assert not backoff.due("a") and backoff.due("b")
    clock.now += 59.9
    assert not backoff.due("a")
    clock.now += 0.1
    assert backoff.due("a")
    assert backoff.waiting() == 1


def test_a_final_status_forgets_the_failures() -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    backoff.failed("a")
    backoff.failed("a")
    backoff.forget("a")
    assert backoff.due("a") and backoff.waiting() == 0
    backoff.failed("a")
    assert backoff.next_due() == clock.now + 60  # starts again from the first wait


def test_many_failures_never_overflow() -> None:
    backoff = RetryBackoff(first=60, longest=3600, clock=Clock())
    for _ in range(2000):
        backoff.failed("a")
    assert backoff.next_due() == 1000.0 + 3600


def test_a_vanished_file_is_retried_only_after_its_wait(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    gone, kept = recorded_images(tmp_path, ledger, settings, 2)
    content = gone.read_bytes()
    gone.unlink()  # the ledger still thinks it is there: fingerprinting it fails
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)

    first = fingerprint_assets(ledger, retry=backoff)
    assert (first.assets, first.fingerprinted) == (2, 1)
    assert ledger.fingerprints.status_of(sha256_of(kept)) == "ok"
    [failed] = ledger.fingerprints.failed()  # kept, with its count, for a restarted daemon
    assert failed.sha256 == hashlib.sha256(content).hexdigest()
    assert failed.reason is not None and failed.reason.endswith("(failed once; tried again later)")
    assert fingerprint_assets(ledger, retry=backoff).assets == 0

    clock.now += 60
    assert fingerprint_assets(ledger, retry=backoff).assets == 1  # fails again: now 120 s
    clock.now += 60
    assert fingerprint_assets(ledger, retry=backoff).assets == 0
    clock.now += 60
    gone.write_bytes(content)  # the share is back
    assert fingerprint_assets(ledger, retry=backoff).fingerprinted == 1
    assert backoff.waiting() == 0
    assert ledger.fingerprints.status_of(sha256_of(gone)) == "ok"


def test_failing_assets_do_not_hide_the_ones_after_them(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprinting, "PAGE", 2)
    images = recorded_images(tmp_path, ledger, settings, 5)
    for image in images[:3]:  # the first page and a half, in the order the ledger lists them
        image.unlink()
    backoff = RetryBackoff(clock=Clock())
    report = fingerprint_assets(ledger, retry=backoff)
    assert (report.assets, report.fingerprinted, backoff.waiting()) == (5, 2, 3)
    assert [ledger.fingerprints.status_of(sha256_of(i)) for i in images[3:]] == ["ok", "ok"]


def test_a_pass_stops_when_asked(tmp_path: Path, ledger: Ledger, settings: Settings) -> None:
    recorded_images(tmp_path, ledger, settings, 3)
    report = fingerprint_assets(ledger, stop=lambda: True)
    assert report.assets == 1
    assert fingerprint_assets(ledger).assets == 2  # what the first pass saved is kept


def test_a_damaged_picture_is_recorded_once_and_not_retried(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    [damaged] = recorded_images(tmp_path, ledger, settings, 1)
    damaged.write_bytes(damaged.read_bytes()[:200])  # the ledger's record is of these bytes now
    run_scan(plan_scan([damaged], settings), ledger, settings, fingerprints=False)
    sha = sha256_of(damaged)
    backoff = RetryBackoff(clock=Clock())
    assert fingerprint_assets(ledger, [sha], retry=backoff).assets == 1
    assert ledger.fingerprints.status_of(sha) == "undecodable"
    assert backoff.waiting() == 0
    assert fingerprint_assets(ledger, [sha], retry=backoff).assets == 0


def test_a_failure_that_may_pass_is_recorded_after_the_last_attempt(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    [gone] = recorded_images(tmp_path, ledger, settings, 1)
    sha = sha256_of(gone)
    gone.unlink()
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock, attempts=3)
    for count, wait in (("once", 60), ("2 times in a row", 120)):
        assert fingerprint_assets(ledger, retry=backoff).assets == 1
        [stored] = ledger.fingerprints.many([sha]).values()  # tried again after the wait
        assert stored.reason is not None
        assert stored.reason.endswith(f"(failed {count}; tried again later)")
        clock.now += wait
    assert fingerprint_assets(ledger, retry=backoff).assets == 1
    [stored] = ledger.fingerprints.many([sha]).values()
    assert stored.status == "error" and stored.reason is not None
    assert (
        "failed 3 times in a row; not tried again" in stored.reason and str(gone) in stored.reason
    )
    assert backoff.waiting() == 0
    clock.now += 24 * 3600
    assert fingerprint_assets(ledger, retry=backoff).assets == 0


def test_a_missing_decoder_is_waited_for_without_end(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    [image] = recorded_images(tmp_path, ledger, settings, 1)

    def unavailable(paths: Iterable[str], **_: object) -> Iterator[FingerprintResult]:
        return (FingerprintResult(p, "unavailable", reason="no decoder") for p in paths)

    monkeypatch.setattr(fingerprinting, "fingerprint_files", unavailable)
    clock = Clock()
    backoff = RetryBackoff(first=60, longest=60, clock=clock, attempts=2)
    for _ in range(4):
        assert fingerprint_assets(ledger, retry=backoff).assets == 1
        clock.now += 60
    assert ledger.fingerprints.status_of(sha256_of(image)) is None


def test_a_failure_whose_file_is_gone_stops_waiting(
    tmp_path: Path, ledger: Ledger, settings: Settings
) -> None:
    """Its row is no longer this host's to retry: the wait is dropped, or a pass would be due
    at every heartbeat for ever (the daemon asks the backoffs when the next one runs out)."""
    gone, kept = recorded_images(tmp_path, ledger, settings, 2)
    gone.unlink()
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    fingerprint_assets(ledger, retry=backoff)
    assert backoff.waiting() == 1
    ledger.record_removed([str(gone)])
    clock.now += 60

    fingerprint_assets(ledger, shas=[sha256_of(kept)], retry=backoff)
    assert backoff.waiting() == 1  # a pass over some assets says nothing of the others
    assert fingerprint_assets(ledger, retry=backoff).assets == 0
    assert backoff.waiting() == 0 and backoff.next_due() is None
