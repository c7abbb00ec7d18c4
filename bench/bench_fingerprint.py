#!/usr/bin/env python3
"""Benchmark: near-match fingerprints and the index that looks them up.

Measures, in one run (files generated once into ``--data``, see nearmatch_data.py):

(a) robustness: the share of altered copies of each original (JPEG 60-90, 50%
    downscale, format conversions, 16-bit, EXR, DPX, gamma, colour, stripped
    metadata, 2-5% crops) that match it under the rule (target >= 97%), beside
    the rules it was chosen over;
(b) false matches: unrelated pictures against the originals (target 0), and
    among themselves, which gives the rate a large ledger would see;
(c) throughput: ``fingerprint_files`` on a process pool against a plain
    one-process loop of Pillow decode + imagehash pHash over the same full-HD
    frames (target >= 1.6x);
(d) the index: memory and p99 query latency at 1,000,000 fingerprints, with
    numpy brute force over the same hashes printed beside it;
(e) the copies of (a) farther than the near match's sure distance, which the
    region rule must confirm (see nearmatch_confirm.py), and the recall left.

Prints a report and writes it to bench/RESULTS.md under "## Near match"
(replacing that section only; other sections are left alone).

    python bench/bench_fingerprint.py            # 150 + corpus originals, 10,000 unrelated
    python bench/bench_fingerprint.py --quick    # a smaller run, not written to RESULTS.md
    python bench/bench_fingerprint.py --recall-only  # (a)'s copies and (e) alone, printed
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nearmatch_confirm import confirmation, render_confirmation
from nearmatch_data import Plan, build, fingerprint_or_none, phash_file
from nearmatch_measure import (
    Hashes,
    index_figures,
    robustness,
    throughput,
)
from nearmatch_report import render, write_section

from provenance.likeness.fingerprint import process_pool

DEFAULT_DATA = Path(tempfile.gettempdir()) / "provenance-bench-nearmatch"
QUICK = Plan(synthetic=40, unrelated=2000, frames=60)
RECALL = Plan(unrelated=0, frames=0)  # the originals and copies of (a) alone


def hash_everything(paths: list[str], workers: int, *, baseline: bool = True) -> Hashes:
    """Our fingerprints and (unless not ``baseline``) the pHash of every file, on a pool."""
    with process_pool(workers) as pool:
        ours = dict(zip(paths, pool.map(fingerprint_or_none, paths, chunksize=32), strict=True))
        base = (dict(zip(paths, pool.map(phash_file, paths, chunksize=32), strict=True))
                if baseline else {})  # fmt: skip
    return Hashes(ours, base)


def main() -> None:
    """Run every measurement, print the report, keep it in RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="cache of generated files")
    parser.add_argument("--quick", action="store_true", help="smaller sets; RESULTS.md untouched")
    parser.add_argument("--recall-only", action="store_true", help="(a)'s copies and (e) only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds (best kept)")
    parser.add_argument("--index-size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")  # baseline decodes
    plan = QUICK if args.quick else RECALL if args.recall_only else Plan()
    root = args.data / ("quick" if args.quick else "recall" if args.recall_only else "full")
    root.mkdir(parents=True, exist_ok=True)
    with process_pool(args.workers) as pool:
        data = build(root, plan, pool)
    paths = [*data.originals.values(), *(p for c in data.copies.values() for p in c.values())]
    hashes = hash_everything([*paths, *data.unrelated], args.workers,
                             baseline=not args.recall_only)  # fmt: skip
    confirmed = render_confirmation(confirmation(data, hashes, args.workers))
    if args.recall_only:
        print("\n".join(confirmed))
        return
    lines = render(
        plan,
        robustness(data, hashes),
        throughput(data.frames, args.workers, 2 if args.quick else args.rounds),
        index_figures(args.index_size, args.queries),
    )
    lines += ["", *confirmed]
    print("\n".join(lines))
    if not args.quick:
        write_section(Path(__file__).resolve().parent / "RESULTS.md", lines)


if __name__ == "__main__":
    main()
