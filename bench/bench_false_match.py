#!/usr/bin/env python3
"""Benchmark: no false match between unrelated pictures and generated ones (issue 13).

Indexes ``--generated`` generated pictures the way the ledger and the audit
do (each file's perceptual fingerprint in the near-match index, its local
features in the region index, both computed by the multiprocess paths the
deferred stage uses: ``fingerprint_files`` and ``describe_files``), then asks,
as the audit asks of a delivered picture nothing else settled:

* each of ``--unrelated`` unrelated pictures (fingerprinted, and described
  with its mirror on the process pool, queried on two threads by
  ``query_many``): a near match? a region match? Target: none;
* every sample of a few clean masters (``scan_master``, the audit's sweep: a
  picture every half second, each checked against both indexes). Target: no
  segment.

The pictures (``false_match_pictures``) are hard negatives by design: same
generators on other seeds, titled posters against slates, periodic art against
test cards, tiles of real pictures on both sides. The shared corpus's
generated stills join the generated set and its camera stills the unrelated
set; a camera still the matchers already call a copy of a corpus generated one
(the corpus holds one photograph under both labels) is left out, and said.

Pictures, descriptors and masters are cached under
``$PROVENANCE_BENCH_CACHE/false_match`` (default ``/tmp/provenance-bench-corpus``),
descriptors by file SHA-256, so a second run only queries.

    python bench/bench_false_match.py                                 # 10,000 against 10,000
    python bench/bench_false_match.py --generated 500 --unrelated 500 # quick

Describing is the cost (about 25 ms of CPU a picture, and as much again to
make it). ``--region-unrelated N`` fingerprints every unrelated picture for
the near-match question but describes and region-queries only N of them,
drawn evenly across the kinds (a seeded shuffle), a thousand at a time,
printing the running count after each thousand: a run cut short still says
how far it got, and its descriptions are cached for the next.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import pickle
import platform
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import false_match_pictures as fm
from bench_regions import phase
from near_margin import Margin, print_bits

from provenance.errors import UndecodableImage
from provenance.likeness.confirm import (
    SURE,
    Confirmation,
    Reference,
    confirm,
    needs_confirmation,
)
from provenance.likeness.describe import describe_files
from provenance.likeness.features import Features
from provenance.likeness.fingerprint import Fingerprint, default_workers, fingerprint_files
from provenance.likeness.frames import decode_luma
from provenance.likeness.index import NearMatchIndex
from provenance.likeness.master import Lookup, scan_master
from provenance.likeness.region_verify import RegionHit
from provenance.likeness.regions import RegionIndex, query_many
from provenance.likeness.search import nearest
from tests.support.corpus import corpus_files

CACHE = (
    Path(os.environ.get("PROVENANCE_BENCH_CACHE", "/tmp/provenance-bench-corpus")) / "false_match"
)
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# (kind, share in percent); kinds are makers of false_match_pictures, or "mosaic".
GENERATED_MIX = (("still", 30), ("family", 48), ("titled", 10), ("periodic", 6), ("mosaic", 6))
UNRELATED_MIX = (
    ("still", 18), ("family", 28), ("titled", 6), ("periodic", 5), ("slate", 14),
    ("test_card", 8), ("lavfi", 6), ("flat", 3), ("mosaic", 12),
)  # fmt: skip
MAKERS: dict[str, fm.Maker] = {
    "still": fm.generator_still, "family": fm.family, "titled": fm.titled,
    "periodic": fm.periodic, "slate": fm.slate, "test_card": fm.test_card, "flat": fm.flat,
}  # fmt: skip
LAVFI = ("testsrc2", "testsrc", "rgbtestsrc", "mandelbrot", "life=ratio=0.3:mold=10",
         "cellauto=rule=110", "gradients=n=5", "smptehdbars", "colorspectrum")  # fmt: skip


@dataclass(frozen=True)
class Picture:
    """One picture file of a set, and what kind of maker drew it (``corpus`` for a real one)."""

    path: Path
    kind: str


@dataclass(frozen=True)
class Described:
    """What the audit knows of one file: its fingerprint and its local features (None: none)."""

    sha256: str
    fingerprint: tuple[int, int] | None
    features: bytes | None


# ---------------------------------------------------------------- the pictures


_MOSAIC_SOURCES: dict[str, list[Path]] = {}  # set by the parent before the pool forks


def _make(job: tuple[str, str, Path]) -> None:
    key, kind, path = job
    if path.exists():
        return
    size = random.Random(f"{key}/size").choice(fm.SIZES)
    maker = fm.mosaic(_MOSAIC_SOURCES[key[0]]) if kind == "mosaic" else MAKERS[kind]
    img = maker(key, size).convert("RGB")
    tmp = path.with_suffix(".part" + path.suffix)
    if path.suffix == ".png":
        img.save(tmp, "PNG", compress_level=1)
    else:
        img.save(tmp, "JPEG", quality=92 if key[0] == "g" else 90)
    tmp.rename(path)


def plan(side: str, mix: tuple[tuple[str, int], ...], count: int) -> list[tuple[str, str, Path]]:
    """(key, kind, path) for ``count`` pictures in the shares of ``mix``; PNG one in five."""
    jobs = []
    for kind, share in mix:
        folder = CACHE / side / kind
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(round(count * share / 100)):
            ext = "png" if n % 5 == 0 else "jpg"
            jobs.append((f"{side[0]}/{kind}/{n}", kind, folder / f"{n:05d}.{ext}"))
    return jobs


def lavfi_frames(count: int) -> list[Path]:
    """Frames of FFmpeg's test sources, ``count`` in all, each source sampled along its run."""
    folder = CACHE / "unrelated" / "lavfi"
    folder.mkdir(parents=True, exist_ok=True)
    each = max(1, count // len(LAVFI))
    paths: list[Path] = []
    for number, source in enumerate(LAVFI):
        if len(list(folder.glob(f"{number}_*.jpg"))) < each:
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                 f"{source}{':' if '=' in source else '='}size=640x360:rate=24",
                 "-vf", "select='not(mod(n,11))'", "-fps_mode", "vfr", "-frames:v", str(each),
                 "-q:v", "3", str(folder / f"{number}_%04d.jpg")],
                check=True,
            )  # fmt: skip
        paths += sorted(folder.glob(f"{number}_*.jpg"))[:each]
    return paths


