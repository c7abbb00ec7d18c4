"""A generated picture whose description fails is described again after a doubling wait.

The watch daemon's fingerprint pass also describes generated pictures for the
region index. A description that fails for a reason that may pass (``error``:
a worker killed, out of memory) is not stored; without a backoff the daemon
described the picture again at every pass, so one picture that kills its
worker every time kept a core busy for ever.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.likeness import stage as fingerprinting
from provenance.likeness.retry import RetryBackoff
from provenance.likeness.stage import describe_generated
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.clocks import Clock
from tests.support.failing import CrashingDescriber
from tests.support.files import sha256_of
from tests.support.studio import recorded_images


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
    assert ledger.features.missing(None, ("image",), limit=10) != []  # the error is not stored

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


def test_without_a_backoff_every_pass_tries_again(
    tmp_path: Path, ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    [broken] = recorded_images(tmp_path, ledger, settings, 1)
    describer = CrashingDescriber(broken)
    monkeypatch.setattr(fingerprinting, "describe_files", describer)
    describe_generated(ledger)
    describe_generated(ledger)
    assert describer.asked == [broken.name, broken.name]  # a scan's one-off pass, twice
