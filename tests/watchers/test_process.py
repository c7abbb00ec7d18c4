"""`provenance watch` as a process: kill -9 mid-burst, SIGTERM, SIGHUP, and a broken start."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.store import AssetQuery, Ledger
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for
from tests.watchers.daemon_process import ROOT, DaemonProcess, write_config
from tests.watchers.daemons import present

BURST = 3_000


@pytest.fixture
def local_ledger(ledger_url: str) -> Iterator[Ledger]:
    """The test ledger as this machine's daemons see it (this host's name, not testhost)."""
    with Ledger(ledger_url) as opened:
        yield opened


def _writer(root: Path, count: int) -> tuple[threading.Thread, set[str]]:
    paths = {str(root / f"s{n % 10}" / f"frame.{n:05d}.bin") for n in range(count)}

    def write() -> None:
        for n in range(count):
            path = root / f"s{n % 10}" / f"frame.{n:05d}.bin"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(unique_bytes(f"burst{n}"))

    return threading.Thread(target=write, name="test-writer"), paths


@pytest.mark.slow
def test_kill_9_mid_burst_then_restart_loses_and_duplicates_nothing(
    root: Path, tmp_path: Path, local_ledger: Ledger, ledger_url: str
) -> None:
    ledger = local_ledger
    config = write_config(tmp_path / "watch.toml", ledger_url)
    log = tmp_path / "daemon.log"
    first = DaemonProcess(config, root, log=log)
    try:
        first.wait_running(ledger)
        writer, paths = _writer(root, BURST)
        writer.start()
        wait_for(lambda: len(present(ledger, root)) >= 300, 120, "part of the burst recorded")
        first.kill()
        writer.join(120)
    finally:
        first.stop()
    assert len(present(ledger, root)) < BURST, "the kill came too late to test anything"
    second = DaemonProcess(config, root, log=log)
    try:
        second.wait_running(ledger)
        wait_for(lambda: present(ledger, root) == paths, 180, "the whole burst after restart")
    finally:
        assert second.stop() == 0, log.read_text()[-3000:]
    events = ledger.events.list()
    assert Counter(e.type for e in events) == {"detected": BURST}
    assert max(Counter(e.path for e in events).values()) == 1
    assert len(ledger.assets.list(AssetQuery())) == BURST
    assert ledger.events.verify().ok


def test_sigterm_drains_then_sighup_reloads(
    tmp_path: Path, local_ledger: Ledger, ledger_url: str
) -> None:
    ledger = local_ledger
    first_root, second_root = tmp_path / "a", tmp_path / "b"
    first_root.mkdir()
    second_root.mkdir()
    config = write_config(tmp_path / "watch.toml", ledger_url, [first_root])
    daemon = DaemonProcess(config, log=tmp_path / "daemon.log")
    try:
        daemon.wait_running(ledger, roots=1)
        write_config(config, ledger_url, [first_root, second_root])
        daemon.signal(signal.SIGHUP)
        daemon.wait_running(ledger, roots=2)
        target = second_root / "late.bin"
        target.write_bytes(unique_bytes("late"))
        wait_for(lambda: str(target) in present(ledger, second_root), 30, "the reloaded root")
        last = first_root / "last.bin"
        last.write_bytes(unique_bytes("last"))
    finally:
        code = daemon.stop()
    assert code == 0
    assert str(last) in present(ledger, first_root), "SIGTERM drained the queue first"
    lines = [json.loads(line) for line in (tmp_path / "daemon.log").read_text().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any("reloading settings" in line["message"] for line in lines)
    final = next(d for d in ledger.daemons.list() if d.pid == daemon.process.pid)
    assert final.state["phase"] == "stopped"


def test_watch_exits_non_zero_when_the_ledger_is_unusable(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "provenance", "watch", str(tmp_path), "--db", "mysql://nope/x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Error: unsupported database" in done.stderr


def test_watch_without_roots_says_what_to_do(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "provenance", "watch", "--db", f"sqlite:///{tmp_path}/l.db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "nothing to watch" in done.stderr and "[[watch]]" in done.stderr