_JOBS: dict[Path, tuple[str, str, Path]] = {}  # how to make each planned picture


def build_set(
    side: str, count: int, corpus: list[Path], workers: int, *, make: bool = True
) -> list[Picture]:
    """The pictures of one set: the corpus's, then made ones up to ``count`` in all.

    ``make`` False only plans them (and makes the FFmpeg frames): :func:`make_pictures` then
    makes a part at a time.
    """
    mix = GENERATED_MIX if side == "generated" else UNRELATED_MIX
    made = count - len(corpus)
    jobs = [j for j in plan(side, mix, made) if j[1] != "lavfi"]
    _MOSAIC_SOURCES[side[0]] = [p for p in corpus if min(picture_size(p)) >= 128]
    _JOBS.update((j[2], j) for j in jobs)
    if make:
        make_pictures([Picture(p, k) for _, k, p in jobs], workers)
    pictures = [Picture(p, "corpus") for p in corpus] + [Picture(p, k) for _, k, p in jobs]
    if side == "unrelated":
        share = dict(UNRELATED_MIX)["lavfi"]
        pictures += [Picture(p, "lavfi") for p in lavfi_frames(round(made * share / 100))]
    return pictures[:count]


def make_pictures(pictures: list[Picture], workers: int) -> None:
    """Make those of ``pictures`` that were planned and are not made yet."""
    jobs = [_JOBS[p.path] for p in pictures if p.path in _JOBS and not p.path.exists()]
    if jobs:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for _ in pool.imap_unordered(_make, jobs, chunksize=16):
                pass


