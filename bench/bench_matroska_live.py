#!/usr/bin/env python3
"""Benchmark: the Matroska tag walk through a long live recording's clusters of unknown size.

A live recording (OBS, MediaRecorder, ffmpeg to a pipe) writes its clusters
with an unknown size, so the tag reader walks every block header to find
where each cluster ends (``provenance/files/formats/ebml.py``). Files built
by ``tests/support/live_matroska.py`` into a temporary folder:

* ``dense``: ``--blocks`` (1,000,000) small blocks, 1,000 to a cluster of
  unknown size, ``Tags`` at the end: the headers of a 2-hour 60 fps
  recording with audio, without its frames;
* ``sparse``: ``--frames`` (20,000) blocks of 16 KiB: each header in a
  window of its own, as in a real recording's video;
* ``hostile-blocks``: empty one-byte-ID elements inside one cluster, past
  the block budget (``MAX_BLOCKS``), which must be reached (``limits``);
* ``hostile-void`` and ``hostile-ids``: elements the inline loop does not
  take (empty ``Void`` elements at segment level; two-byte IDs inside a
  cluster) past the element budget (``MAX_ELEMENTS``), reached likewise.

Each is timed as ``read_matroska_tags`` (CPU, in this process) against two
baselines run alternately in the same run: a plain read of the whole file
in 1 MiB chunks, and, when ffmpeg is installed, ``ffmpeg -c copy -f null``
(a real demuxer, wall time, its own process). Medians of ``--repeat`` runs.

    python bench/bench_matroska_live.py [--blocks N] [--frames N] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scan import machine  # noqa: E402

from provenance.files.formats import ebml  # noqa: E402
from provenance.files.formats.ebml import read_matroska_tags  # noqa: E402
from tests.support import live_matroska as live  # noqa: E402
from tests.support.containers import matroska_tags_element  # noqa: E402

TAGS = matroska_tags_element([("COMMENT", "graph")])


def dense(blocks: int) -> bytes:
    """``blocks`` small blocks, 1,000 to a cluster of unknown size, then the tags."""
    whole, rest = divmod(blocks, 1000)
    return live.live_matroska(live.live_cluster(1000) * whole, live.live_cluster(rest), TAGS)


def sparse(frames: int) -> bytes:
    """``frames`` blocks of 16 KiB, 100 to a cluster of unknown size, then the tags."""
    cluster = live.CLUSTER + live.UNKNOWN_SIZE + live.simple_block(frame=bytes(16384)) * 100
    return live.live_matroska(cluster * (frames // 100), TAGS)


def hostile_blocks() -> bytes:
    """Empty ``Void`` elements inside a cluster of unknown size, past the block budget."""
    body = b"\xec\x80" * (ebml.MAX_BLOCKS + 10)
    return live.live_matroska(live.CLUSTER + live.UNKNOWN_SIZE + body, TAGS)


def hostile_void() -> bytes:
    """Empty ``Void`` elements at segment level, past the element budget."""
    return live.live_matroska(b"\xec\x80" * (ebml.MAX_ELEMENTS + 10), TAGS)


def hostile_ids() -> bytes:
    """Empty elements of a two-byte ID inside a cluster, past the element budget."""
    body = b"\x42\x86\x80" * (ebml.MAX_ELEMENTS + 10)
    return live.live_matroska(live.CLUSTER + live.UNKNOWN_SIZE + body, TAGS)


def contender(path: Path) -> float:
    began = time.process_time()
    found = read_matroska_tags(path)
    spent = time.process_time() - began
    hostile = path.name.startswith("hostile")
    if hostile != bool(found.limits) or found.problems or (not hostile and not found.tags):
        raise SystemExit(f"{path.name}: unexpected walk result {found}")
    return spent


def plain_read(path: Path) -> float:
    began = time.process_time()
    with path.open("rb", buffering=0) as stream:
        while stream.read(1 << 20):
            pass
    return time.process_time() - began


def ffmpeg_null(path: Path) -> float:
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0", "-c", "copy"]
    command += ["-f", "null", "-"]
    began = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, timeout=600)
    return time.perf_counter() - began


def measure(path: Path, repeat: int, baselines: dict[str, Callable[[Path], float]]) -> None:
    """Alternate the baselines and the contender; print medians and ratios."""
    runs: dict[str, list[float]] = {name: [] for name in ("walk", *baselines)}
    for _ in range(repeat):
        for name, run in baselines.items():
            runs[name].append(run(path))
        runs["walk"].append(contender(path))
    walk = statistics.median(runs["walk"])
    parts = [f"walk {walk * 1000:8.1f} ms"]
    for name in baselines:
        base = statistics.median(runs[name])
        parts.append(f"{name} {base * 1000:8.1f} ms (walk/{name} {walk / base:5.2f})")
    size = path.stat().st_size / 1e6
    print(f"{path.name:18} {size:6.1f} MB  " + "  ".join(parts), flush=True)


def main() -> None:
    """Build the files, run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine(), f"nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    budgets = f"{ebml.MAX_BLOCKS:,} block headers, {ebml.MAX_ELEMENTS:,} other elements"
    print(f"budgets {budgets}; window {ebml.WINDOW} bytes")
    baselines: dict[str, Callable[[Path], float]] = {"read": plain_read}
    if shutil.which("ffmpeg"):
        baselines["ffmpeg"] = ffmpeg_null
    files = {
        "dense.mkv": lambda: dense(args.blocks),
        "sparse.mkv": lambda: sparse(args.frames),
        "hostile-blocks.mkv": hostile_blocks,
        "hostile-void.mkv": hostile_void,
        "hostile-ids.mkv": hostile_ids,
    }
    with tempfile.TemporaryDirectory() as folder:
        for name, build in files.items():
            path = Path(folder) / name
            path.write_bytes(build())
            measure(path, args.repeat, baselines)
            path.unlink()


if __name__ == "__main__":
    main()
