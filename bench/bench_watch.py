#!/usr/bin/env python3
"""Benchmark: the watch daemon under a burst, next to `provenance scan` of the same files.

Runs, in one go and on the same machine:

1. ``provenance watch`` (a subprocess, default settings, fresh SQLite ledger)
   on an empty folder; then a burst of ``--files`` files (default 10,000,
   ``--size`` bytes each, in nested folders) written as fast as one Python
   thread can. Measured: the time from the first write until the ledger holds
   every file, files/s, and for each file the latency from the moment its
   writer closed it to the ledger row (the ``detected`` event's time), p50
   and p99. The burst makes 500 new folders as it goes; a file written into
   a folder before the daemon's watch on it exists sends no close event and
   waits the settle window (2 s), which is what p99 shows. So latency is also
   measured for a trickle of ``--trickle`` files written 20 a second into
   folders that already exist, the everyday case of renders into a shot.
2. ``provenance scan`` of the same files into another fresh ledger: the
   baseline (same hashing and classifying, no watching or settling).
3. The daemon's resident memory (VmRSS) while watching a tree of ``--tree``
   files (default 100,000) already in the ledger, once idle after its
   start-up reconcile, natively and by polling.

    python bench/bench_watch.py                  # the full run (~5 min on 2 cores)
    python bench/bench_watch.py --files 2000 --tree 10000
    python bench/bench_watch.py --record         # also append the figures to bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_scan import machine  # noqa: E402

from provenance.store import Ledger  # noqa: E402
from provenance.watchers.status import DaemonStatus, root_rows  # noqa: E402

RESULTS = HERE / "RESULTS.md"


@dataclass
class BurstResult:
    """What the burst measured."""

    files: int
    write_seconds: float
    total_seconds: float
    latencies: list[float]
    scan_seconds: float
    trickle: list[float]

    def lines(self) -> list[str]:
        """The figures, one per line."""
        return [
            f"burst: {self.files} files written in {self.write_seconds:.2f} s",
            f"watch: all in the ledger {self.total_seconds:.2f} s after the first write "
            f"({self.files / self.total_seconds:.0f} files/s)",
            f"latency in the burst, file closed -> ledger row: {_percentiles(self.latencies)} "
            f"(the writer made {self.files / self.write_seconds:.0f} files/s: latency here is "
            "mostly the queue)",
            f"latency in a trickle of {len(self.trickle)} files at 20/s into existing folders: "
            f"{_percentiles(self.trickle)}",
            f"scan of the same files: {self.scan_seconds:.2f} s "
            f"({self.files / self.scan_seconds:.0f} files/s); watch/scan time ratio "
            f"{self.total_seconds / self.scan_seconds:.2f}",
        ]


def _percentiles(seconds: list[float]) -> str:
    p50 = statistics.median(seconds)
    p99 = statistics.quantiles(seconds, n=100)[98]
    return f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"


class Daemon:
    """``provenance watch`` in a subprocess."""

    def __init__(self, root: Path, db: str, config: Path, *extra: str) -> None:
        command = [sys.executable, "-m", "provenance", "watch", str(root), "--db", db]
        self.log = config.with_name(f"daemon-{root.name}.log")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--config", str(config), *extra],
                cwd=HERE.parent,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def idle(self, ledger: Ledger) -> bool:
        """True once idle; stops the benchmark if the daemon died."""
        if self.process.poll() is not None:
            raise SystemExit(f"the daemon exited: {self.log.read_text()[-2000:]}")
        return idle_daemon(ledger, self.process.pid)

    def rss_mib(self) -> float:
        """Resident memory now, MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        """SIGTERM, and wait."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(120)


def wait_until(predicate: object, timeout: float, what: str) -> None:
    """Poll ``predicate`` until true, or give up loudly."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def idle_daemon(ledger: Ledger, pid: int) -> bool:
    """True once the daemon's heartbeat says it reconciled and has nothing queued."""
    for record in ledger.daemons.list():
        daemon = DaemonStatus(record, 0.0)
        if record.pid == pid and daemon.phase == "running":
            counts, queue = record.state.get("counts"), record.state.get("queue")
            watching = all(r.get("state") == "watching" for r in root_rows(daemon))
            reconciled = isinstance(counts, dict) and counts.get("reconciles", 0) >= 1
            return watching and reconciled and isinstance(queue, dict) and not any(queue.values())
    return False


def _folder(root: Path, n: int) -> Path:
    return root / f"seq{n % 10:02d}" / f"sh{(n // 10) % 50:03d}0"


