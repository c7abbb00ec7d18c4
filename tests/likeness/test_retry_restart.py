"""A failed fingerprint's retries survive a restart: the count and time are kept in its row.

Each test's "restart" is a new :class:`RetryBackoff` on a clock of its own, as
a watch daemon that starts again makes one (:class:`FingerprintSchedule`):
what it knows of earlier failures it can only have read from the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.likeness import stage as fingerprinting
from provenance.likeness.fingerprint import FingerprintResult, fingerprint_file
from provenance.likeness.retry import RetryBackoff, failures_in, noted
from provenance.likeness.stage import fingerprint_assets
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.clocks import Clock
from tests.support.files import sha256_of
from tests.support.studio import recorded_images


class CrashingWorker:
    """Stands in for the fingerprint pool: the named files fail as a killed worker does."""

    def __init__(self, *failing: Path) -> None:
        self.failing = {str(p) for p in failing}
        self.tries = 0

    def __call__(self, paths: Iterable[str], **_: object) -> Iterator[FingerprintResult]:
        for path in paths:
            self.tries += 1
            if path in self.failing:
                yield FingerprintResult(path, "error", reason=f"the worker died on {path}")
            else:
                yield fingerprint_file(path)


def reason_of(ledger: Ledger, sha: str) -> str:
    [stored] = ledger.fingerprints.many([sha]).values()
    assert stored.status == "error" and stored.reason is not None
    return stored.reason


def test_a_restarted_daemon_tries_a_stored_failure_again_after_its_wait(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    [image] = recorded_images(tmp_path, ledger, settings, 1)
    worker = CrashingWorker(image)
    monkeypatch.setattr(fingerprinting, "fingerprint_files", worker)
    assert fingerprint_assets(ledger, retry=RetryBackoff(first=60, clock=Clock())).assets == 1

    worker.failing.clear()  # the share is back, and the daemon restarted
    clock = Clock()
    restarted = RetryBackoff(first=60, clock=clock)
    assert fingerprint_assets(ledger, retry=restarted).assets == 0  # its wait goes on
    assert restarted.waiting() == 1
    clock.now += 60
    assert fingerprint_assets(ledger, retry=restarted).fingerprinted == 1
    assert ledger.fingerprints.status_of(sha256_of(image)) == "ok"
    assert restarted.waiting() == 0 and ledger.fingerprints.failed() == []


def test_the_count_goes_on_across_restarts_until_the_file_is_given_up(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, fine = recorded_images(tmp_path, ledger, settings, 2)
    worker = CrashingWorker(broken)
    monkeypatch.setattr(fingerprinting, "fingerprint_files", worker)
    assert fingerprint_assets(ledger, retry=RetryBackoff(clock=Clock(), attempts=3)).assets == 2
    for wait in (60, 120):  # a daemon that dies with the file each time, say
        clock = Clock()
        backoff = RetryBackoff(first=60, clock=clock, attempts=3)
        assert fingerprint_assets(ledger, retry=backoff).assets == 0
        clock.now += wait
        assert fingerprint_assets(ledger, retry=backoff).assets == 1
    assert "(failed 3 times in a row; not tried again)" in reason_of(ledger, sha256_of(broken))
    assert ledger.fingerprints.status_of(sha256_of(fine)) == "ok"

    tries, clock = worker.tries, Clock()
    given_up = RetryBackoff(first=60, clock=clock, attempts=3)
    clock.now += 24 * 3600
    assert fingerprint_assets(ledger, retry=given_up).assets == 0
    assert given_up.waiting() == 0 and worker.tries == tries


def test_a_daemon_down_for_longer_than_the_wait_tries_at_once() -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    backoff.resume("late", 3, elapsed=600.0)  # its 240 s ran out while nothing ran
    backoff.resume("soon", 3, elapsed=40.0)
    assert backoff.due_now() == ["late"]
    clock.now += 200
    assert backoff.due_now() == ["late", "soon"]
    assert backoff.failed("soon") == 4  # the count goes on from the stored one


def test_what_a_backoff_already_follows_is_not_taken_back_from_the_ledger() -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    backoff.failed("a")
    backoff.resume("a", 5, elapsed=10_000.0)
    assert backoff.due_now() == [] and backoff.failed("a") == 2


def test_a_row_written_without_a_count_is_tried_at_once() -> None:
    backoff = RetryBackoff(first=60, clock=Clock())
    backoff.resume("a", failures_in("cannot read /a"), elapsed=0.0)
    assert backoff.due_now() == ["a"]


def test_an_old_release_s_given_up_row_gets_the_attempts_it_has_left() -> None:
    old = "cannot read /a (failed 8 times in a row; not tried again)"
    assert failures_in(old) == 8
    assert failures_in(noted("cannot read /a", 12, attempts=12)) == 12
    assert noted("x", 12, attempts=12).endswith("not tried again)")


@given(st.text(), st.integers(min_value=1, max_value=10**6))
def test_the_count_reads_back_from_any_reason(reason: str, failures: int) -> None:
    assert failures_in(noted(reason, failures)) == failures


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=50))
def test_a_file_named_like_a_count_does_not_change_the_count(named: int, failures: int) -> None:
    forged = noted("", named).removeprefix("failed")  # a file name ending like a stored count
    assert failures_in(noted(f"cannot read /share/x{forged}", failures)) == failures
