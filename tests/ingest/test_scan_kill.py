"""`provenance scan` killed with SIGKILL mid-run: nothing committed is lost, a re-scan completes.

The scan and its worker processes are killed together (their whole process
group, as a power cut or the OOM killer would), after a few of its
transactions have committed. What was committed must be whole (every asset
with its location and its one ``detected`` event), the chain must verify,
and scanning again must record exactly the files that were missing, once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.store import AssetQuery, Ledger
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for

FILES = 1_500
BATCH = 16  # files a transaction: many commits before the kill


def _tree(root: Path) -> Path:
    for n in range(FILES):
        path = root / f"shot{n % 40:02d}" / f"frame.{n:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(unique_bytes(f"kill{n}"))
    return root


def _scan(tree: Path, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PROVENANCE_BATCH_SIZE": str(BATCH)}
    command = [sys.executable, "-m", "provenance", "scan", str(tree), "--db", url, "--json"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def _whole(ledger: Ledger) -> int:
    """The number of assets, after checking each has its location and one detected event."""
    report = ledger.events.verify()
    assert report.ok, report.problem
    counts = ledger.assets.totals()
    assets = ledger.assets.list(AssetQuery())
    assert counts["locations"] == counts["events"] == len(assets)
    for asset in assets[:: max(1, len(assets) // 50)]:
        assert [e.type for e in ledger.events.of(asset.sha256)] == ["detected"]
    return len(assets)


@pytest.mark.slow
def test_scan_killed_midway_loses_nothing_and_a_rescan_completes(
    tmp_path: Path, ledger_url: str
) -> None:
    tree = _tree(tmp_path / "tree")
    with Ledger(ledger_url) as ledger:
        scan = _scan(tree, ledger_url)
        try:
            wait_for(
                lambda: ledger.assets.totals()["events"] >= 4 * BATCH, 120, "a few batches recorded"
            )
            os.killpg(scan.pid, signal.SIGKILL)
        finally:
            scan.communicate(timeout=60)
        assert scan.returncode == -signal.SIGKILL
        before = _whole(ledger)
        assert before < FILES, "the kill came too late to test anything"
        again = _scan(tree, ledger_url)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        summary = json.loads(out)
        assert (summary["newly_ingested"], summary["unchanged"]) == (FILES - before, before)
        assert _whole(ledger) == FILES
