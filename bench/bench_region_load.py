#!/usr/bin/env python3
"""Benchmark: loading the region index of ``--pictures`` generated pictures from a ledger.

Records ``--pictures`` generated images, each with the stored local features of
one pseudo-picture (bench/region_pad.py: real ORB descriptors of described
base pictures, reframed), into a fresh SQLite ledger. Then, in a fresh
process each time, loads them as the audit does
(:func:`provenance.likeness.stage_checks.load_regions` into a
:class:`~provenance.likeness.regions.RegionIndex`, then the first query's
hand-over to faiss: training and assignment) and prints, beside the baseline
of one plain ``sqlite3`` read of every blob:

* seconds (wall, and the process's CPU) to read the rows and to build;
* the process's peak resident memory and its resident memory after the build,
  each less the resident memory before loading (the interpreter and libraries),
  beside the index's own count (:meth:`RegionIndex.memory_bytes`).

    python bench/bench_region_load.py [--pictures 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scan import machine  # noqa: E402
from region_pad import base_pool, pseudo_pictures  # noqa: E402

from provenance.store import AssetFacts, FeatureIn, Ledger, Observation  # noqa: E402
from provenance.vocab import INITIAL_STATUS as GENAI_INITIAL_STATUS  # noqa: E402

HOST = "bench-host"
BATCH = 5_000


def generated_image(sha256: str) -> Observation:
    """A generated image asset as ingest would record it."""
    facts = AssetFacts(
        sha256=sha256, size=1, kind="image", mime="image/png", format="png", width=1920,
        height=1080, duration=None, verdict="genai", tool="comfyui", confidence=None,
        evidence=[], prompt=None, problem=None, status=GENAI_INITIAL_STATUS,
    )  # fmt: skip
    return Observation(facts, HOST, f"/jobs/show/{sha256[:16]}.png", 1, 1, 1)


def fill(ledger: Ledger, pictures: int, bases: int) -> None:
    """Record ``pictures`` generated images and their features, in batches."""
    pool = base_pool(bases, Path(tempfile.gettempdir()) / f"bench_regions_bases_{bases}.npz")
    batch: list[tuple[str, bytes, int, int, int]] = []
    for sha256, features in pseudo_pictures(pool, pictures):
        batch.append((sha256, features.to_bytes(), len(features), features.width, features.height))
        if len(batch) == BATCH:
            save(ledger, batch)
            batch = []
    save(ledger, batch)


def save(ledger: Ledger, batch: list[tuple[str, bytes, int, int, int]]) -> None:
    ledger.record([generated_image(sha256) for sha256, *_ in batch])
    ledger.features.save([FeatureIn(s, "ok", blob, n, w, h) for s, blob, n, w, h in batch])


def plain_read(db: Path) -> float:
    """The baseline: read every features blob once."""
    started = time.perf_counter()
    with sqlite3.connect(db) as con:
        for _ in con.execute("SELECT data FROM features"):
            pass
    return time.perf_counter() - started


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def load_once(db: Path) -> None:
    """In a fresh process: load the index from the ledger, print figures as JSON."""
    from provenance.likeness.regions import RegionIndex, one_faiss_thread
    from provenance.likeness.stage_checks import load_regions

    # On one OpenMP thread, as a query builds the search structure on its first call.
    with one_faiss_thread(), Ledger(f"sqlite:///{db}", host=HOST) as ledger:
        before = status_kb("VmRSS")
        index = RegionIndex()
        wall, cpu = time.perf_counter(), time.process_time()
        index = load_regions(ledger, index)
        read = (time.perf_counter() - wall, time.process_time() - cpu)
        counted = index.memory_bytes()
        built = (time.perf_counter() - wall - read[0], time.process_time() - cpu - read[1])
    peak, after = status_kb("VmHWM") - before, status_kb("VmRSS") - before
    figures = {"pictures": len(index), "read": read, "build": built, "counted": counted,
               "peak": peak, "after": after}  # fmt: skip
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=100_000)
    parser.add_argument("--bases", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_once(args.load)
        return
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="provenance-region-load-") as tmp:
        db = Path(tmp) / "ledger.db"
        started = time.perf_counter()
        with Ledger(f"sqlite:///{db}", host=HOST) as ledger:
            fill(ledger, args.pictures, args.bases)
        seconds, size = time.perf_counter() - started, db.stat().st_size / 1e9
        print(f"ledger of {args.pictures:,} generated pictures: {seconds:.0f} s, {size:.2f} GB")
        for _ in range(args.repeat):
            base = plain_read(db)
            run = subprocess.run([sys.executable, __file__, "--load", str(db)],
                                 check=True, capture_output=True, text=True)  # fmt: skip
            got = json.loads(run.stdout.splitlines()[-1])
            print(f"load {os.getloadavg()[0]:.1f}: plain read {base:.1f} s; "
                  f"load_regions {got['read'][0]:.1f} s wall / {got['read'][1]:.1f} s CPU; "
                  f"build {got['build'][0]:.1f} s wall / {got['build'][1]:.1f} s CPU; "
                  f"memory counted {got['counted'] / 1e9:.3f} GB, resident after "
                  f"{got['after'] / 1e9:.3f} GB, peak {got['peak'] / 1e9:.3f} GB")  # fmt: skip


if __name__ == "__main__":
    main()
