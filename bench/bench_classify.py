#!/usr/bin/env python3
"""Benchmark: classification cost per file, beside `exiftool -json` over the same files.

Classification reads headers, not pixels (except the stealth check where it
can apply). This prints the per-file cost of `classify_file` (median, p95,
files/s, one process) on the generated benchmark corpus (see corpus.py) and
on the shared real-world corpus when present, and the wall time of one
`exiftool -json` process over the same files, in the same run. ExifTool
(Debian's libimage-exiftool-perl) only reads and prints metadata; it judges
nothing, so it is a yardstick, not a competitor.

    python bench/bench_classify.py [--scale 0.25] [--repeat 7]

With ``--repeat N`` each file is classified N times and its cost is the
fastest of them: on a shared machine the other processes' noise only ever
adds time, so the minimum is the figure that compares across runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scan import DEFAULT_DIR, corpus_files, machine  # noqa: E402

from provenance.classify import classify_file  # noqa: E402
from provenance.detectors.registry import load_detectors  # noqa: E402
from provenance.settings import Settings  # noqa: E402
from tests.support.corpus import corpus_files as shared_corpus  # noqa: E402


def classify_costs(files: list[Path], repeat: int = 1) -> list[float]:
    """Seconds per file for classify_file (the fastest of ``repeat``), one process, warm cache."""
    settings = Settings(db="sqlite://")
    load_detectors()
    costs = []
    for path in files:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            classify_file(path, settings)
            best = min(best, time.perf_counter() - started)
        costs.append(best)
    return costs


def exiftool_seconds(files: list[Path]) -> float | None:
    """Wall time of one `exiftool -json` over the files, or None when not installed."""
    if shutil.which("exiftool") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".args") as args:
        args.write("\n".join(map(str, files)))
        args.flush()
        started = time.perf_counter()
        subprocess.run(
            ["exiftool", "-json", "-q", "-@", args.name], capture_output=True, check=False
        )
        return time.perf_counter() - started


def report(name: str, files: list[Path], repeat: int = 1) -> None:
    """Print one corpus's line."""
    costs = classify_costs(files, repeat)
    total = sum(costs)
    p95 = statistics.quantiles(costs, n=20)[-1] if len(costs) >= 20 else max(costs)
    line = (
        f"{name:24}{len(files):7}{statistics.median(costs) * 1000:10.2f}{p95 * 1000:9.2f}"
        f"{len(files) / total:10.0f}{total:9.2f}"
    )
    exif = exiftool_seconds(files)
    line += f"{exif:11.2f}{exif / total:9.1f}x" if exif else "   (exiftool not installed)"
    print(line)


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs a file (fastest kept)")
    args = parser.parse_args()
    generated = corpus_files(args.corpus, args.scale)
    real = shared_corpus()
    print(f"machine: {machine()}")
    header = f"{'corpus':24}{'files':>7}{'median ms':>10}{'p95 ms':>9}{'files/s':>10}{'total s':>9}"
    print(header + f"{'exiftool s':>11}{'exif/ours':>10}")
    report("generated", generated, args.repeat)
    for manifest in sorted({f.manifest for f in real}):
        files = [f.path for f in real if f.manifest == manifest]
        report(f"shared {manifest}", files, args.repeat)


if __name__ == "__main__":
    main()
