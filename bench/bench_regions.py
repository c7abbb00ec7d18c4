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
(d) query latency p50/p99 on one core, wall and the querying thread's CPU
    time (the machine is shared, so wall time is noisy): every query of (a)
    is timed, and ``--latency-queries`` mixed ones run alternately with the
    brute-force baseline (faiss's exact ``IndexBinaryFlat`` kNN over the same
    descriptors; only the first ``--brute-queries`` of them, as at 100,000
    pictures one takes about a minute); describing the delivered frame is
    timed apart;
(e) describing throughput at 1080p on 2 processes, from in-memory frames and
    from PNG files through the bounded decoder (target >= 100 pictures/s).

``--pad N`` adds N pseudo-pictures (bench/region_pad.py: described pictures,
reframed) before anything is measured, so (a)-(d) run against an index of
N + ``--count`` pictures; ``--probes 16/8,8/4`` repeats (a) for each setting
of the inverted file's probes (cells scanned / coarse cells probed).

    python bench/bench_regions.py                       # 200 generated, 500 unrelated
    python bench/bench_regions.py --count 30 --corpus 20 --unrelated 100 --skip e \
        --pad 100000 --latency-queries 40 --brute-queries 2 --probes 16/8,8/4,4/2
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

from region_pad import base_pool, pseudo_pictures

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


def build(
    described: list[Features], extra: list[tuple[str, Features]]
) -> tuple[RegionIndex, int, tuple[float, float]]:
    """The index of the ``described`` pictures (named ``generated <n>``) and the ``extra``
    pseudo-pictures, added in one go as the audit loads the ledger's; the resident growth it
    caused, and the wall and CPU seconds of building the search structure."""
    before = resident()
    index = RegionIndex()
    for number, features in enumerate(described):
        index.add(sha(f"generated {number}"), features)
    for name, features in extra:
        index.add(name, features)
    seconds = timed(index.memory_bytes)  # hands everything to faiss: training, assignment
    return index, resident() - before, seconds


