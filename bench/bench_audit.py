#!/usr/bin/env python3
"""Benchmark: `provenance audit` against `openssl dgst -sha256` over the same package.

Uses the generated corpus of bench_scan.py as the package (stills, TIFF
frames, WAV takes, MP4 movies; about 2.8 GB by default). Two cases:

* **known package**: every file is already in the ledger (scanned first, so
  images have stored fingerprints). Target: audit wall time <= 0.6 x one
  `openssl dgst -sha256` process over the same files. Measured with
  ``--no-record`` (runs alike) and then as recorded (the default: an
  ``audited`` event for every matched file).
* **unseen package**: a fresh ledger that knows only a few generated images,
  so every file is classified and every image fingerprinted. Reported in
  files/s with the cost split by stage.

    python bench/bench_audit.py [--scale 0.25] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import (
    DEFAULT_DIR,
    compile_package,
    corpus_files,
    interleaved,
    machine,
    openssl_seconds,
)


def provenance(*args: str) -> tuple[float, dict[str, object]]:
    """Wall time and JSON output of one provenance command (exit 1 = blocked is fine)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "provenance", *args], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"provenance {' '.join(args)} failed:\n{done.stderr}")
    return elapsed, json.loads(done.stdout)


def hash_floor_seconds(files: list[Path]) -> float:
    """SHA-256 of every file on the audit's own pool (forked processes, one per core), alone.

    The floor of any audit that reads every byte: what is left between this
    and the audit is start-up, the ledger and judging.
    """
    from provenance.audit.package import hash_crashed, hash_files
    from provenance.util.workpool import OrderedPool, processes_available

    pairs = [(str(path), path) for path in files]
    started = time.perf_counter()
    with OrderedPool(
        hash_files, pairs, os.cpu_count() or 1, on_crash=hash_crashed, window=len(pairs),
        processes=processes_available(),
    ) as pool:  # fmt: skip
        for _ in pool:
            pass
    return time.perf_counter() - started


def main() -> None:
    """Run both cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = corpus_files(args.corpus, args.scale)
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    compile_package()
    openssl_seconds(files)  # warm the page cache
    with tempfile.TemporaryDirectory() as work:
        known = f"sqlite:///{work}/known.sqlite3"
        provenance("scan", str(args.corpus), "--db", known, "--json")
        audit_args = ("audit", str(args.corpus), "--format", "json", "--no-record")
        bases, runs = interleaved(
            lambda: openssl_seconds(files),
            lambda: provenance(*audit_args, "--db", known),
            args.repeat,
        )
        base = statistics.median(bases)
        floor = statistics.median(hash_floor_seconds(files) for _ in range(args.repeat))
        known_s = statistics.median(r[0] for r in runs)
        # The default: the audit is recorded, with an `audited` event per matched file.
        recorded_args = ("audit", str(args.corpus), "--format", "json", "--db", known)
        recorded = [provenance(*recorded_args) for _ in range(args.repeat)]
        recorded_s = statistics.median(r[0] for r in recorded)
        unseen = f"sqlite:///{work}/unseen.sqlite3"
        provenance(
            "scan", str(args.corpus / "stills" / "still_00000.png"), "--db", unseen, "--json"
        )
        unseen_s, report = provenance(*audit_args, "--db", unseen)
    print(f"machine: {machine()}")
    print(f"package: {len(files)} files, {total_mb:.0f} MB")
    print(f"openssl dgst -sha256 (1 proc): {base:.2f} s")
    print(f"SHA-256 alone on the audit's pool ({os.cpu_count()} processes): {floor:.2f} s"
          f"  ratio {floor / base:.2f} (the floor)")  # fmt: skip
    ratio = known_s / base
    print(f"audit, all files in ledger:    {known_s:.2f} s  ratio {ratio:.2f} (target <= 0.6)")
    print(f"  stages: {runs[-1][1]['stages']}")
    record_stage = recorded[-1][1]["stages"].get("record")  # type: ignore[attr-defined]
    print(f"  the same, recorded in the ledger (the default): {recorded_s:.2f} s"
          f"  ratio {recorded_s / base:.2f}; record stage {record_stage} s")  # fmt: skip
    print(f"audit, files never seen:       {unseen_s:.2f} s  {len(files) / unseen_s:.0f} files/s")
    print(f"  stages: {report['stages']}")
    print(f"  summary: {report['summary']}")


if __name__ == "__main__":
    main()
