#!/usr/bin/env python3
"""Benchmark: what checking the index of generated pictures costs the audit (issue 15).

Builds :mod:`bench_verify`'s SQLite ledger (``--events``) and gives every
asset a fingerprint through the ledger (sealed in batches, as
:mod:`bench_seals` does). Then loads the audit's index of generated
fingerprints three ways, each in turns with a plain ``sqlite3`` read of the
same rows (the generated assets' ``ok`` fingerprints), medians quoted:

* **unchecked**: :func:`~provenance.likeness.search.load_index` as the audit
  loaded it before (the rows as the tables say);
* **first check**: through :class:`~provenance.lifecycle.index_check.IndexCheck`
  with no memory (a machine's first audit: every generated asset's row
  against its events, its rows against their seal);
* **checked before**: the same with this machine's memory of the last check
  (every later audit while the index is unchanged).

    python bench/bench_index_check.py [--events 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import interleaved, machine
from bench_seals import fill, report, timed
from bench_verify import build

from provenance.lifecycle.index_check import IndexCheck
from provenance.likeness.search import load_index
from provenance.settings import Settings
from provenance.signing.checkpoints import notary_for
from provenance.store import Ledger

PLAIN = (
    "SELECT f.asset_sha256, f.grad, f.dct FROM fingerprints f"
    " JOIN assets a ON a.sha256 = f.asset_sha256"
    " WHERE f.status = 'ok' AND a.verdict = 'genai' ORDER BY f.id"
)


def plain_read(path: Path) -> float:
    """The generated assets' fingerprints read with plain ``sqlite3``."""

    def read() -> None:
        conn = sqlite3.connect(path)
        conn.execute(PLAIN).fetchall()
        conn.close()

    return timed(read)


def main() -> None:
    """Build, fill, then time each way against the plain read, taking turns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-index-") as work:
        os.environ["PROVENANCE_MACHINE_KEY"] = str(Path(work) / "key" / "machine_key")
        path = Path(work) / "ledger.sqlite3"
        url = f"sqlite:///{path}"
        print(machine())
        print(f"ledger of {args.events:,} events built in {build(path, args.events):.1f} s")
        conn = sqlite3.connect(path)
        shas = [sha for (sha,) in conn.execute("SELECT sha256 FROM assets ORDER BY sha256")]
        generated = conn.execute("SELECT count(*) FROM assets WHERE verdict = 'genai'").fetchone()
        conn.close()
        settings = Settings(db=url)
        with Ledger(url, host="bench") as ledger:
            fill(ledger, shas, [], random.Random(15))
            print(f"{len(shas):,} assets fingerprinted, {generated[0]:,} of them generated")
            memory = notary_for(settings, ledger.where).anchor.parent / "indexes"

            def checked(*, forget: bool) -> float:
                if forget:
                    shutil.rmtree(memory, ignore_errors=True)
                check = IndexCheck(ledger, settings)
                took = timed(lambda: load_index(ledger, check))
                if check.problems:
                    raise SystemExit(f"the bench's index has problems: {check.problems[:3]}")
                return took

            plain = lambda: plain_read(path)  # noqa: E731
            runs = [
                ("unchecked (before)", lambda: timed(lambda: load_index(ledger))),
                ("first check (no memory)", lambda: checked(forget=True)),
                ("checked before (memory)", lambda: checked(forget=False)),
            ]
            for name, contender in runs:
                base, got = interleaved(plain, contender, args.repeat, abba=True)
                report(f"{name}, ms", base, got, 1000)


if __name__ == "__main__":
    main()
