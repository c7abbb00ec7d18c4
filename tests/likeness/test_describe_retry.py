"""A generated picture whose description fails is described again after a doubling wait.

The watch daemon's fingerprint pass also describes generated pictures for the
region index. A description that fails for a reason that may pass (``error``:
a worker killed, out of memory) is stored by the daemon with its count, as a
fingerprint's is: without a backoff the daemon described the picture again at
every pass, so one picture that kills its worker every time kept a core busy
for ever; and without the row, a restart forgot the count and started over, so
such a picture was described again for ever, a day at a time. A scan (no
backoff) stores nothing, so a later pass tries again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.likeness import stage as fingerprinting
from provenance.likeness.retry import ATTEMPTS, RetryBackoff, failures_in
from provenance.likeness.stage import describe_generated
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.clocks import Clock
from tests.support.failing import CrashingDescriber
from tests.support.files import sha256_of
from tests.support.studio import recorded_images

Failing = tuple[Path, CrashingDescriber]
"""A generated picture recorded without its description, and the describer failing on it."""


@pytest.fixture
def failing(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Failing:
    [broken] = recorded_images(tmp_path, ledger, settings, 1)
    describer = CrashingDescriber(broken)
    monkeypatch.setattr(fingerprinting, "describe_files", describer)
    return broken, describer


def test_a_failed_description_waits_before_it_is_tried_again(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, fine = recorded_images(tmp_path, ledger, settings, 2)
    describer = CrashingDescriber(broken)
    monkeypatch.setattr(fingerprinting, "describe_files", describer)
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)

    assert describe_generated(ledger, retry=backoff) == 1
    assert sorted(describer.asked) == sorted([broken.name, fine.name])
    assert ledger.features.missing(None, ("image",), limit=10) == []  # the error is stored
    assert failures_in(_reason(ledger, sha256_of(broken))) == 1  # with its count

    describer.asked.clear()
    assert describe_generated(ledger, retry=backoff) == 0
    assert describer.asked == []  # its wait has not run out: not described again
    clock.now += 60
    describer.failing.clear()  # the worker's trouble passed
    assert describe_generated(ledger, retry=backoff) == 1
    assert describer.asked == [broken.name]
    assert backoff.waiting() == 0
    assert ledger.features.status_of(sha256_of(broken)) == "ok"
    assert ledger.features.missing(None, ("image",), limit=10) == []


def test_without_a_backoff_every_pass_tries_again(ledger: Ledger, failing: Failing) -> None:
    broken, describer = failing
    describe_generated(ledger)
    describe_generated(ledger)
    assert describer.asked == [broken.name, broken.name]  # a scan's one-off pass, twice
    assert ledger.features.status_of(sha256_of(broken)) is None  # a scan stores nothing


def _reason(ledger: Ledger, sha: str) -> str:
    stored = ledger.features.of(sha)
    assert stored is not None and stored.status == "error" and stored.reason is not None
    return stored.reason


def test_a_restarted_daemon_goes_on_from_the_stored_count(ledger: Ledger, failing: Failing) -> None:
    broken, describer = failing
    describe_generated(ledger, retry=RetryBackoff(first=60, clock=Clock()))
    describe_generated(ledger, retry=RetryBackoff(first=60, clock=Clock()))  # restarted at once
    assert describer.asked == [broken.name]  # its wait, read from the row, has not run out

    clock = Clock()
    restarted = RetryBackoff(first=60, clock=clock)
    describe_generated(ledger, retry=restarted)  # takes the row's count and time up
    clock.now += 60
    describe_generated(ledger, retry=restarted)
    assert describer.asked == [broken.name, broken.name]
    assert failures_in(_reason(ledger, sha256_of(broken))) == 2  # counted on, not from 1


def test_a_picture_that_always_fails_stops_after_its_attempts(
    ledger: Ledger, failing: Failing
) -> None:
    broken, describer = failing
    for _ in range(ATTEMPTS + 2):  # a daemon restarted once each wait ran out
        clock = Clock()
        backoff = RetryBackoff(first=60, clock=clock)
        describe_generated(ledger, retry=backoff)
        clock.now += 10 * 3600
        describe_generated(ledger, retry=backoff)
    assert describer.asked == [broken.name] * ATTEMPTS
    assert "not tried again" in _reason(ledger, sha256_of(broken))
