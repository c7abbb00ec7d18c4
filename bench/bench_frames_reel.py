#!/usr/bin/env python3
"""Benchmark: finding a cut's frames by reel and timecode (``locations.frames_on_reels``).

A scanned reel is one asset a frame, each with the reel's name and its own
timecode, so a reel of film is tens of thousands of rows with one reel name.
The ledger (SQLite, through the library's schema) gets ``--reels`` reels of
``--frames`` frames each, with a present location each, beside
``--others`` unrelated image rows; the query asks for ``--clips`` clips of
2.4 s (57 frames) at random places on random reels, as an EDL of offline
scans would. Printed: the frames found and the query's CPU and wall time
(medians of ``--repeat``), on SQLite and, with ``--pg URL``, on PostgreSQL,
alternating with the first form of the query (one condition a clip, each
reading its reel's index entries again) as the baseline.

    python bench/bench_frames_reel.py [--reels 10] [--frames 20000] [--clips 150] [--pg URL]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import and_, insert, or_, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provenance.store import Ledger
from provenance.store.engine import make_engine
from provenance.store.models import Asset, Location

RATE = 24
CLIP_FRAMES = 57
BATCH = 20_000
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def fill(url: str, reels: int, frames: int, others: int) -> None:
    """``reels`` reels of ``frames`` frames from 01:00:00:00, and ``others`` images without reel."""
    rows: list[tuple[str | None, int]] = [
        (f"R{r:03d}", n) for r in range(reels) for n in range(frames)
    ]
    rows += [(None, n) for n in range(others)]
    engine = make_engine(url)
    try:
        for start in range(0, len(rows), BATCH):
            assets, places = [], []
            for i, (reel, n) in enumerate(rows[start : start + BATCH], start):
                sha = hashlib.sha256(f"frame {i}".encode()).hexdigest()
                tc = (3600 * RATE + n) / RATE if reel else None
                assets.append({"sha256": sha, "size": 1, "kind": "image", "mime": "image/x-dpx",
                               "format": "dpx", "verdict": "not_genai", "evidence": [],
                               "first_seen": WHEN, "updated_at": WHEN, "reel": reel,
                               "tc_start": tc, "tc_length": 1 / RATE if reel else None,
                               "tc_rate": float(RATE) if reel else None})  # fmt: skip
                places.append({"asset_sha256": sha, "host": "farm", "size": 1, "mtime_ns": 0,
                               "path": f"/show/scans/{reel}/scan.{n:07d}.dpx", "inode": 0,
                               "first_seen": WHEN, "last_seen": WHEN, "present": True})  # fmt: skip
            with engine.begin() as conn:
                conn.execute(insert(Asset), assets)
                conn.execute(insert(Location), places)
    finally:
        engine.dispose()


def spans(reels: int, frames: int, clips: int) -> list[tuple[str, float, float]]:
    """The (reel, from, to) an EDL's clips ask for, at random places of random reels."""
    rng = random.Random(7)
    found = []
    for _ in range(clips):
        first = 3600 * RATE + rng.randrange(frames - CLIP_FRAMES)
        slack = 0.5 / RATE
        start, end = first / RATE, (first + CLIP_FRAMES) / RATE
        found.append((f"R{rng.randrange(reels):03d}", start - slack, end - slack))
    return found


def per_clip(url: str, asked: list[tuple[str, float, float]]) -> int:
    """The baseline: one condition a clip, 200 to a query (the first form); frames found."""
    query = select(Asset.sha256, Location.path).join(Asset, Asset.sha256 == Location.asset_sha256)
    query = query.where(Location.present, Asset.kind == "image")
    found: set[tuple[object, ...]] = set()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            for start in range(0, len(asked), 200):
                where = or_(*(and_(Asset.reel == r, Asset.tc_start >= lo, Asset.tc_start < hi)
                              for r, lo, hi in asked[start : start + 200]))  # fmt: skip
                found.update(tuple(row) for row in conn.execute(query.where(where)))
    finally:
        engine.dispose()
    return len(found)


def measure(url: str, asked: list[tuple[str, float, float]], repeat: int) -> str:
    """Frames found, median CPU (the client's: SQLite works in it) and wall time of each way."""
    times: dict[str, list[tuple[float, float]]] = {"per reel": [], "per clip (before)": []}
    counts = {}
    with Ledger(url) as ledger:
        ways: dict[str, Callable[[], int]] = {
                "per reel": lambda: len(ledger.locations.frames_on_reels(asked)),
                "per clip (before)": lambda: per_clip(url, asked)}  # fmt: skip
        for _ in range(repeat):
            for name, way in ways.items():
                started, used = time.perf_counter(), time.process_time()
                counts[name] = way()
                times[name].append((time.process_time() - used, time.perf_counter() - started))
    return (
        "; ".join(
            f"{name}: {counts[name]:,} frames,"
            f" CPU {statistics.median(c for c, _ in t) * 1000:.0f} ms,"
            f" wall {statistics.median(w for _, w in t) * 1000:.0f} ms"
            for name, t in times.items()
        )
        + f" (medians of {repeat})"
    )


def main() -> None:
    """Build the ledger(s), ask, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reels", type=int, default=10)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--others", type=int, default=100_000)
    parser.add_argument("--clips", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL: a schema is made there and dropped")
    args = parser.parse_args()
    asked = spans(args.reels, args.frames, args.clips)
    print(f"{args.reels} reels of {args.frames:,} frames, {args.others:,} other images;"
          f" {args.clips} clips of {CLIP_FRAMES} frames asked")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp:
        url = f"sqlite:///{tmp}/ledger.sqlite3"
        Ledger.init(url)[0].close()
        fill(url, args.reels, args.frames, args.others)
        print("SQLite:", measure(url, asked, args.repeat))
    if args.pg:
        _on_postgres(args, asked)


def _on_postgres(args: argparse.Namespace, asked: list[tuple[str, float, float]]) -> None:
    import psycopg

    from tests.support.postgres import pg_dsn

    schema = f"bench_frames_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn(args.pg), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in args.pg else "?"
    url = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
    try:
        Ledger.init(url)[0].close()
        fill(url, args.reels, args.frames, args.others)
        with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
            conn.execute("ANALYZE")
        print("PostgreSQL:", measure(url, asked, args.repeat))
    finally:
        with psycopg.connect(pg_dsn(args.pg), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
