#!/usr/bin/env python3
"""Benchmark: `provenance scan` of a fresh ledger over many copies of one content.

A production holds thousands of files with the same bytes: empty ``.keep``
files, black frames, slates, placeholder EXRs copied into every shot. Each
copy is known content at a new path, which the ledger must tell from a move
(a copy of it vanished) or a plain copy. This times a scan of a fresh ledger
over N such files, for several N, so that the growth of the time with N shows
(twice the files should take about twice the time):

* ``empty``: N empty files, 100 to a shot folder;
* ``mix``: N files, a fifth of them empty, a fifth one 4 KiB placeholder,
  a fifth one of 20 slates, and two fifths distinct small files.

Each figure is the median of ``--repeat`` runs, each into a fresh SQLite
ledger: the wall time, and the CPU time of the scan's process and its
workers, which a machine shared with other work stretches less.

    python bench/bench_copies.py                      # 5k, 10k, 20k, 50k; both trees
    python bench/bench_copies.py --sizes 5000 20000 --kinds empty --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import compile_package, machine

PER_FOLDER = 100


def content(kind: str, i: int) -> bytes:
    """The bytes of the ``i``-th file of a tree of this kind."""
    if kind == "empty":
        return b""
    share = i % 5
    if share == 0:
        return b""
    if share == 1:
        return b"\0" * 4096  # a placeholder
    if share == 2:
        return f"slate {i % 20}\n".encode() * 64
    return f"distinct file {i}\n".encode() * 16


def make_tree(root: Path, kind: str, n: int) -> None:
    """N files of this kind below ``root``, ``PER_FOLDER`` to a shot folder."""
    for i in range(n):
        folder = root / f"sh{i // PER_FOLDER:04d}"
        if i % PER_FOLDER == 0:
            folder.mkdir(parents=True)
        (folder / f"f{i:06d}.keep").write_bytes(content(kind, i))


@dataclass(frozen=True)
class Run:
    """One scan: its wall time, the CPU time of its process (user + system), its summary."""

    wall: float
    cpu: float
    summary: dict[str, object]


def scan_once(root: Path, db: Path) -> Run:
    """`provenance scan --json` of ``root`` into a fresh ledger at ``db``.

    The CPU time is told apart from the wall time because a shared machine's
    load stretches the wall time of the same work.
    """
    db.unlink(missing_ok=True)
    command = [sys.executable, "-m", "provenance", "scan", str(root), "--db", f"sqlite:///{db}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(wall, cpu, json.loads(done.stdout))


def main() -> None:
    """Build each tree, scan it ``--repeat`` times, print N against seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000, 50000])
    parser.add_argument("--kinds", nargs="+", default=["empty", "mix"], choices=["empty", "mix"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_package()
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'tree':>6}{'N':>8}{'wall s':>9}{'cpu s':>8}{'cpu s/1k':>10}  wall s of each run")
    for kind in args.kinds:
        for n in args.sizes:
            with tempfile.TemporaryDirectory() as work:
                root = Path(work) / "show"
                make_tree(root, kind, n)
                runs = [scan_once(root, Path(work) / "ledger.sqlite3") for _ in range(args.repeat)]
            wall = statistics.median(r.wall for r in runs)
            cpu = statistics.median(r.cpu for r in runs)
            each = " ".join(f"{r.wall:.1f}" for r in runs)
            print(f"{kind:>6}{n:8d}{wall:9.2f}{cpu:8.2f}{cpu / n * 1000:10.3f}  {each}", flush=True)


if __name__ == "__main__":
    main()
