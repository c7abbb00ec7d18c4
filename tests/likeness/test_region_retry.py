"""A region check that fails for a reason that may pass is retried by the daemon, doubling its wait.

A picture that is not generated is checked once for generated pictures
inside it (``ledger.regions``). A check that fails for a reason that may pass
(``error``: the file could not be read, a worker killed or out of memory) is
stored by the watch daemon with its count, as a fingerprint's is
(:mod:`provenance.likeness.retry`), tried again after a doubling wait, given
up after its attempts, and taken up again by a daemon that restarts. Before,
such a failure was stored as ``undecodable`` for good (the describing pool
called a crash or a memory budget run out so), and ``history`` and
``ls --looks-like`` never learnt what the picture holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from provenance.ingest.scan import plan_scan, run_scan
from provenance.likeness import describe, stage_checks
from provenance.likeness.describe import Described, describe_chunk, describe_files
from provenance.likeness.retry import RetryBackoff
from provenance.likeness.stage import describe_generated
from provenance.likeness.stage_checks import check_regions
from provenance.likeness.versions import REGION_RULE
from provenance.settings import Settings
from provenance.store import Ledger, RegionCheckIn
from tests.support.clocks import Clock
from tests.support.failing import CrashingDescriber
from tests.support.files import sha256_of
from tests.support.studio import camera_jpeg, generated_png


@pytest.fixture
def plate(tmp_path: Path, ledger: Ledger, settings: Settings) -> Path:
    """A camera picture recorded beside a generated one that is described: a check to make."""
    generated_png(tmp_path / "shots" / "gen.png", 1)
    path = camera_jpeg(tmp_path / "shots" / "plate.jpg", 2)
    run_scan(plan_scan([tmp_path / "shots"], settings), ledger, settings, fingerprints=False)
    assert describe_generated(ledger) == 1
    return path


@pytest.fixture
def describer(plate: Path, monkeypatch: pytest.MonkeyPatch) -> CrashingDescriber:
    crashing = CrashingDescriber(plate)
    monkeypatch.setattr(stage_checks, "describe_files", crashing)
    return crashing


def stored(ledger: Ledger, path: Path) -> RegionCheckIn:
    return ledger.regions.many([sha256_of(path)])[sha256_of(path)]


def test_a_failed_check_is_kept_and_tried_again_only_after_its_wait(
    ledger: Ledger, plate: Path, describer: CrashingDescriber
) -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    check_regions(ledger, retry=backoff)
    assert describer.asked == [plate.name]
    check = stored(ledger, plate)
    assert check.status == "error" and check.rule == REGION_RULE
    assert str(check.reason).endswith("(failed once; tried again later)")
    assert ledger.regions.missing(limit=10, rule=REGION_RULE) == []

    clock.now += 59
    check_regions(ledger, retry=backoff)
    assert describer.asked == [plate.name]  # its wait has not run out
    clock.now += 1
    check_regions(ledger, retry=backoff)
    assert describer.asked == [plate.name] * 2
    assert str(stored(ledger, plate).reason).endswith(
        "(failed 2 times in a row; tried again later)"
    )

    clock.now += 119
    check_regions(ledger, retry=backoff)
    assert len(describer.asked) == 2  # the wait doubled
    clock.now += 1
    describer.failing.clear()  # the trouble passed
    check_regions(ledger, retry=backoff)
    assert len(describer.asked) == 3
    check = stored(ledger, plate)
    assert (check.status, check.reason) == ("ok", None)  # the answer replaced the failure
    assert backoff.waiting() == 0 and ledger.regions.failed(rule=REGION_RULE) == []


def test_a_check_that_keeps_failing_is_given_up(
    ledger: Ledger, plate: Path, describer: CrashingDescriber
) -> None:
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock, attempts=3)
    for wait in (0, 60, 120):
        clock.now += wait
        check_regions(ledger, retry=backoff)
    assert len(describer.asked) == 3
    assert str(stored(ledger, plate).reason).endswith("(failed 3 times in a row; not tried again)")
    assert backoff.waiting() == 0
    clock.now += 24 * 3600
    check_regions(ledger, retry=backoff)
    restarted = RetryBackoff(first=60, clock=Clock(), attempts=3)
    check_regions(ledger, retry=restarted)
    assert len(describer.asked) == 3 and restarted.waiting() == 0


def test_a_restarted_daemon_takes_a_stored_failure_up_where_it_was(
    ledger: Ledger, plate: Path, describer: CrashingDescriber
) -> None:
    check_regions(ledger, retry=RetryBackoff(first=60, clock=Clock()))
    describer.failing.clear()  # the share is back, and the daemon restarted

    clock = Clock()
    restarted = RetryBackoff(first=60, clock=clock)
    check_regions(ledger, retry=restarted)
    assert describer.asked == [plate.name] and restarted.waiting() == 1  # its wait goes on
    clock.now += 60
    check_regions(ledger, retry=restarted)
    assert describer.asked == [plate.name] * 2
    assert stored(ledger, plate).status == "ok" and restarted.waiting() == 0


def test_without_a_backoff_a_failure_is_not_stored_and_the_next_pass_tries_again(
    ledger: Ledger, plate: Path, describer: CrashingDescriber
) -> None:
    check_regions(ledger)  # a scan's one-off pass
    assert ledger.regions.many([sha256_of(plate)]) == {}
    describer.failing.clear()
    check_regions(ledger)
    assert describer.asked == [plate.name] * 2 and stored(ledger, plate).status == "ok"


def test_a_picture_that_cannot_be_read_now_is_an_error_not_undecodable(tmp_path: Path) -> None:
    gone = tmp_path / "gone.jpg"  # the share went away: it may come back
    [described] = describe_chunk([str(gone)], mirror=True)
    assert described.status == "error"
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)  # bytes that never decode
    [described] = describe_chunk([str(damaged)], mirror=True)
    assert described.status == "undecodable"


def test_a_worker_that_dies_gives_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Killed by the OOM killer as well as by a hostile file: tried again, a few times.
    def every_worker_dies(
        task: object, paths: Iterable[str], crashed: Callable[[str], Described], *_: object
    ) -> Iterator[Described]:
        return map(crashed, paths)

    monkeypatch.setattr(describe, "in_workers", every_worker_dies)
    [described] = describe_files(["/any.png"])
    assert described.status == "error"


def test_a_failure_whose_file_is_gone_stops_waiting(
    ledger: Ledger, plate: Path, describer: CrashingDescriber
) -> None:
    """Its row is no longer this host's to retry: the wait is dropped, or a pass would be due
    at every heartbeat for ever (the daemon asks the backoffs when the next one runs out)."""
    clock = Clock()
    backoff = RetryBackoff(first=60, clock=clock)
    check_regions(ledger, retry=backoff)
    assert backoff.waiting() == 1
    plate.unlink()
    ledger.record_removed([str(plate)])
    clock.now += 60
    check_regions(ledger, retry=backoff)
    assert describer.asked == [plate.name]  # not asked again: the file is gone
    assert backoff.waiting() == 0 and backoff.next_due() is None
