"""A burst of 5,000 frames into nested folders: every one recorded once, with its hash."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from provenance.store import AssetQuery, Ledger
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemons import fast_settings, present, running

FILES = 5_000


def write_burst(root: Path, count: int) -> dict[str, str]:
    """Write ``count`` small frames as fast as possible, in nested folders; path → SHA-256."""
    expected = {}
    for n in range(count):
        folder = root / f"seq{n % 5:02d}" / f"sh{(n // 5) % 20:03d}0"
        folder.mkdir(parents=True, exist_ok=True)
        data = unique_bytes(f"frame{n}", 128)
        path = folder / f"plate.{1001 + n:05d}.exr"
        path.write_bytes(data)
        expected[str(path)] = hashlib.sha256(data).hexdigest()
    return expected


@pytest.mark.slow
# watchdog warns when a folder made by `mkdir -p` gets its watch twice; harmless, and its own.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_burst_of_5000_files_all_recorded_once(root: Path, ledger: Ledger, ledger_url: str) -> None:
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        expected = write_burst(root, FILES)
        wait_for(lambda: len(present(ledger, root)) == FILES, 240, "all 5,000 files recorded")
        daemon.settled(60)
        counts = daemon.daemon.state.counts()
    events = ledger.events.list()
    detected = {e.path: e.asset_sha256 for e in events if e.type == "detected"}
    assert detected == expected, "every file recorded with the hash of its content"
    recorded = Counter(e.type for e in events if e.type != "sealed")  # likeness's writes
    assert recorded == {"detected": FILES}, "no duplicate events"
    assert len(ledger.assets.list(AssetQuery())) == FILES, "no duplicate assets"
    assert counts["errors"] == counts["handler_errors"] == 0
    assert ledger.events.verify().ok
