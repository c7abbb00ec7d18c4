#!/usr/bin/env python3
"""Benchmark: what issue 15's checks add to ``bench_audit``'s known-package audit.

The known package of :mod:`bench_audit` (every file already in the ledger)
is audited by this checkout and by the code of an earlier commit (the
baseline, ``--baseline-rev``, unpacked with ``git archive`` into a temporary
folder and put first on ``PYTHONPATH``), against the same ledger, taking
turns, ``--no-record``. The difference is what the checks cost: the
detectors on every known file, and each matched asset's row checked against
its events. Target: at most 5 % more.

    python bench/bench_audit_checks.py [--scale 0.25] [--repeat 5] [--baseline-rev REV]
                                       [--contender-rev REV]

``--contender-rev`` measures a commit instead of this checkout (unpacked the
same way), so the checkout may change while a long run goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import compile_package, corpus_files, interleaved, machine

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(tempfile.gettempdir()) / "provenance-bench-corpus-checks"


def unpack(rev: str, into: Path) -> Path:
    """The ``provenance`` package as it was at ``rev``, compiled like an installed copy."""
    archive = subprocess.run(
        ["git", "archive", rev, "provenance"], cwd=REPO, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "provenance")], check=True)
    return into


def audit(corpus: Path, url: str, path: Path | None) -> tuple[float, dict[str, float], float]:
    """Wall time, stages and CPU seconds of one audit (``path``: the code to run, else this
    checkout). CPU (user + system, of the audit and its workers) is steadier than wall time
    on a machine others share."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    command = [sys.executable, "-m", "provenance", "audit", str(corpus), "--format", "json",
               "--no-record", "--db", url]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Not from the checkout: `python -m` puts the working folder first on sys.path.
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env,
                          cwd=tempfile.gettempdir())  # fmt: skip
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode not in (0, 1):
        raise SystemExit(f"audit failed:\n{done.stderr}")
    return elapsed, json.loads(done.stdout)["stages"], cpu


def scan(corpus: Path, url: str, path: Path | None) -> None:
    """Record the corpus in the ledger at ``url`` with the code at ``path`` (else this checkout)."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    subprocess.run([sys.executable, "-m", "provenance", "scan", str(corpus), "--db", url,
                    "--json"], capture_output=True, check=True, env=env,
                   cwd=tempfile.gettempdir())  # fmt: skip


def _runs(results: list[tuple[float, dict[str, float], float]]) -> str:
    return (f"runs {[round(r[0], 2) for r in results]} s wall,"
            f" {[round(r[2], 2) for r in results]} s CPU")  # fmt: skip


def main() -> None:
    """Scan the corpus once, then audit it with the baseline and this checkout in turns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-rev", default="f9bd403")
    parser.add_argument("--contender-rev", default=None, help="a commit (default: this checkout)")
    args = parser.parse_args()
    files = corpus_files(args.corpus, args.scale)
    compile_package()
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as work:
        old = unpack(args.baseline_rev, Path(work) / "baseline")
        new = unpack(args.contender_rev, Path(work) / "contender") if args.contender_rev else None
        # Each side scans into a ledger of its own schema (the baseline may predate a migration).
        old_url, url = f"sqlite:///{work}/baseline.sqlite3", f"sqlite:///{work}/known.sqlite3"
        scan(args.corpus, old_url, old)
        scan(args.corpus, url, new)
        audit(args.corpus, url, new)  # warm the page cache
        load_before = os.getloadavg()[0]
        base, checked = interleaved(
            lambda: audit(args.corpus, old_url, old), lambda: audit(args.corpus, url, new),
            args.repeat, abba=True,
        )  # fmt: skip
    b, c = statistics.median(r[0] for r in base), statistics.median(r[0] for r in checked)
    b_cpu, c_cpu = statistics.median(r[2] for r in base), statistics.median(r[2] for r in checked)
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"machine: {machine()}; load average {load_before:.1f} at the start of the runs,"
          f" {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    print(f"package: {len(files)} files, {size:.0f} MB (scale {args.scale}), all in the ledger")
    print(f"baseline ({args.baseline_rev}): {b:.2f} s wall, {b_cpu:.2f} s CPU"
          f"  {_runs(base)}")  # fmt: skip
    print(f"contender ({args.contender_rev or 'this checkout'}): {c:.2f} s wall, {c_cpu:.2f} s CPU"
          f"  {_runs(checked)}")  # fmt: skip
    print(f"added: {100 * (c / b - 1):+.1f} % wall, {100 * (c_cpu / b_cpu - 1):+.1f} % CPU"
          " (target <= +5 %)")  # fmt: skip
    # Each contender run against the baseline run beside it: a machine whose speed drifts
    # over the minutes of the bench (a neighbour's load) moves both runs of a pair alike.
    p_wall = statistics.median(r[0] / q[0] for q, r in zip(base, checked, strict=True))
    p_cpu = statistics.median(r[2] / q[2] for q, r in zip(base, checked, strict=True))
    print(f"added, median of the pairs: {100 * (p_wall - 1):+.1f} % wall,"
          f" {100 * (p_cpu - 1):+.1f} % CPU")  # fmt: skip
    print(f"  stages, baseline (last run): {base[-1][1]}")
    print(f"  stages, contender (last run): {checked[-1][1]}")


if __name__ == "__main__":
    main()
