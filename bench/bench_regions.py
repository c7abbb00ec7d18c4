#!/usr/bin/env python3
"""Benchmark: finding reframed generated pictures by their local features (issue 13).

Measures, in one run, over ``--count`` synthetic generated pictures (960x540,
textured) plus the shared corpus's decodable generated stills:

(a) recall per reframing family at its limit (tests/support/reframing.py:
    crops to half the area, scale 0.3 and 2, flop, flip, quarter turns,
    letterbox and pillarbox, burn-ins, a grade, a composite at 1/5 of a plate);
    target >= 97 % each;
(b) false matches of ``--unrelated`` unrelated pictures (and the corpus's
    camera pictures) against the index; target 0;
(c) index memory per picture, and extrapolated to 100,000 pictures (target
    <= 1 GB), beside the process's resident growth while it was built;
(d) query latency p50/p99 on one core, the faiss index beside brute force
    (OpenCV BFMatcher, Hamming, over the same descriptors), run alternately on
    the same queries; describing the delivered frame is timed apart;
(e) describing throughput at 1080p on 2 processes, from in-memory frames and
    from PNG files through the bounded decoder (target >= 100 pictures/s).

``--pad N`` adds N pseudo-pictures (real descriptors with a few bits flipped,
shuffled between pictures) to see the query latency of a larger index.

    python bench/bench_regions.py                       # 200 generated, 500 unrelated
    python bench/bench_regions.py --count 1000 --unrelated 5000 --pad 100000
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import faiss
import numpy as np
from numpy.typing import NDArray
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provenance.errors import UndecodableImage
from provenance.likeness.features import Features, describe_file, describe_luma
from provenance.likeness.fingerprint import Fingerprint, fingerprint_luma
from provenance.likeness.frames import decode_luma
from provenance.likeness.regions import INDEX_POINTS, NEIGHBOURS, RegionIndex
from tests.support.corpus import corpus_files
from tests.support.reframing import REFRAMINGS, RGB, luma, textured

SIZE = (960, 540)
Descriptors = NDArray[np.uint8]
UNRELATED_SEED = 1_000_000


def sha(label: str) -> str:
    """A stand-in SHA-256 for a generated picture."""
    return hashlib.sha256(label.encode()).hexdigest()


def corpus_pictures(label: str, limit: int) -> list[RGB]:
    """Distinct decodable stills of the shared corpus with ``label``, as grey RGB.

    The corpus holds some pictures several times (one generation saved by
    several tools); only the first of each whole copy (by the perceptual
    fingerprint's rule) is kept, and pictures with too little structure for
    local features (a flat 128-pixel square) are left to the fingerprint.
    """
    found: list[RGB] = []
    prints: list[Fingerprint] = []
    for item in corpus_files():
        if item.label != label or item.path.suffix.lower() not in (
            ".png",
            ".jpg",
            ".jpeg",
            ".webp",
        ):
            continue
        try:
            grey = decode_luma(item.path, work_side=540).luma
        except (UndecodableImage, OSError):
            continue
        mine = fingerprint_luma(grey)
        if mine is None or any(mine.matches(other) for other in prints):
            continue
        if len(describe_luma(grey, cap=100)) >= 100:
            prints.append(mine)
            found.append(np.repeat(grey[..., None], 3, axis=2))
        if len(found) >= limit:
            break
    return found


def distinct_from(candidates: list[RGB], generated: list[RGB]) -> list[RGB]:
    """``candidates`` except those that are a whole copy of a generated picture.

    The corpus holds one photograph twice, once labelled generated (a
    composite manifest was added to it) and once as the camera's: the
    perceptual fingerprint already calls them the same picture, so that pair
    says nothing about false matches.
    """
    prints = [fingerprint_luma(luma(rgb)) for rgb in generated]
    known = [p for p in prints if p is not None]
    kept = []
    for rgb in candidates:
        mine = fingerprint_luma(luma(rgb))
        if mine is None or not any(mine.matches(other) for other in known):
            kept.append(rgb)
    print(f"  {len(candidates) - len(kept)} corpus camera picture(s) left out: whole copies")
    return kept


def build(pictures: list[RGB]) -> tuple[RegionIndex, Descriptors, int]:
    """The index of ``pictures`` (named ``generated <n>``), the descriptors it holds, and
    the resident growth it caused."""
    described = [describe_luma(luma(rgb)) for rgb in pictures]
    before = resident()
    index = RegionIndex()
    for number, features in enumerate(described):
        index.add(sha(f"generated {number}"), features)
    index.memory_bytes()  # hands everything to faiss
    grown = resident() - before
    return index, np.concatenate([f.descriptors[:INDEX_POINTS] for f in described]), grown


def resident() -> int:
    """The process's resident set, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def recall(index: RegionIndex, pictures: list[RGB]) -> dict[str, tuple[int, int, int]]:
    """Per family: found, queried, and the fewest inliers of a find."""
    figures = {}
    for family, reframe in REFRAMINGS.items():
        found, fewest = 0, 10**9
        for number, rgb in enumerate(pictures):
            hit = index.query(describe_luma(luma(reframe(rgb, number)), mirror=True))
            if hit is not None and hit.sha256 == sha(f"generated {number}"):
                found, fewest = found + 1, min(fewest, hit.inliers)
        figures[family] = (found, len(pictures), fewest)
        print(f"  {family:18s} {found:5d}/{len(pictures)}  fewest inliers {fewest}", flush=True)
    return figures


def false_matches(index: RegionIndex, queries: Iterator[RGB]) -> tuple[int, int]:
    """How many of the unrelated ``queries`` matched something, of how many (each printed)."""
    matched = total = 0
    for number, rgb in enumerate(queries):
        total += 1
        hit = index.query(describe_luma(luma(rgb), mirror=True))
        if hit is not None:
            matched += 1
            print(
                f"  query {number} matched {hit.sha256[:12]}: {hit.inliers} inliers, "
                f"score {hit.score:.2f}, cover {hit.cover:.2f}"
            )
    return matched, total


def brute_force(descriptors: Descriptors) -> Callable[[Features], object]:
    """Baseline: the same kNN by OpenCV's brute-force Hamming matcher over every descriptor."""
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)

    # OpenCV's matcher takes at most 2**18 rows at once: larger indexes are searched in parts
    parts = [descriptors[at : at + 200_000] for at in range(0, len(descriptors), 200_000)]

    def search(query: Features) -> object:
        sides = [query] + ([query.mirror] if query.mirror is not None else [])
        return [
            matcher.knnMatch(side.descriptors, part, k=NEIGHBOURS)
            for side in sides
            if len(side)
            for part in parts
        ]

    return search