def picture_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size


def corpus_stills(label: str) -> list[Path]:
    """The shared corpus's stills with ``label`` that decode (pictures of one sha256 once)."""
    seen: set[str] = set()
    found = []
    for item in corpus_files():
        if item.label != label or item.path.suffix.lower() not in PICTURE_SUFFIXES:
            continue
        digest = sha256_of(item.path)
        try:
            decode_luma(item.path, work_side=64)
        except (UndecodableImage, OSError, ValueError):
            continue
        if digest not in seen:
            seen.add(digest)
            found.append(item.path)
    return found


# ---------------------------------------------------------------- describing, cached


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached_part(
    name: str, pictures: list[Picture]
) -> tuple[Path, dict[str, Any], list[str], list[tuple[Path, str]]]:
    """Cache ``name``'s file and what it holds; the pictures' sha256s, and those it lacks."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cache_file = CACHE / f"{name}.pickle"
    cached: dict[str, Any] = {}
    if cache_file.exists():
        cached = pickle.loads(cache_file.read_bytes())
    shas = [sha256_of(p.path) for p in pictures]
    todo = [(p.path, s) for p, s in zip(pictures, shas, strict=True) if s not in cached]
    print(f"  {name}: {len(pictures) - len(todo)} in the cache, {len(todo)} to do", flush=True)
    return cache_file, cached, shas, todo


def describe(pictures: list[Picture], *, mirror: bool, cache_name: str) -> list[Described]:
    """Each picture's fingerprint and features, by the audit's multiprocess paths; cached."""
    cache_file, cached, shas, todo = cached_part(f"described-{cache_name}", pictures)
    started = time.perf_counter()
    for at in range(0, len(todo), 1000):  # saved every 1,000: an interrupted run loses little
        part = todo[at : at + 1000]
        paths = [str(p) for p, _ in part]
        prints = list(fingerprint_files(paths))
        features = list(describe_files(paths, mirror=mirror))
        for (_, sha), fp, feat in zip(part, prints, features, strict=True):
            one = fp.fingerprints[0].to_signed() if fp.fingerprints else None
            cached[sha] = Described(sha, one, feat.data)
        cache_file.write_bytes(pickle.dumps(cached))
        seconds = time.perf_counter() - started
        done = at + len(part)
        print(f"  described {done} in {seconds:.0f} s ({done / seconds:.1f}/s on"
              f" {default_workers()} processes, fingerprint and features; load"
              f" {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    return [cached[s] for s in shas]


def prints_only(pictures: list[Picture], cache_name: str) -> list[Described]:
    """Each picture's fingerprint alone (``features`` None: not asked), on the pool; cached."""
    cache_file, cached, shas, todo = cached_part(f"prints-{cache_name}", pictures)
    for (_, sha), fp in zip(todo, fingerprint_files([str(p) for p, _ in todo]), strict=True):
        cached[sha] = fp.fingerprints[0].to_signed() if fp.fingerprints else None
    cache_file.write_bytes(pickle.dumps(cached))
    return [Described(s, cached[s], None) for s in shas]


def indexes(generated: list[Described]) -> tuple[NearMatchIndex, RegionIndex]:
    """The near-match and region indexes of the generated set, as the audit loads them."""
    near, regions = NearMatchIndex(), RegionIndex()
    with_prints = [d for d in generated if d.fingerprint is not None]
    hashes = [d.fingerprint for d in with_prints if d.fingerprint is not None]
    near.add([d.sha256 for d in with_prints], [h[0] for h in hashes], [h[1] for h in hashes])
    for d in generated:
        if d.features is not None:
            regions.add(d.sha256, Features.from_bytes(d.features))
    regions.memory_bytes()  # builds the search structure before the clock starts
    return near, regions


# ---------------------------------------------------------------- the questions