def resident() -> int:
    """The process's resident set, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def reframed(pictures: list[RGB]) -> dict[str, list[Features]]:
    """Each family's delivered frame of each picture, described with its mirror (once, for
    every setting measured)."""
    return {
        family: [
            describe_luma(luma(reframe(rgb, n)), mirror=True) for n, rgb in enumerate(pictures)
        ]
        for family, reframe in REFRAMINGS.items()
    }


def recall(
    index: RegionIndex, queries: dict[str, list[Features]]
) -> tuple[dict[str, tuple[int, int, int]], NDArray[np.float64]]:
    """Per family: found, queried, and the fewest inliers of a find (printed with the
    smallest inlier span, ``RegionHit.span``); and each query's wall and thread CPU
    milliseconds."""
    figures, times = {}, []
    for family, described in queries.items():
        found, fewest, narrowest = 0, 10**9, 1.0
        for number, query in enumerate(described):
            wall, cpu = time.perf_counter(), time.thread_time()
            hit = index.query(query)
            times.append((time.perf_counter() - wall, time.thread_time() - cpu))
            if hit is not None and hit.sha256 == sha(f"generated {number}"):
                found, fewest = found + 1, min(fewest, hit.inliers)
                narrowest = min(narrowest, hit.span)
        figures[family] = (found, len(described), fewest)
        print(f"  {family:18s} {found:5d}/{len(described)}  fewest inliers {fewest}"
              f"  smallest span {narrowest:.3f}", flush=True)  # fmt: skip
    return figures, np.array(times) * 1e3


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
                f"score {hit.score:.2f}, cover {hit.cover:.2f}, span {hit.span:.3f}"
            )
    return matched, total


def brute_force(descriptors: Descriptors) -> Callable[[Features], object]:
    """Baseline: the same kNN by faiss's exact ``IndexBinaryFlat`` over every descriptor."""
    flat = faiss.IndexBinaryFlat(descriptors.shape[1] * 8)
    flat.add(descriptors)

    def search(query: Features) -> object:
        sides = [query] + ([query.mirror] if query.mirror is not None else [])
        return [flat.search(side.descriptors, NEIGHBOURS) for side in sides if len(side)]

    return search


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """Wall and this thread's CPU seconds of ``call()`` (faiss is held to one thread)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    return time.perf_counter() - wall, time.thread_time() - cpu


def latency(
    index: RegionIndex, descriptors: Descriptors, queries: list[Features], brute: int
) -> dict[str, NDArray[np.float64]]:
    """Milliseconds a query, wall and thread CPU: ours on every query, and the brute-force
    kNN alone on the first ``brute`` of them, alternating query by query."""
    baseline = brute_force(descriptors)
    ours, base = [], []
    for number, query in enumerate(queries):
        ours.append(timed(lambda q=query: index.query(q)))  # type: ignore[misc]
        if number < brute:
            base.append(timed(lambda q=query: baseline(q)))  # type: ignore[misc]
    figures = {}
    for name, sample in (("ours (search + verify)", ours), ("IndexBinaryFlat kNN", base)):
        if sample:
            ms = np.array(sample) * 1e3
            figures[f"{name}, wall"], figures[f"{name}, CPU"] = ms[:, 0], ms[:, 1]
    return figures


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


def arguments() -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="synthetic generated pictures")
    parser.add_argument("--unrelated", type=int, default=500, help="unrelated query pictures")
    parser.add_argument("--frames", type=int, default=60, help="1080p frames for throughput")
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--brute-queries", type=int, default=200, help="of those, brute-forced")
    parser.add_argument("--pad", type=int, default=0, help="pseudo-pictures (bench/region_pad.py)")
    parser.add_argument("--pad-bases", type=int, default=2000, help="pictures they derive from")
    parser.add_argument("--pad-cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--skip", default="", help="phases to skip, e.g. 'ae'")
    parser.add_argument("--probes", default="own", help="settings of (a), nprobe/top probe, "
                        "comma-separated; 'own': the index's choice for its size")  # fmt: skip
    parser.add_argument("--corpus", type=int, default=60, help="corpus stills, at most")
    return parser.parse_args()


def generated(args: argparse.Namespace) -> tuple[list[RGB], RegionIndex, Descriptors]:
    """The generated pictures, their index (with any pseudo-pictures), its descriptors."""
    with phase("generated pictures"):
        pictures = [textured(seed, SIZE) for seed in range(args.count)]
        pictures += corpus_pictures("genai", args.corpus)
        described = [describe_luma(luma(rgb)) for rgb in pictures]
    extra: list[tuple[str, Features]] = []
    if args.pad:
        with phase(f"{args.pad} pseudo-pictures from {args.pad_bases} described bases"):
            cache = args.pad_cache / f"bench_regions_bases_{args.pad_bases}.npz"
            extra = list(pseudo_pictures(base_pool(args.pad_bases, cache), args.pad))
    with phase("building the index"):
        index, grown, (wall, cpu) = build(described, extra)
    descriptors = np.concatenate(
        [f.descriptors[:INDEX_POINTS] for f in described] + [f.descriptors for _, f in extra]
    )
    del extra
    print(f"  {len(index)} pictures ({len(pictures) - args.count} from the corpus, "
          f"{args.pad} pseudo), {len(descriptors):,} descriptors; search structure built in "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU; load {load()}")  # fmt: skip
    per_picture = index.memory_bytes() / len(index)
    print(
        f"(c) memory: {per_picture:,.0f} B a picture by count, resident growth "
        f"{grown / len(index):,.0f} B a picture; 100,000 pictures: "
        f"{per_picture * 1e5 / 1e9:.2f} GB (target <= 1 GB); picture-ordered copy on disk "
        f"(two passes) {index.file_bytes() / len(index):,.0f} B a picture"
    )
    return pictures, index, descriptors


def load() -> str:
    """The 1-minute load average, to print beside timings."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    """Run every measurement and print the report."""
    args = arguments()
    _one_thread()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, OpenCV {cv2.__version__}, faiss {faiss.__version__}"
    )
    pictures, index, descriptors = generated(args)
    queries = reframed(pictures)
    if "a" not in args.skip:
        for setting in args.probes.split(","):
            if setting != "own":
                nprobe, top_probe = (int(v) for v in setting.split("/"))
                index.tune(nprobe, top_probe)
            with phase(f"(a) recall per family, probes {setting}"):
                families, ms = recall(index, queries)
            worst = min(found / total for found, total, _ in families.values())
            print(f"  worst family {100 * worst:.1f} % (target >= 97 %)")
            print(f"  every query, wall: {percentiles(ms[:, 0])}; thread CPU: "
                  f"{percentiles(ms[:, 1])} ({len(ms)} queries, load {load()})")  # fmt: skip
        index.reset_probes()
    if "b" not in args.skip:
        with phase("(b) false matches"):
            unrelated = (textured(UNRELATED_SEED + s, SIZE) for s in range(args.unrelated))
            matched, total = false_matches(index, unrelated)
            camera = distinct_from(corpus_pictures("not_genai", 100), pictures)
            real_matched, real_total = false_matches(index, iter(camera))
        print(
            f"  synthetic {matched}/{total}, corpus camera pictures {real_matched}/{real_total} "
            "(target 0)"
        )
    if "d" not in args.skip:
        measure_latency(args, pictures, index, descriptors, queries)
    if "e" not in args.skip:
        with phase("(e) describing 1080p pictures on 2 processes"):
            rates = throughput(args.frames, 2)
        for name, rate in rates.items():
            print(f"  {rate:5.0f} pictures/s {name} (target >= 100/s)")


def measure_latency(
    args: argparse.Namespace,
    pictures: list[RGB],
    index: RegionIndex,
    descriptors: Descriptors,
    queries: dict[str, list[Features]],
) -> None:
    """(d): query latency, wall and thread CPU, beside brute force on the same queries."""
    families = list(queries) * 10**4
    mixed = [queries[family][n % len(pictures)]
             for n, family in zip(range(args.latency_queries), families, strict=False)]  # fmt: skip
    with phase(f"(d) latency over {len(index)} pictures, one core, load {load()}"):
        for name, ms in latency(index, descriptors, mixed, args.brute_queries).items():
            print(f"  {name:34s} {percentiles(ms)} ({len(ms)} queries)")
        start = time.perf_counter()
        for n in range(min(20, len(pictures))):
            describe_luma(luma(REFRAMINGS["overlays"](pictures[n], n)), mirror=True)
        each = (time.perf_counter() - start) * 1e3 / min(20, len(pictures))
        print(f"  describing a 960x540 frame and its mirror: {each:.1f} ms; load {load()}")


if __name__ == "__main__":
    main()