def latency(
    index: RegionIndex, descriptors: Descriptors, queries: list[Features]
) -> dict[str, NDArray[np.float64]]:
    """Milliseconds a query: ours and the brute-force kNN alone, alternating on each query."""
    baseline = brute_force(descriptors)
    ours, base = [], []
    for query in queries:
        start = time.perf_counter()
        index.query(query)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline(query)
        base.append(time.perf_counter() - start)
    return {"faiss + verify": np.array(ours) * 1e3, "BFMatcher kNN only": np.array(base) * 1e3}


_FRAMES: list[NDArray[np.float32]] = []  # filled before the pool forks, so workers share it


def _describe_frame(number: int) -> int:
    return len(describe_luma(_FRAMES[number]))


def _describe_path(path: str) -> int:
    return len(describe_file(Path(path)))


def throughput(frames: int, workers: int) -> dict[str, float]:
    """1080p pictures described a second on ``workers`` processes: in memory, from files."""
    _one_thread()  # OpenCV's thread pool does not survive a fork
    _FRAMES[:] = [luma(textured(seed, (1920, 1080))) for seed in range(frames)]
    rates = {}
    with tempfile.TemporaryDirectory() as folder:
        paths: dict[str, list[str]] = {"PNG": [], "JPEG": []}
        for seed, grey in enumerate(_FRAMES):
            rgb = Image.fromarray(np.uint8(np.repeat(grey[..., None], 3, axis=2) * 255))
            for fmt, items in paths.items():
                items.append(str(Path(folder) / f"{seed}.{fmt.lower()}"))
                rgb.save(items[-1], fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        with multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread) as pool:
            pool.map(abs, range(workers))
            start = time.perf_counter()
            pool.map(_describe_frame, range(frames), chunksize=4)
            rates["in memory"] = frames / (time.perf_counter() - start)
            for fmt, items in paths.items():
                start = time.perf_counter()
                pool.map(_describe_path, items, chunksize=4)
                rates[f"from {fmt} files"] = frames / (time.perf_counter() - start)
    return rates


def _one_thread() -> None:
    cv2.setNumThreads(1)
    faiss.omp_set_num_threads(1)