def ask_near(near: NearMatchIndex, queries: list[Described]) -> list[tuple[int, str, int]]:
    """(query, generated sha256, distance) for each query the near-match rule matches."""
    found = []
    for number, d in enumerate(queries):
        if d.fingerprint is None:
            continue
        hit = nearest(near, (Fingerprint.from_signed(*d.fingerprint),), d.sha256)
        if hit is not None:
            found.append((number, hit[0][0], hit[0][1]))
    return found


def ask_regions(regions: RegionIndex, queries: list[Described]) -> list[tuple[int, RegionHit]]:
    """(query, hit) for each query the region index answers (two threads, as the audit asks)."""
    features = (Features.from_bytes(d.features) if d.features is not None else None
                for d in queries)  # fmt: skip
    return [(n, hit) for n, hit in enumerate(query_many(regions, features)) if hit is not None]


def clean_masters(unrelated: list[Picture]) -> list[Path]:
    """Clean 1080p masters (cached): grain over ``testsrc2``, a slideshow of unrelated
    pictures, bars with burnt-in text; and the corpus's camera videos."""
    folder = CACHE / "masters"
    folder.mkdir(parents=True, exist_ok=True)
    h264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
    fit = "scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:-1:-1,setsar=1"
    # the concat demuxer decodes every file with the first one's decoder: JPEGs only
    jpegs = [p for p in unrelated if p.path.suffix == ".jpg"]
    shown = jpegs[:: max(1, len(jpegs) // 120)][:120]
    listing = folder / "slideshow.txt"
    listing.write_text("".join(f"file '{p.path}'\nduration 0.5\n" for p in shown))
    face = fm.FONTS[0] if fm.FONTS else ""
    text = (f"drawtext=fontfile={face}:text='SLATE %{{pts\\:hms}} ROLL A004':fontsize=64:"
            "fontcolor=white:x=100:y=900:box=1:boxcolor=black") if face else "null"  # fmt: skip
    recipes = {
        "grain.mp4": ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24:duration=30",
                      "-vf", "noise=alls=6:allf=t"],
        "slideshow.mp4": ["-f", "concat", "-safe", "0", "-i", str(listing), "-vf",
                          f"{fit},fps=24"],
        "bars_text.mov": ["-f", "lavfi", "-i", "smptehdbars=size=1920x1080:rate=24:duration=20",
                          "-vf", text],
    }  # fmt: skip
    masters = []
    for name, inputs in recipes.items():
        path = folder / name
        if not path.exists():
            codec = (["-c:v", "prores", "-profile:v", "2", "-pix_fmt", "yuv422p10le"]
                     if name.endswith(".mov") else h264)  # fmt: skip
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *inputs, *codec,
                            "-timecode", "01:00:00:00", str(path)], check=True)  # fmt: skip
        masters.append(path)
    camera = [f.path for f in corpus_files() if f.label == "not_genai"]
    return masters + [p for p in camera if p.suffix.lower() in (".mov", ".mp4")]


def sweep_masters(masters: list[Path], lookup: Lookup) -> int:
    """Sweep each master as the audit does; print every segment found. How many were found."""
    segments = 0
    for path in masters:
        started = time.perf_counter()
        scan = scan_master(path, lookup)
        segments += len(scan.segments)
        print(f"  {path.name}: {scan.samples} samples over {scan.swept:.1f} s,"
              f" {len(scan.segments)} segment(s) ({time.perf_counter() - started:.0f} s)"
              + (f", incomplete: {scan.incomplete}" if scan.incomplete else ""))  # fmt: skip
        for s in scan.segments:
            print(f"    FALSE MATCH {s.span()} {s.kind} {s.asset[:12]} score {s.score}")
    return segments


# ---------------------------------------------------------------- the run


def derivatives(camera: list[Path], genai: list[Path]) -> list[Path]:
    """The corpus camera stills that the matchers call copies of a corpus generated still."""
    gen = describe([Picture(p, "corpus") for p in genai], mirror=False, cache_name="corpus-g")
    cam = describe([Picture(p, "corpus") for p in camera], mirror=True, cache_name="corpus-u")
    near, regions = indexes(gen)
    hit = {n for n, _, _ in ask_near(near, cam)} | {n for n, _ in ask_regions(regions, cam)}
    return [camera[n] for n in sorted(hit)]


