"""What signing the chain costs: a checkpoint per write transaction, verify's checks, the audit's.

Runs, on a fresh SQLite ledger (and PostgreSQL with ``--pg URL``):

* write transactions of one new asset each (the smallest a command makes, so
  the checkpoint's share is the largest it can be), alternating with and
  without the machine's notary; and batches of 500 (a scan's);
* ``check_signatures`` (every checkpoint's signature and hash) over the
  checkpoints those wrote;
* ``ledger_distrust``, the audit's quick look (newest checkpoint and anchor, and the
  ranges signed since its last look), with nothing remembered and then warm.

Usage: ``python bench/bench_checkpoints.py [--rounds 200] [--pg URL]``.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

from provenance.lifecycle.anchors import check_signatures, ledger_distrust
from provenance.settings import Settings
from provenance.signing.checkpoints import notary_for
from provenance.store import AssetFacts, Ledger, Observation

counter = [0]


def observation() -> Observation:
    counter[0] += 1
    sha = hashlib.sha256(str(counter[0]).encode()).hexdigest()
    facts = AssetFacts(sha, 1, "image", "image/png", "PNG", 1, 1, None, "unknown", None, None,
                       (), None, None)  # fmt: skip
    return Observation(facts, "bench", f"/bench/{counter[0]}.png", 1, 1, counter[0])


def timed_batches(ledger: Ledger, rounds: int, size: int) -> list[float]:
    times = []
    for _ in range(rounds):
        batch = [observation() for _ in range(size)]
        start = time.perf_counter()
        ledger.record(batch, exists=lambda _p: True)
        times.append(time.perf_counter() - start)
    return times


def run(url: str, folder: Path, rounds: int) -> None:
    settings = Settings(db=url, machine_key=str(folder / "machine_key"))
    Ledger.init(url)[0].close()
    with Ledger(url) as plain, Ledger(url) as signed:
        signed.attach_notary(notary_for(settings, signed.where))
        for size, n in ((1, rounds), (500, max(rounds // 20, 5))):
            bare, with_cp = [], []
            for _ in range(n):
                bare += timed_batches(plain, 1, size)
                with_cp += timed_batches(signed, 1, size)
            b, s = statistics.median(bare) * 1e3, statistics.median(with_cp) * 1e3
            name = url.split(":", maxsplit=1)[0]
            print(f"{name:10} batch {size:4}: {b:7.2f} ms plain, {s:7.2f} ms signed,"
                  f" +{s - b:5.2f} ms ({(s - b) / b * 100:5.1f} %) per transaction")  # fmt: skip
        start = time.perf_counter()
        report = check_signatures(signed, settings)
        elapsed = time.perf_counter() - start
        print(
            f"{'':10} verify's signature checks: {report.checkpoints} checkpoints in"
            f" {elapsed * 1e3:.0f} ms ({elapsed / max(report.checkpoints, 1) * 1e6:.0f} us each)"
        )
        quick_looks(signed, settings, rounds)


def quick_looks(signed: Ledger, settings: Settings, rounds: int) -> None:
    """The audit's quick look: with no memory of the ranges checked (every ranged checkpoint's
    signature), then after one more signed transaction each time (as between two audits)."""
    anchor = notary_for(settings, signed.where).anchor
    (anchor.parent / "ranges" / anchor.name).unlink(missing_ok=True)
    start = time.perf_counter()
    ledger_distrust(signed, settings)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(max(rounds // 10, 5)):
        timed_batches(signed, 1, 1)
        start = time.perf_counter()
        ledger_distrust(signed, settings)
        warm.append(time.perf_counter() - start)
    print(
        f"{'':10} the audit's quick look: {cold * 1e3:.1f} ms with nothing remembered,"
        f" {statistics.median(warm) * 1e3:.1f} ms after one more transaction (median)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--pg", help="a PostgreSQL URL whose database may be written")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-checkpoints-") as tmp:
        run(f"sqlite:///{tmp}/ledger.sqlite3", Path(tmp), args.rounds)
        if args.pg:
            run(args.pg, Path(tmp), args.rounds)


if __name__ == "__main__":
    main()
