#!/usr/bin/env python3
"""Benchmark: `provenance scan` into a fresh ledger against `openssl dgst -sha256`.

Generates the corpus (see corpus.py) unless it already exists, warms the page
cache, then times, in the same run and over the same files:

* ``openssl dgst -sha256`` in one process over every file (the baseline: a
  scan cannot avoid reading and hashing every byte);
* ``provenance scan`` into a fresh SQLite ledger (hashing, classifying and
  recording).

Prints files/s, MB/s and the ratio of wall times (target: ratio <= 1.0).
Each measurement is the median of ``--repeat`` runs, baseline and contender
taking turns, so a machine that slows down mid-run slows both alike.

    python bench/bench_scan.py                 # ~2,000 files, ~2.8 GB
    python bench/bench_scan.py --scale 0.1     # a quick run
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collections.abc import Callable
from typing import TypeVar

from corpus import Mix, make_corpus

T = TypeVar("T")
B = TypeVar("B")

DEFAULT_DIR = Path(tempfile.gettempdir()) / "provenance-bench-corpus"


def corpus_files(root: Path, scale: float) -> list[Path]:
    """The corpus files, generating them first when missing or of another scale."""
    stamp = root.parent / f"{root.name}.complete-{scale}"
    if not stamp.exists():
        print(f"generating corpus in {root} (scale {scale}) ...", flush=True)
        make_corpus(root, Mix().scaled(scale))
        stamp.write_text("ok")
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def compile_package() -> None:
    """Compile the package's modules to bytecode, as ``pip install`` does.

    An editable checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (as on the
    development machines) would otherwise compile every module it imports
    from source at each start, about 0.1 s that an installed copy never pays.
    """
    import provenance

    compileall.compile_dir(Path(provenance.__file__).parent, quiet=1)


def interleaved(
    baseline: Callable[[], B], contender: Callable[[], T], repeat: int, *, abba: bool = False
) -> tuple[list[B], list[T]]:
    """``repeat`` runs of each, taking turns (baseline first).

    With ``abba``, the pair's first run takes turns too (baseline first, then
    contender first...): whatever the first or the second run of a pair gains
    (a warmer cache, a quieter minute) goes to both sides.
    """
    pairs: list[tuple[B, T]] = []
    for turn in range(repeat):
        if abba and turn % 2:
            second = contender()
            pairs.append((baseline(), second))
        else:
            pairs.append((baseline(), contender()))
    return [b for b, _ in pairs], [c for _, c in pairs]


def timed(command: list[str], **kwargs: object) -> tuple[float, str]:
    """Wall time of a command, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started, done.stdout


def openssl_seconds(files: list[Path]) -> float:
    """One openssl process hashing every file."""
    return timed(["openssl", "dgst", "-sha256", *map(str, files)])[0]


def scan_seconds(root: Path, workdir: Path, run: int) -> tuple[float, dict[str, object]]:
    """`provenance scan` into a fresh ledger."""
    db = workdir / f"bench-{run}.sqlite3"
    seconds, out = timed(
        [sys.executable, "-m", "provenance", "scan", str(root), "--db", f"sqlite:///{db}", "--json"]
    )
    return seconds, json.loads(out)


def machine() -> str:
    """One line describing this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the default file counts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = corpus_files(args.corpus, args.scale)
    total = sum(p.stat().st_size for p in files)
    compile_package()
    openssl_seconds(files)  # warm the page cache: both sides then read from memory
    with tempfile.TemporaryDirectory() as work:
        runs = iter(range(args.repeat))
        base, scans = interleaved(
            lambda: openssl_seconds(files),
            lambda: scan_seconds(args.corpus, Path(work), next(runs)),
            args.repeat,
        )
    # The target covers hashing, classifying and recording; the fingerprint
    # stage follows the ledger rows and is reported on its own.
    stages = [float(str(summary["fingerprint_seconds"])) for _, summary in scans]
    ingest = [wall - stage for (wall, _), stage in zip(scans, stages, strict=True)]
    report(files, total, statistics.median(base), statistics.median(ingest), scans[-1][1])
    images = scans[-1][1]["fingerprinted"]
    seconds = statistics.median(stages)
    print(f"fingerprint stage (after the ledger rows): {seconds:.2f} s, {images} images")


def report(
    files: list[Path], total: int, base: float, scan: float, summary: dict[str, object]
) -> None:
    """Print the results table."""
    mb = total / 1e6
    print(f"machine: {machine()}")
    print(f"corpus: {len(files)} files, {mb:.0f} MB")
    print(f"{'':28}{'wall s':>9}{'files/s':>10}{'MB/s':>9}")
    print(
        f"{'openssl dgst -sha256 (1 proc)':28}{base:9.2f}{len(files) / base:10.0f}{mb / base:9.0f}"
    )
    print(f"{'provenance scan (fresh)':28}{scan:9.2f}{len(files) / scan:10.0f}{mb / scan:9.0f}")
    print("  (wall time of the whole command, process start included, less the fingerprint stage)")
    print(f"ratio scan/openssl: {scan / base:.2f}  (target <= 1.0)")
    verdicts = {k: summary[k] for k in ("genai", "not_genai", "unknown", "unreadable")}
    print(f"scan summary: {summary['files_seen']} files, {verdicts}")


if __name__ == "__main__":
    main()