def report(
    side: list[Picture], found: Sequence[tuple[int, str, object]], names: dict[str, Path]
) -> None:
    for number, sha, how in found:
        picture = side[number]
        print(f"    FALSE MATCH {picture.kind} {picture.path} ~ {names.get(sha, sha[:12])}: {how}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=10_000)
    parser.add_argument("--unrelated", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-masters", action="store_true", help="skip the clean masters")
    parser.add_argument(
        "--region-unrelated", type=int, default=None, help="region-query only this many unrelated"
    )
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
          f" Python {platform.python_version()}; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    genai, camera = corpus_stills("genai"), corpus_stills("not_genai")
    with phase("corpus: camera stills that are copies of generated ones"):
        left_out = derivatives(camera, genai)
    for path in left_out:
        print(f"  left out (a copy of a corpus generated still): {path.name}")
    camera = [p for p in camera if p not in left_out]
    with phase(f"pictures: {args.generated} generated, {args.unrelated} unrelated (planned)"):
        generated = build_set("generated", args.generated, genai, args.workers)
        unrelated = build_set("unrelated", args.unrelated, camera, args.workers, make=False)
    for side, pictures in (("generated", generated), ("unrelated", unrelated)):
        kinds = Counter(p.kind for p in pictures)
        print(f"  {side}: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    with phase("describing the generated pictures (no mirror, as the deferred stage)"):
        gen = describe(generated, mirror=False, cache_name="generated")
    names = {d.sha256: p.path for d, p in zip(gen, generated, strict=True)}
    with phase("indexes"):
        near, regions = indexes(gen)
    print(f"  near-match index {len(near)} fingerprints; region index {len(regions)} pictures,"
          f" {regions.memory_bytes() / 1e6:.0f} MB")  # fmt: skip
    asking = len(unrelated) if args.region_unrelated is None else args.region_unrelated
    with phase(f"unrelated, a thousand at a time: near matches of all, regions of {asking}"):
        printed = [d for d in gen if d.fingerprint]
        asked = Asked(near, regions, Margin(print_bits(gen)), names, printed)
        found = ask_in_parts(asked, unrelated, asking, args.workers)
    print(f"  near matches by the fingerprint: {asked.near_printed}, refused by the region rule:"
          f" {asked.near_refused}, kept: {asked.near_found} {dict(asked.kept)}; loose pairs"
          f" (grad <= {Margin.LOOSE[0]}, total <= {Margin.LOOSE[1]}): {asked.loose_asked}"
          f" asked, {asked.loose_confirmed} confirmed")  # fmt: skip
    segments = 0
    if not args.no_masters:
        make_pictures(unrelated, args.workers)
        with phase("clean masters, swept as the audit sweeps them"):
            lookup = Lookup(near, regions, asked.reference)
            segments = sweep_masters(clean_masters(unrelated), lookup)
        print(f"  segments in clean masters: {segments} (target 0)")
    return 1 if found or segments else 0


@dataclass
class Asked:
    """What the unrelated pictures are asked against, and what they answered so far."""

    near: NearMatchIndex
    regions: RegionIndex
    margin: Margin
    names: dict[str, Path]
    printed: list[Described]  # the generated pictures with a fingerprint, in the margin's order
    near_asked: int = 0
    near_printed: int = 0  # near matches by the fingerprint rule
    near_refused: int = 0  # of those, refused by the region rule
    near_found: int = 0  # of those, kept (sure, confirmed or unconfirmed)
    kept: Counter[str] = field(default_factory=Counter)
    loose_asked: int = 0  # pairs within Margin.LOOSE whose distance needs confirmation
    loose_confirmed: int = 0
    region_asked: int = 0
    region_found: int = 0
    by_sha: dict[str, Described] = field(default_factory=dict)

    def reference(self, sha256: str) -> Reference:
        """A generated picture's features, as the ledger would give them (Lookup's references)."""
        if not self.by_sha:
            self.by_sha = {d.sha256: d for d in self.printed}
        found = self.by_sha.get(sha256)
        if found is None or found.features is None:
            return "not described"
        return (Features.from_bytes(found.features),)

    def ask_near(self, pictures: list[Picture]) -> None:
        prints = prints_only(pictures, "unrelated")
        hits = ask_near(self.near, prints)
        self.margin.add(prints)
        loose = [p for p in self.margin.loose if needs_confirmation(p[3])]
        asked = sorted({n for n, _, d in hits if needs_confirmation(d)} | {p[0] for p in loose})
        described = describe([pictures[n] for n in asked], mirror=True, cache_name="unrelated")
        features = {n: d.features for n, d in zip(asked, described, strict=True)}
        said = [(n, s, d, self._confirm(features.get(n), s, d)) for n, s, d in hits]
        report(pictures, [(n, s, f"near, distance {d}, {c.outcome}") for n, s, d, c in said],
               self.names)  # fmt: skip
        self.near_asked += sum(d.fingerprint is not None for d in prints)
        self.near_printed += len(hits)
        self.near_refused += sum(not c.stands for *_, c in said)
        self.near_found += sum(c.stands for *_, c in said)
        self.kept.update(c.outcome for *_, c in said if c.stands)
        for n, g, _, total in loose:
            outcome = self._confirm(features[n], self.printed[g].sha256, total)
            self.loose_asked += 1
            self.loose_confirmed += outcome.outcome == "confirmed"
            if outcome.outcome == "confirmed":
                print(f"    LOOSE PAIR CONFIRMED {pictures[n].path} ~"
                      f" {self.names.get(self.printed[g].sha256)} total {total}")  # fmt: skip

    def _confirm(self, features: bytes | None, sha256: str, distance: int) -> Confirmation:
        if not needs_confirmation(distance):
            return SURE
        query = Features.from_bytes(features) if features is not None else None
        return confirm(query, self.reference(sha256), sha256)

    def ask_regions(self, pictures: list[Picture]) -> None:
        described = describe(pictures, mirror=True, cache_name="unrelated")
        started, cpu = time.perf_counter(), time.process_time()
        hits = ask_regions(self.regions, described)
        what = [(n, h.sha256, f"region, {h.inliers} inliers, score {h.score:.2f}, cover"
                 f" {h.cover:.2f}, span {h.span:.3f}") for n, h in hits]  # fmt: skip
        report(pictures, what, self.names)
        self.region_asked += sum(d.features is not None for d in described)
        self.region_found += len(hits)
        print(f"  region-queried in {time.perf_counter() - started:.0f} s wall,"
              f" {time.process_time() - cpu:.0f} s CPU (both threads)")  # fmt: skip


def ask_in_parts(asked: Asked, unrelated: list[Picture], asking: int, workers: int) -> int:
    """Make, fingerprint and near-ask every unrelated picture, and describe and region-query
    ``asking`` of them, a thousand at a time in a seeded order that mixes the kinds, printing
    the running counts after each thousand; how many matched."""
    order = list(range(len(unrelated)))
    random.Random("false-match/regions").shuffle(order)
    for at in range(0, len(order), 1000):
        pictures = [unrelated[n] for n in order[at : at + 1000]]
        make_pictures(pictures, workers)
        asked.ask_near(pictures)
        if at < asking:
            asked.ask_regions(pictures[: asking - at])
        print(f"  after {at + len(pictures)}: near matches {asked.near_found}/"
              f"{asked.near_asked}, region matches {asked.region_found}/{asked.region_asked}"
              f" (target 0 and 0); margin: {asked.margin.text()}; load"
              f" {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    return asked.near_found + asked.region_found


if __name__ == "__main__":
    raise SystemExit(main())
