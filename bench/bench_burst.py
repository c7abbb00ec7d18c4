#!/usr/bin/env python3
"""Benchmark: the watch daemon recording a burst of identical files, batch after batch.

A render farm writes thousands of identical black frames or slates, a tool
puts the same placeholder into every shot folder: over the daemon's life
each is known content at a new path, which the ledger must tell from a move
(a copy of it vanished) or a plain copy. The daemon records whatever has
arrived in one transaction (up to ``batch_size``), so such a burst reaches
the ledger as hundreds of small batches. This times the daemon's recorder
(:class:`provenance.watchers.worker.Recorder`, the thread that records
examined files) over N empty files on disk, fed ``--batch`` at a time, for
several N: twice the files should take about twice the time.

The files are examined once up front (one empty file's facts, given each
path): only the recording path is timed, in a child process, the CPU time
of the recording loop and its wall time. The baseline is the code at
``--base`` (a commit, exported with ``git archive`` to a temporary folder),
the contender this checkout; they run in turns, each into a fresh SQLite
ledger (or a fresh schema of ``--pg``), and each figure is the median of
``--repeat`` runs.

    python bench/bench_burst.py                          # 5k, 20k, 50k; batches of 256
    python bench/bench_burst.py --sizes 5000 10000 --batch 32 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import machine

PER_FOLDER = 100
REPO = Path(__file__).resolve().parent.parent


def make_tree(root: Path, n: int) -> list[str]:
    """N empty files below ``root``, ``PER_FOLDER`` to a shot folder; their paths."""
    paths = []
    for i in range(n):
        folder = root / f"sh{i // PER_FOLDER:04d}"
        if i % PER_FOLDER == 0:
            folder.mkdir(parents=True)
        path = folder / f"black.{i:06d}.exr"
        path.touch()
        paths.append(str(path))
    return paths


# -- the child: one recording run, in the code on its sys.path ------------------------------


def child(root: Path, db: str, batch: int) -> dict[str, object]:
    """Record every file below ``root`` through the daemon's recorder; CPU, wall, outcomes."""
    import provenance
    from provenance.ingest.record import IngestResult, examine
    from provenance.settings import Settings
    from provenance.store import Ledger
    from provenance.util.file_kinds import may_exist
    from provenance.watchers import worker
    from provenance.watchers.state import DaemonState
    from provenance.watchers.worker import Recorder, RecorderHooks

    paths = sorted(str(p) for p in root.rglob("*.exr"))
    settings = Settings(db=db, batch_size=batch, workers=1)
    first = examine(Path(paths[0]), settings, "benchhost")
    assert first.observation is not None
    items = [
        replace(first, path=Path(p), observation=replace(first.observation, path=p, inode=i))
        for i, p in enumerate(paths)
    ]
    outcomes: Counter[str] = Counter()

    def recorded(result: IngestResult) -> None:
        outcomes[result.outcome] += 1

    hooks: dict[str, object] = {
        "gone": lambda _p: False, "exists": may_exist, "landed": lambda _n: None,
        "retry": lambda _p: False, "ledger_back": lambda: None, "recorded": recorded,
    }  # fmt: skip
    if "watched" in {f.name for f in fields(RecorderHooks)}:  # the daemon's roots vouch
        prefix = str(root) + "/"
        hooks["watched"] = lambda p: p.startswith(prefix)
    worker.LINGER = 0.0  # every batch is whole when the recorder wakes: time no waiting
    with Ledger(db, host="benchhost") as ledger:
        recorder = Recorder(ledger, settings, DaemonState(60.0), RecorderHooks(**hooks))  # type: ignore[arg-type]
        stop = threading.Event()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for start in range(0, len(items), batch):
            for item in items[start : start + batch]:
                recorder.put(item, stop)
            recorder.step(stop)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        present = sum(1 for loc in ledger.locations.present(first.observation.asset.sha256))
    code = str(Path(provenance.__file__).parent.parent)
    return {"cpu": cpu, "wall": wall, "outcomes": dict(outcomes), "present": present, "code": code}


# -- the parent ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One child's recording: CPU and wall seconds of the loop, and what it recorded."""

    cpu: float
    wall: float
    outcomes: dict[str, int]
    present: int
    code: str  # where the child's provenance came from


def git(*command: str) -> str:
    """What a git command prints, stripped."""
    return subprocess.run(["git", "-C", str(REPO), *command], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def export_base(commit: str, into: Path) -> Path:
    """The package at ``commit``, exported (not checked out) into ``into``."""
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "provenance"],
                             capture_output=True, check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def fresh_db(work: Path, pg: str | None, label: str) -> tuple[str, str | None]:
    """A URL of an empty ledger: a new SQLite file, or a new schema of ``pg``."""
    if pg is None:
        path = work / f"{label}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    schema = f"bench_burst_{os.getpid()}_{label}"
    _psql(pg, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg else "?"
    return f"{pg}{sep}options=-csearch_path%3D{schema}", schema


def _psql(pg: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def run_child(code: Path, root: Path, db: str, batch: int) -> Run:
    """The recording in a child process whose ``provenance`` is the one in ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    if db.startswith("postgresql"):
        subprocess.run([sys.executable, "-m", "provenance", "init", "--db", db], env=env,
                       check=True, capture_output=True)  # fmt: skip
    command = [sys.executable, __file__, "--child", str(root), db, str(batch)]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the {code} child failed:\n{done.stderr}")
    return Run(**json.loads(done.stdout.splitlines()[-1]))


def main() -> None:
    """Build each tree, record it ``--repeat`` times with each code in turns, print."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 50000])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--base", help="the baseline's commit (default: where HEAD left main)")
    parser.add_argument("--pg", help="a PostgreSQL URL to record into instead of SQLite")
    parser.add_argument("--only", choices=["base", "this"], help="run one side only")
    args = parser.parse_args()
    if args.base is None:
        args.base = git("merge-base", "HEAD", "main")
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"base {args.base}, batches of {args.batch}, {'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"{'N':>7}{'code':>6}{'cpu s':>8}{'wall s':>8}{'cpu ms/file':>13}  cpu s of each run")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        sides = {"base": export_base(args.base, work / "base"), "this": REPO}
        sides = {k: v for k, v in sides.items() if args.only in (None, k)}
        for n in args.sizes:
            root = work / f"show{n}"
            make_tree(root, n)
            runs: dict[str, list[Run]] = {side: [] for side in sides}
            for _ in range(args.repeat):
                for side, code in sides.items():
                    db, schema = fresh_db(work, args.pg, side)
                    run = run_child(code, root, db, args.batch)
                    if args.pg and schema:
                        _psql(args.pg, f"DROP SCHEMA {schema} CASCADE")
                    assert run.present == n, f"{side}: {run.present} of {n} present"
                    assert Path(run.code) == code, f"{side} ran the code at {run.code}"
                    runs[side].append(run)
            for side, done in runs.items():
                cpu = statistics.median(r.cpu for r in done)
                wall = statistics.median(r.wall for r in done)
                each = " ".join(f"{r.cpu:.1f}" for r in done)
                print(f"{n:7d}{side:>6}{cpu:8.2f}{wall:8.2f}{cpu / n * 1000:13.3f}  {each}  "
                      f"{done[0].outcomes}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