def write_burst(root: Path, count: int, size: int, pause: float = 0.0) -> dict[str, float]:
    """Write the files (``pause`` s apart); path → the time its writer closed it."""
    closed = {}
    payload = os.urandom(size)
    for n in range(count):
        folder = _folder(root, n)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"plate.{n:06d}.exr"
        path.write_bytes(n.to_bytes(8, "big") + payload)
        closed[str(path)] = time.time()
        time.sleep(pause)
    return closed


def burst(work: Path, files: int, size: int, trickle: int, config: Path) -> BurstResult:
    """Run the daemon on an empty folder, burst into it, trickle; then scan the burst."""
    root, slow = work / "burst", work / "trickle"
    root.mkdir()
    slow.mkdir()
    db = f"sqlite:///{work / 'watch.sqlite3'}"
    ledger = Ledger(db)
    daemon = Daemon(root, db, config)
    try:
        wait_until(lambda: daemon.idle(ledger), 60, "the daemon to start")
        started = time.time()
        closed = write_burst(root, files, size)
        written = time.time()
        wait_until(lambda: _count(ledger, root) == files, 1800, "the whole burst")
        done = time.time()
    finally:
        daemon.stop()
    for n in range(trickle):
        _folder(slow, n).mkdir(parents=True, exist_ok=True)
    daemon = Daemon(slow, db, config)
    try:
        wait_until(lambda: daemon.idle(ledger), 60, "the daemon to start")
        dripped = write_burst(slow, trickle, size, pause=0.05)
        wait_until(lambda: _count(ledger, slow) == trickle, 600, "the trickle")
    finally:
        daemon.stop()
    rows = {e.path: _epoch(e.at) for e in ledger.events.list() if e.type == "detected"}
    seconds = [
        [max(0.0, rows[path] - at) for path, at in written_at.items()]
        for written_at in (closed, dripped)
    ]
    scanned = scan(root, work)
    return BurstResult(files, written - started, done - started, seconds[0], scanned, seconds[1])


def _count(ledger: Ledger, root: Path) -> int:
    return len(ledger.locations.under(str(root)))


def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def scan(root: Path, work: Path) -> float:
    """Wall time of `provenance scan` of ``root`` into a fresh ledger."""
    db = f"sqlite:///{work / 'scan.sqlite3'}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "provenance", "scan", str(root), "--db", db, "--json"],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    assert json.loads(done.stdout)["files_seen"] > 0
    return seconds


def memory(work: Path, count: int, config: Path) -> dict[str, float]:
    """RSS of an idle daemon watching ``count`` files already in the ledger, per mode."""
    tree = work / "tree"
    for n in range(count):
        folder = tree / f"d{n % 100:03d}" / f"s{(n // 100) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{n:06d}.bin").write_bytes(n.to_bytes(8, "big"))
    db = f"sqlite:///{work / 'tree.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "provenance", "scan", str(tree), "--db", db, "--json"],
        cwd=HERE.parent,
        capture_output=True,
        check=True,
    )
    ledger = Ledger(db)
    found = {}
    for mode in ("native", "polling"):
        daemon = Daemon(tree, db, config, "--mode", mode)
        try:
            wait_until(lambda d=daemon: d.idle(ledger), 900, f"idle ({mode})")
            found[mode] = daemon.rss_mib()
        finally:
            daemon.stop()
    return found


def main() -> None:
    """Run both measurements and print (and with --record, append) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=16 * 1024, help="bytes per burst file")
    parser.add_argument("--tree", type=int, default=100_000)
    parser.add_argument("--trickle", type=int, default=200, help="files written 20 a second")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        work = Path(tmp)
        config = work / "provenance.toml"
        config.write_text("watch_heartbeat = 1\n")
        result = burst(work, args.files, args.size, args.trickle, config)
        rss = memory(work, args.tree, config)
    lines = [f"machine: {machine()}", *result.lines()]
    lines += [
        f"daemon RSS watching {args.tree} files ({mode}): {mib:.0f} MiB"
        for mode, mib in rss.items()
    ]
    print("\n".join(lines))
    if args.record:
        record(lines, args)


def record(lines: list[str], args: argparse.Namespace) -> None:
    """Append the figures under a "watch" heading (never overwriting other sections)."""
    header = "" if RESULTS.exists() else "# Benchmark results\n"
    when = time.strftime("%Y-%m-%d")
    command = (
        f"python bench/bench_watch.py --files {args.files} --size {args.size} --tree {args.tree}"
        f" --trickle {args.trickle}"
    )
    body = "\n".join(f"- {line}" for line in lines)
    with RESULTS.open("a", encoding="utf-8") as stream:
        stream.write(f"{header}\n## watch ({when})\n\n`{command}`\n\n{body}\n")


if __name__ == "__main__":
    main()
