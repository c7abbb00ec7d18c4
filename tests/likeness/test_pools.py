"""One set of decoding workers for every step of a pass (provenance.likeness.pools)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from PIL.PngImagePlugin import PngInfo

from provenance.ingest.scan import scan
from provenance.likeness import pools
from provenance.likeness.fingerprint import in_workers, process_pool, sharing_workers
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.util.workpool import processes_available
from tests.support.failing import crash_fingerprinting
from tests.support.files import sha256_of
from tests.support.reframing import save, textured

CRASH = -1  # an item that kills the worker handling it, as a native decoder's segfault does


def pids(items: list[int]) -> list[int]:
    """One step's task: the worker's process id for each item (killing it on ``CRASH``)."""
    if CRASH in items:
        os._exit(70)
    return [os.getpid() for _ in items]


def crashed(_: int) -> int:
    """The result for an item whose worker died."""
    return 0


def step(count: int = 8, crash: bool = False) -> set[int]:
    """Run one step of ``count`` items on two workers (and one that kills its worker, with
    ``crash``); the workers' process ids."""
    items = list(range(count)) + ([CRASH] if crash else [])
    done = list(in_workers(pids, items, crashed, workers=2, name="test", window=1))
    assert done.count(0) == crash  # only the killing item has no answer
    return set(done) - {0}


def alive(pid: int) -> bool:
    """Whether process ``pid`` is still there (a pool shut down has joined its workers)."""
    return Path(f"/proc/{pid}").exists()


def test_steps_of_a_pass_share_their_workers_and_the_pass_ends_them() -> None:
    with sharing_workers():
        first, second = step(), step()
        assert first == second
        assert os.getpid() not in first
    assert not any(alive(pid) for pid in first)


def test_outside_a_pass_every_step_has_workers_of_its_own() -> None:
    assert step().isdisjoint(step())
    assert isinstance(process_pool(1), ProcessPoolExecutor)


def test_a_crash_costs_its_step_its_workers_and_the_next_step_gets_new_ones() -> None:
    with sharing_workers():
        before = step()
        step(crash=True)  # the step's other items are all done
        after = step()  # every item answered: not a broken pool's refusals
    assert before.isdisjoint(after)


def test_a_lease_shut_down_ends_its_own_work_only() -> None:
    with sharing_workers() as shared:
        lease = shared.lease(2)
        other = shared.lease(2)
        waiting = [lease.submit(time.sleep, 0.2) for _ in range(8)]
        kept = other.submit(os.getpid)
        lease.shutdown(wait=True, cancel_futures=True)
        assert any(f.cancelled() for f in waiting)  # not started: dropped
        assert all(f.done() for f in waiting)
        assert kept.result(timeout=30) > 0
        assert shared.lease(2).submit(os.getpid).result(timeout=30) > 0  # the pool goes on


def test_a_nested_pass_uses_the_outer_pass_workers() -> None:
    with sharing_workers() as outer:
        first = step()
        with sharing_workers() as inner:
            assert inner is outer
            assert step() == first
        assert pools.current() is outer
        assert step() == first  # the inner pass did not end them
    assert pools.current() is None


def test_pools_are_kept_by_their_number_of_workers() -> None:
    with sharing_workers():
        two = step()
        one = set(in_workers(pids, list(range(4)), crashed, workers=1, name="test", window=1))
        assert len(one) == 1
        assert one.isdisjoint(two)
        assert step() == two


@pytest.mark.skipif(not processes_available(), reason="the crash is injected into forked workers")
def test_a_scan_whose_fingerprints_lost_a_worker_still_describes_its_generated_pictures(
    ledger: Ledger, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The describing step after a crash gets working workers, not the broken pool."""
    info = PngInfo()
    info.add_text("parameters", "a castle at dusk\nSteps: 20, Sampler: Euler a, Seed: 1")
    show = tmp_path / "show"
    generated = [save(textured(seed, (640, 360)), show / f"gen{seed}.png", pnginfo=info)
                 for seed in (1, 2)]  # fmt: skip
    save(textured(3, (640, 360)), show / "crash.png")
    crash_fingerprinting(monkeypatch, "crash.png")
    scan([show], ledger, settings)

    for path in generated:
        assert ledger.fingerprints.status_of(sha256_of(path)) == "ok"
        assert ledger.features.status_of(sha256_of(path)) == "ok"
    assert ledger.fingerprints.status_of(sha256_of(show / "crash.png")) != "ok"