def pad(index: RegionIndex, pool: Descriptors, count: int) -> Descriptors:
    """Add ``count`` pseudo-pictures: real descriptors, shuffled, with 8 bits flipped each."""
    added = []
    rng = np.random.default_rng(7)
    points = np.stack([rng.uniform(0, 640, INDEX_POINTS), rng.uniform(0, 360, INDEX_POINTS)], 1)
    for number in range(count):
        rows = pool[rng.integers(0, len(pool), INDEX_POINTS)].copy()
        bits = rng.integers(0, 256, (INDEX_POINTS, 8))
        np.bitwise_xor.at(rows, (np.arange(INDEX_POINTS)[:, None], bits // 8), 1 << (bits % 8))
        index.add(sha(f"pad {number}"), Features(640, 360, points.astype(np.float32), rows))
        added.append(rows)
    return np.concatenate([pool, *added])


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Print a phase's name and how long it took."""
    print(f"{name} ...", flush=True)
    start = time.perf_counter()
    yield
    print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)


def percentiles(ms: NDArray[np.float64]) -> str:
    """p50 and p99 of a sample, in milliseconds."""
    return f"p50 {np.percentile(ms, 50):6.1f} ms   p99 {np.percentile(ms, 99):6.1f} ms"


def main() -> None:
    """Run every measurement and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="synthetic generated pictures")
    parser.add_argument("--unrelated", type=int, default=500, help="unrelated query pictures")
    parser.add_argument("--frames", type=int, default=60, help="1080p frames for throughput")
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--pad", type=int, default=0, help="pseudo-pictures for a larger index")
    args = parser.parse_args()
    _one_thread()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, OpenCV {cv2.__version__}, faiss {faiss.__version__}"
    )
    with phase("generated pictures"):
        pictures = [textured(seed, SIZE) for seed in range(args.count)]
        pictures += corpus_pictures("genai", 60)
        index, descriptors, grown = build(pictures)
    print(f"  {len(index)} pictures ({len(pictures) - args.count} from the corpus)")
    with phase("(a) recall per family"):
        families = recall(index, pictures)
    worst = min(found / total for found, total, _ in families.values())
    print(f"  worst family {100 * worst:.1f} % (target >= 97 %)")
    with phase("(b) false matches"):
        unrelated = (textured(UNRELATED_SEED + s, SIZE) for s in range(args.unrelated))
        matched, total = false_matches(index, unrelated)
        camera = distinct_from(corpus_pictures("not_genai", 100), pictures)
        real_matched, real_total = false_matches(index, iter(camera))
    print(
        f"  synthetic {matched}/{total}, corpus camera pictures {real_matched}/{real_total} "
        "(target 0)"
    )
    per_picture = index.memory_bytes() / len(index)
    print(
        f"(c) memory: {per_picture:,.0f} B a picture by count, resident growth "
        f"{grown / len(index):,.0f} B a picture; 100,000 pictures: "
        f"{per_picture * 1e5 / 1e9:.2f} GB (target <= 1 GB)"
    )
    queries = [
        describe_luma(luma(REFRAMINGS[family](pictures[n % len(pictures)], n)), mirror=True)
        for n, family in zip(range(args.latency_queries), list(REFRAMINGS) * 10**4, strict=False)
    ]
    with phase(f"(d) latency over {len(index)} pictures, one core"):
        for name, ms in latency(index, descriptors, queries).items():
            print(f"  {name:20s} {percentiles(ms)}")
        start = time.perf_counter()
        for n in range(20):
            describe_luma(luma(REFRAMINGS["overlays"](pictures[n], n)), mirror=True)
        each = (time.perf_counter() - start) * 50
        print(f"  describing a 960x540 frame and its mirror: {each:.1f} ms")
    if args.pad:
        with phase(f"(d') latency with {args.pad} pseudo-pictures added"):
            descriptors = pad(index, descriptors, args.pad)
            index.memory_bytes()  # trains and fills faiss before the clock starts
            for name, ms in latency(index, descriptors, queries[:30]).items():
                print(f"  {name:20s} {percentiles(ms)} over {len(index)} pictures")
    with phase("(e) describing 1080p pictures on 2 processes"):
        rates = throughput(args.frames, 2)
    for name, rate in rates.items():
        print(f"  {rate:5.0f} pictures/s {name} (target >= 100/s)")


if __name__ == "__main__":
    main()
