#!/usr/bin/env python3
"""Benchmark: a rescreen and the fingerprint stage's listing over a show's generated frames.

Records ``--assets`` generated frames (default 100,000; a hundred frames
share each prompt, as the frames of a generated sequence do) into a fresh
SQLite ledger, then times, in the same run:

* the baseline: one plain ``sqlite3`` read of every generated asset's
  prompt, tool and flags, which any rescreen must at least do;
* ``provenance rescreen``'s work (:func:`provenance.lifecycle.rescreen.rescreen`)
  against a 1,000-name watchlist, twice: the first adds flags, the second
  finds nothing new;
* listing every asset that waits for a fingerprint, a page at a time, as
  the fingerprint stage and the watch daemon do.

Prints seconds, assets/s and the ratio of each to the baseline. There is no
target in an issue; the figures say that both stay linear in the number of
assets (before the (verdict, sha256) and (kind, sha256) indexes of migration
0006, each page sorted every matching asset, and a rescreen hashed every
watchlist entry at each lookup).

    python bench/bench_rescreen.py [--assets 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scan import machine  # noqa: E402

from provenance.evidence import Evidence  # noqa: E402
from provenance.lifecycle import Lifecycle  # noqa: E402
from provenance.lifecycle.rescreen import rescreen  # noqa: E402
from provenance.settings import Settings  # noqa: E402
from provenance.settings.tables import WatchlistConfig  # noqa: E402
from provenance.store import AssetFacts, Ledger, Observation  # noqa: E402
from provenance.vocab import INITIAL_STATUS as GENAI_INITIAL_STATUS  # noqa: E402

HOST = "bench-host"
FRAMES_PER_PROMPT = 100


def frame(i: int, prompt: str) -> Observation:
    """Frame ``i`` of a generated sequence, as ingest would record it."""
    facts = AssetFacts(
        sha256=hashlib.sha256(str(i).encode()).hexdigest(), size=1, kind="image",
        mime="image/x-exr", format="exr", width=1920, height=1080, duration=None,
        verdict="genai", tool="comfyui", confidence="strong",
        evidence=[Evidence("folder-rule", "folder-rule", "x" * 200)], prompt=prompt, problem=None,
        status=GENAI_INITIAL_STATUS,
    )  # fmt: skip
    path = f"/jobs/show/sh{i // FRAMES_PER_PROMPT:04d}/gen.{i % FRAMES_PER_PROMPT:04d}.exr"
    return Observation(facts, HOST, path, 1, 1, i)


def fill(ledger: Ledger, count: int) -> None:
    """Record ``count`` generated frames in batches."""
    rng = random.Random(1)
    words = [f"word{i}" for i in range(5000)]
    prompts = [" ".join(rng.choices(words, k=30)) for _ in range(count // FRAMES_PER_PROMPT + 1)]
    batch = []
    for i in range(count):
        batch.append(frame(i, prompts[i // FRAMES_PER_PROMPT]))
        if len(batch) == 2000:
            ledger.record(batch)
            batch = []
    ledger.record(batch)


def plain_read(db: Path) -> float:
    """The baseline: read every generated asset's prompt, tool and flags once."""
    started = time.perf_counter()
    with sqlite3.connect(db) as con:
        query = "SELECT sha256, prompt, tool, flags, status FROM assets WHERE verdict = 'genai'"
        for _ in con.execute(query):
            pass
    return time.perf_counter() - started


def list_waiting(ledger: Ledger) -> tuple[int, float]:
    """Every asset waiting for a fingerprint, a page at a time."""
    started, count, after = time.perf_counter(), 0, None
    while page := ledger.fingerprints.missing(None, ("image", "video"), after=after):
        after, count = page[-1][0], count + len(page)
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provenance-rescreen-") as tmp:
        db, names = Path(tmp) / "ledger.db", Path(tmp) / "talent.txt"
        names.write_text("".join(f"Name{i} Surname{i}\n" for i in range(1000)) + "word7\n")
        with Ledger(f"sqlite:///{db}", host=HOST) as ledger:
            fill(ledger, args.assets)
            listed = (WatchlistConfig(str(names), "talent-likeness"),)
            lc = Lifecycle(ledger, dataclasses.replace(Settings(db=""), watchlists=listed))
            base = plain_read(db)
            started = time.perf_counter()
            first = rescreen(lc)
            first_s, started = time.perf_counter() - started, time.perf_counter()
            again = rescreen(lc)
            again_s = time.perf_counter() - started
            waiting, listing_s = list_waiting(ledger)
    report(args.assets, base, [("rescreen (adds flags)", first_s), ("rescreen again (none new)",
           again_s), (f"list {waiting} waiting for fingerprints", listing_s)])  # fmt: skip
    print(f"flagged: {len(first.changes)} then {len(again.changes)}")


def report(assets: int, base: float, rows: list[tuple[str, float]]) -> None:
    """Print the table."""
    print(f"machine: {machine()}")
    print(f"generated frames: {assets:,} ({assets // FRAMES_PER_PROMPT:,} prompts)")
    print(f"{'':40}{'s':>8}{'assets/s':>12}{'x baseline':>12}")
    print(f"{'plain sqlite3 read (baseline)':40}{base:8.2f}{assets / base:12,.0f}{1:12.1f}")
    for label, seconds in rows:
        print(f"{label:40}{seconds:8.2f}{assets / seconds:12,.0f}{seconds / base:12.1f}")


if __name__ == "__main__":
    main()
