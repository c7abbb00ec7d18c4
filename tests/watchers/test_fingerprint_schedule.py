"""The daemon's fingerprint passes run when there may be work, and back off from failures."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import pytest

from provenance.likeness import stage as fingerprinting
from provenance.likeness.fingerprint import FingerprintResult, fingerprint_file
from provenance.likeness.retry import RetryBackoff
from provenance.store import Ledger
from provenance.watchers import fingerprints as watched
from provenance.watchers.fingerprints import FingerprintSchedule
from tests.support.clocks import Clock
from tests.support.files import sha256_of
from tests.support.studio import generated_png
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, running


def test_the_first_pass_is_due_at_once() -> None:
    assert FingerprintSchedule(clock=Clock()).due()


def test_no_pass_without_news_until_the_sweep() -> None:
    clock = Clock()
    schedule = FingerprintSchedule(sweep_every=900, clock=clock)
    schedule.begin()
    clock.now += 899
    assert not schedule.due()
    clock.now += 1
    assert schedule.due()


def test_something_recorded_makes_a_pass_due() -> None:
    clock = Clock()
    schedule = FingerprintSchedule(clock=clock)
    schedule.begin()
    schedule.want()
    assert schedule.due()
    schedule.begin()
    assert not schedule.due()


@pytest.mark.parametrize("step", ["retry", "describe_retry", "region_retry", "sweep_retry"])
def test_a_retry_running_out_makes_a_pass_due(step: str) -> None:
    clock = Clock()
    schedule = FingerprintSchedule(sweep_every=900, clock=clock)
    schedule.begin()
    backoff: RetryBackoff = getattr(schedule, step)
    backoff.failed("a")
    assert not schedule.due()
    clock.now += 60
    assert schedule.due()


class FlakyDecoder:
    """Stands in for the fingerprint pool: files named ``failing*`` fail, the rest decode."""

    def __init__(self, failing: str = "broken") -> None:
        self.tries: Counter[str] = Counter()
        self.failing = failing
        self._lock = threading.Lock()

    def __call__(self, paths: Iterable[str], **_: object) -> Iterator[FingerprintResult]:
        for path in paths:
            with self._lock:
                self.tries[Path(path).name] += 1
            if Path(path).name.startswith(self.failing):
                yield FingerprintResult(path, "error", reason=f"cannot read {path}")
            else:
                yield fingerprint_file(path)


def test_the_daemon_does_not_retry_a_failure_at_every_heartbeat(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoder = FlakyDecoder()
    monkeypatch.setattr(fingerprinting, "fingerprint_files", decoder)
    with running(ledger, fast_settings(ledger_url), [root]) as handle:
        generated_png(root / "broken.png", 1)
        wait_for(lambda: handle.daemon.snapshot()["queue"]["fingerprint_retries"] == 1,  # type: ignore[index]
                 message="the failure to wait for its retry")  # fmt: skip
        later = generated_png(root / "later.png", 2)
        wait_for(
            lambda: ledger.fingerprints.status_of(sha256_of(later)) == "ok", message="later.png"
        )
    assert decoder.tries == {"broken.png": 1, "later.png": 1}


def test_a_failure_one_daemon_stored_is_tried_by_the_next(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoder = FlakyDecoder()
    monkeypatch.setattr(fingerprinting, "fingerprint_files", decoder)
    with running(ledger, fast_settings(ledger_url), [root]):
        broken = generated_png(root / "broken.png", 1)
        wait_for(lambda: ledger.fingerprints.status_of(sha256_of(broken)) == "error",
                 message="the failure to be stored")  # fmt: skip
    # The next daemon (its backoff short, the share back) takes the stored failure up.
    monkeypatch.setattr(watched, "RetryBackoff", partial(RetryBackoff, first=0.01))
    monkeypatch.setattr(fingerprinting, "fingerprint_files", FlakyDecoder(failing="nothing"))
    with running(ledger, fast_settings(ledger_url), [root]):
        wait_for(lambda: ledger.fingerprints.status_of(sha256_of(broken)) == "ok",
                 message="the stored failure to be tried again")  # fmt: skip
    assert decoder.tries == {"broken.png": 1}
