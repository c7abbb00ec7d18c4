#!/usr/bin/env python3
"""Benchmark: the baseline step of ``provenance init`` on an upgraded ledger of 1,000,000 events.

``init`` records a ``state-baseline`` for the assets whose events predate the
state projection. It used to fold the whole chain to find them, on every run,
inside the write transaction; it now finds candidates in SQL and folds only
theirs. On a ledger that needs no baseline (the usual case: every ``init``
after the first upgrade) this times, in one process, the CPU seconds
(``time.process_time``) of

* the baseline: the whole chain's fold, as ``init`` ran it before
  (``Projection().fold(stream_events(conn))``, before writing anything);
* the contender: ``ledger.record_baseline()`` (the pre-check, and nothing
  to fold),

taking turns, and prints medians and the ratio. The ledger is the one
``bench_verify.py`` builds (a studio's mix of events, each row what its
events say).

    python bench/bench_init.py [--events 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import interleaved, machine
from bench_verify import build, sizes

from provenance.store import Ledger
from provenance.store.engine import make_engine
from provenance.store.projection import Projection
from provenance.store.state import stream_events


def whole_fold(url: str) -> float:
    """The baseline: CPU seconds of folding every event, as ``init`` did on every run."""
    engine = make_engine(url)
    try:
        started = time.process_time()
        with engine.connect() as conn:
            legacy = Projection().fold(stream_events(conn)).legacy
        spent = time.process_time() - started
    finally:
        engine.dispose()
    assert not legacy
    return spent


def record_baseline(url: str) -> float:
    """The contender: CPU seconds of ``init``'s baseline step as it is now."""
    with Ledger(url) as ledger:
        started = time.process_time()
        written = ledger.record_baseline()
        spent = time.process_time() - started
    assert written == 0
    return spent


def main() -> None:
    """Build the ledger, then time the baseline and the contender, taking turns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-init-") as work:
        path = Path(work) / "ledger.sqlite3"
        url = f"sqlite:///{path}"
        built = build(path, args.events)
        print(machine())
        print(f"load average {os.getloadavg()[0]:.1f}; built in {built:.1f} s: "
              f"{', '.join(sizes(path))}")  # fmt: skip
        base, contender = interleaved(
            lambda: whole_fold(url), lambda: record_baseline(url), args.repeat
        )
        b, c = statistics.median(base), statistics.median(contender)
        print(f"whole-chain fold (init before): {b:.2f} s CPU (median of {args.repeat})")
        print(f"record_baseline (init now): {c:.3f} s CPU  ratio {b / c:.0f}x less")
        print(f"runs: fold {[round(x, 2) for x in base]}, now {[round(x, 3) for x in contender]}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
