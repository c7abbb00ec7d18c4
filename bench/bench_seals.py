#!/usr/bin/env python3
"""Benchmark: what sealing the derived rows costs (issue 15, :mod:`provenance.store.seals`).

Builds :mod:`bench_verify`'s SQLite ledger (``--events``), then gives every
asset a fingerprint and every asset that is not generated a region check,
through the ledger (so each batch of 500 is sealed: digests, a ``sealed``
event and its list; the bench's ledger has no machine key, so no checkpoint
is signed, which a command's write adds: see ``bench_checkpoints.py``).
Three costs, each against a plain ``sqlite3`` baseline run in turns with it,
medians quoted:

* **writing**: one batch of 500 fingerprints saved by the ledger, against
  the same 500 rows inserted with plain ``sqlite3`` in one transaction;
* **the audit's read**: the stored fingerprints and region checks of 2,000
  random assets (``many``, which checks each asset's rows against its seal),
  against the same rows selected with plain ``sqlite3``;
* **verify's check**: every derived row checked against its asset's latest
  seal (:func:`~provenance.store.seals.seal_differences`), against every
  derived row read with plain ``sqlite3``;

and ``provenance verify`` whole, in a fresh process, which must find nothing.

    python bench/bench_seals.py [--events 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import interleaved, machine
from bench_verify import build, verify

from provenance.likeness.versions import REGION_RULE
from provenance.store import FingerprintIn, Ledger, RegionCheckIn
from provenance.store.engine import make_engine
from provenance.store.seals import SEALED, seal_differences

BATCH = 500
PICKED = 2_000


def hashes(rng: random.Random) -> tuple[int, int]:
    """Two signed 64-bit hashes."""
    return rng.getrandbits(64) - 2**63, rng.getrandbits(64) - 2**63


def fill(ledger: Ledger, shas: Sequence[str], plain: Sequence[str], rng: random.Random) -> float:
    """Fingerprint every asset and region-check the ``plain`` ones; seconds taken."""
    started = time.perf_counter()
    for at in range(0, len(shas), BATCH):
        ledger.fingerprints.save(
            [FingerprintIn(s, "ok", *hashes(rng)) for s in shas[at : at + BATCH]]
        )
    for at in range(0, len(plain), BATCH):
        ledger.regions.save([RegionCheckIn(s, 0, rule=REGION_RULE) for s in plain[at : at + BATCH]])
    return time.perf_counter() - started


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def plain_insert(path: Path, shas: Sequence[str], rng: random.Random) -> float:
    """The writing baseline: 500 fingerprint rows into a copy of the table, one transaction."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS plain_prints AS SELECT * FROM fingerprints WHERE 0")
    rows = [(s, 0, "ok", "2026-01-01 00:00:00", *hashes(rng)) for s in shas]
    started = time.perf_counter()
    with conn:
        conn.execute("DELETE FROM plain_prints")
        conn.executemany("INSERT INTO plain_prints (asset_sha256, frame, status, computed_at,"
                         " grad, dct) VALUES (?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def plain_pick(path: Path, shas: Sequence[str]) -> float:
    """The audit read's baseline: the same assets' rows of both tables, plain ``sqlite3``."""
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    marks = ",".join("?" * len(shas))
    for table in ("fingerprints", "region_checks"):
        rows = conn.execute(f"SELECT * FROM {table} WHERE asset_sha256 IN ({marks})"
                            " ORDER BY asset_sha256, frame", list(shas)).fetchall()  # fmt: skip
        assert rows
    conn.close()
    return time.perf_counter() - started


def plain_read_derived(path: Path) -> float:
    """Verify's baseline: every derived row read with plain ``sqlite3``, by asset and frame."""
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    for table in ("fingerprints", "features", "region_checks", "segments"):
        for _ in conn.execute(f"SELECT * FROM {table} ORDER BY asset_sha256, frame"):
            pass
    conn.close()
    return time.perf_counter() - started


def sealed_events(path: Path) -> dict[int, dict[str, object]]:
    """The ``sealed`` events' details by seq, as verify's fold collects them."""
    conn = sqlite3.connect(path)
    found = {int(seq): json.loads(details) for seq, details in
             conn.execute("SELECT seq, details FROM events WHERE type = ?", (SEALED,))}  # fmt: skip
    conn.close()
    return found


def report(name: str, base: list[float], contender: list[float], unit: float = 1.0) -> None:
    b, c = statistics.median(base), statistics.median(contender)
    runs = f"{[round(x * unit, 3) for x in base]} / {[round(x * unit, 3) for x in contender]}"
    print(f"{name}: plain {b * unit:.3f}, provenance {c * unit:.3f}, ratio {c / b:.1f}"
          f"  (runs: {runs})")  # fmt: skip


def main() -> None:
    """Build, fill, then time each cost against its baseline, taking turns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(15)
    with tempfile.TemporaryDirectory(prefix="bench-seals-") as work:
        path = Path(work) / "ledger.sqlite3"
        url = f"sqlite:///{path}"
        print(machine())
        print(f"ledger of {args.events:,} events built in {build(path, args.events):.1f} s")
        conn = sqlite3.connect(path)
        assets = conn.execute("SELECT sha256, verdict FROM assets ORDER BY sha256").fetchall()
        conn.close()
        shas = [sha for sha, _ in assets]
        plain = [sha for sha, verdict in assets if verdict != "genai"]
        with Ledger(url, host="bench") as ledger:
            filled = fill(ledger, shas, plain, rng)
            batches = (len(shas) + len(plain)) / BATCH
            print(f"{len(shas):,} fingerprints and {len(plain):,} region checks saved in"
                  f" {filled:.1f} s ({batches:.0f} sealed batches)")  # fmt: skip
            batch = rng.sample(shas, BATCH)

            def write() -> None:
                ledger.fingerprints.save([FingerprintIn(s, "ok", *hashes(rng)) for s in batch])

            base, contender = interleaved(lambda: plain_insert(path, batch, rng),
                                          lambda: timed(write), args.repeat, abba=True)  # fmt: skip
            report("writing 500 fingerprints, ms", base, contender, 1000)
            picked = rng.sample(plain, min(PICKED, len(plain)))

            def read() -> None:
                assert len(ledger.fingerprints.many(picked)) == len(picked)
                assert len(ledger.regions.many(picked)) == len(picked)

            base, contender = interleaved(lambda: plain_pick(path, picked), lambda: timed(read),
                                          args.repeat, abba=True)  # fmt: skip
            report(f"the audit's read of {len(picked):,} assets' rows, ms", base, contender, 1000)
        sealed = sealed_events(path)

        def check() -> None:
            engine = make_engine(url)
            with engine.connect() as conn:
                assert seal_differences(conn, sealed) == []
            engine.dispose()

        base, contender = interleaved(lambda: plain_read_derived(path), lambda: timed(check),
                                      args.repeat, abba=True)  # fmt: skip
        report("verify's seal check of every derived row, s", base, contender)
        runs = [verify(path) for _ in range(max(1, args.repeat // 2))]
        print(f"provenance verify, whole: {statistics.median(runs):.2f} s (runs {runs})")


if __name__ == "__main__":
    main()
