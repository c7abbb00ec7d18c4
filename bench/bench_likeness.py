#!/usr/bin/env python3
"""Benchmark: ``ls --looks-like`` (every copy of an asset by likeness) over a large ledger.

Records ``--assets`` fingerprinted images (default 200,000, random
fingerprints, so nearly none alike) and one generated image with
``--copies`` near copies (a few bits flipped) into a fresh SQLite ledger,
then times, in the same run:

* the baseline: one plain ``sqlite3`` read of every fingerprint row, which
  any search over all of them must at least do;
* :func:`provenance.likeness.search.similar_assets` for the generated image,
  what ``provenance ls --looks-like`` runs.

Prints seconds, rows/s and the ratio to the baseline, and checks that every
copy was found. No issue sets a target; the point is that the search is a
small multiple of reading the rows, and linear in them.

    python bench/bench_likeness.py [--assets 200000] [--copies 20]
"""

from __future__ import annotations

import argparse
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

from provenance.likeness.fingerprint import Fingerprint  # noqa: E402
from provenance.likeness.search import similar_assets  # noqa: E402
from provenance.store import (  # noqa: E402
    AssetFacts,
    AssetQuery,
    FingerprintIn,
    Ledger,
    Observation,
)
from provenance.vocab import INITIAL_STATUS as GENAI_INITIAL_STATUS  # noqa: E402
from provenance.vocab import Verdict  # noqa: E402

HOST = "bench-host"
BATCH = 5_000


def sha(label: str) -> str:
    """A SHA-256-shaped id for a label."""
    return hashlib.sha256(label.encode()).hexdigest()


def image(label: str, verdict: Verdict = "unknown") -> Observation:
    """An image asset as ingest would record it."""
    facts = AssetFacts(
        sha256=sha(label), size=1, kind="image", mime="image/png", format="png", width=1920,
        height=1080, duration=None, verdict=verdict, tool="comfyui" if verdict == "genai" else None,
        confidence=None, evidence=[], prompt=None, problem=None,
        status=GENAI_INITIAL_STATUS if verdict == "genai" else None,
    )  # fmt: skip
    return Observation(facts, HOST, f"/jobs/show/{label}.png", 1, 1, 1)


def flipped(value: int, bits: int, rng: random.Random) -> int:
    """``value`` with ``bits`` random bits flipped."""
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def fill(ledger: Ledger, assets: int, copies: int) -> Fingerprint:
    """Record the assets and their fingerprints; return the generated image's fingerprint."""
    rng = random.Random(1)
    target = Fingerprint(rng.getrandbits(64), rng.getrandbits(64))
    ledger.record([image("generated", "genai")])
    rows = [FingerprintIn(sha("generated"), "ok", *target.to_signed())]
    for i in range(assets):
        label = f"a{i}"
        if i < copies:
            near = Fingerprint(flipped(target.grad, 4, rng), flipped(target.dct, 4, rng))
        else:
            near = Fingerprint(rng.getrandbits(64), rng.getrandbits(64))
        rows.append(FingerprintIn(sha(label), "ok", *near.to_signed()))
    for start in range(0, assets, BATCH):
        ledger.record([image(f"a{i}") for i in range(start, min(assets, start + BATCH))])
    for start in range(0, len(rows), BATCH):
        ledger.fingerprints.save(rows[start : start + BATCH])
    return target


def plain_read(db: Path) -> float:
    """The baseline: read every fingerprint row once."""
    started = time.perf_counter()
    with sqlite3.connect(db) as con:
        for _ in con.execute("SELECT id, asset_sha256, grad, dct FROM fingerprints"):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=200_000)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provenance-likeness-") as tmp:
        db = Path(tmp) / "ledger.db"
        with Ledger(f"sqlite:///{db}", host=HOST) as ledger:
            fill(ledger, args.assets, args.copies)
            base = plain_read(db)
            started = time.perf_counter()
            found = similar_assets(sha("generated"), ledger, AssetQuery())
            seconds = time.perf_counter() - started
    rows = args.assets + 1
    print(f"machine: {machine()}")
    print(f"fingerprint rows: {rows:,}; copies planted: {args.copies}; found: {len(found)}")
    print(f"{'':36}{'s':>8}{'rows/s':>12}{'x baseline':>12}")
    print(f"{'plain sqlite3 read (baseline)':36}{base:8.2f}{rows / base:12,.0f}{1:12.1f}")
    label = "ls --looks-like (similar_assets)"
    print(f"{label:36}{seconds:8.2f}{rows / seconds:12,.0f}{seconds / base:12.1f}")
    planted = {sha(f"a{i}") for i in range(args.copies)}
    missing = planted - {f.asset.sha256 for f in found}
    print("every planted copy found" if not missing else f"MISSED {len(missing)} copies")


if __name__ == "__main__":
    main()
