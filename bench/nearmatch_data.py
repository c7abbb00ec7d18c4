"""The files the near-match benchmark measures, generated once and kept in a cache folder.

* ``originals/<name>/``: each original and one file per alteration in
  :data:`nearmatch_images.COPIES`. Synthetic originals are saved there as PNG;
  real ones are read in place from ``../shared/corpus`` (never copied into the
  repository) and only their altered copies are written here.
* ``unrelated/``: pictures from another seed namespace, saved as JPEG.
* ``frames/``: full-HD frames in the mix of a delivery (JPEG, PNG, TIFF,
  WebP), for throughput.

A ``manifest.json`` records the parameters; a different request rebuilds.
"""

from __future__ import annotations

import json
import random
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import imagehash
from nearmatch_images import COPIES, ROOT, picture
from PIL import Image, ImageFilter, ImageOps

from provenance.likeness.fingerprint import fingerprint_file

J = TypeVar("J")
R = TypeVar("R")
CORPUS = ROOT.parent / "shared" / "corpus"
_CORPUS_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"}
FRAME_MIX: tuple[tuple[str, str, dict[str, int]], ...] = (
    ("jpg", "JPEG", {"quality": 90}),
    ("png", "PNG", {}),
    ("tif", "TIFF", {}),
    ("webp", "WEBP", {"quality": 90}),
)
_FRAME_WEIGHTS = (4, 3, 2, 1)
# Half the frames sharpened after upscaling, so they carry fine detail like real plates.
SHARPEN = ImageFilter.UnsharpMask(radius=2, percent=60, threshold=2)


@dataclass(frozen=True)
class Plan:
    """How much to generate."""

    synthetic: int = 150
    unrelated: int = 10_000
    frames: int = 200
    corpus: bool = True


@dataclass
class DataSet:
    """Paths of everything generated, by role."""

    originals: dict[str, str] = field(default_factory=dict)
    copies: dict[str, dict[str, str]] = field(default_factory=dict)
    unrelated: list[str] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)


def corpus_originals(min_side: int = 64) -> list[Path]:
    """Distinct real pictures of the shared corpus (same picture in two formats: first one)."""
    seen: list[imagehash.ImageHash] = []
    found = []
    for path in sorted(CORPUS.rglob("*")) if CORPUS.is_dir() else []:
        if path.suffix.lower() not in _CORPUS_SUFFIXES:
            continue
        try:
            with Image.open(path) as im:
                if min(im.size) < min_side:
                    continue
                h = imagehash.phash(im)
        except (OSError, ValueError, SyntaxError):
            continue
        if all(h - s > 6 for s in seen):
            seen.append(h)
            found.append(path)
    return found


def _make_copies(job: tuple[str, str | None, Path]) -> tuple[str, str, dict[str, str]]:
    name, source, folder = job
    folder.mkdir(parents=True, exist_ok=True)
    if source is None:
        img = picture(f"original/{name}")
        original = folder / "original.png"
        img.save(original)
    else:
        original = Path(source)
        with Image.open(original) as opened:
            # a copy made from a rotated phone picture has its rotation baked in
            img = ImageOps.exif_transpose(opened).convert("RGB")
    rng = random.Random(name)
    made = {kind: str(make(img, folder / kind, rng)) for kind, make in COPIES.items()}
    return name, str(original), made


def _make_unrelated(job: tuple[int, Path]) -> str:
    i, path = job
    picture(f"unrelated/{i}", 0.5).save(path, "JPEG", quality=90)
    return str(path)


def _make_frame(job: tuple[int, Path, str, dict[str, int]]) -> str:
    i, path, fmt, options = job
    small = picture(f"frame/{i}", 1.0).resize((960, 540), Image.Resampling.BICUBIC)
    frame = small.resize((1920, 1080), Image.Resampling.BICUBIC)
    frame = frame.filter(SHARPEN) if i % 2 else frame
    frame.save(path, fmt, **options)
    return str(path)


def _run(pool: Executor, fn: Callable[[J], R], jobs: Iterable[J]) -> list[R]:
    return list(pool.map(fn, jobs, chunksize=8))


def build(root: Path, plan: Plan, pool: Executor) -> DataSet:
    """Generate (or reuse) the data set for ``plan`` under ``root``."""
    manifest = root / "manifest.json"
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved.get("plan") == asdict(plan):
            return DataSet(**saved["data"])
    data = _generate(root, plan, pool)
    manifest.write_text(json.dumps({"plan": asdict(plan), "data": asdict(data)}))
    return data


def _generate(root: Path, plan: Plan, pool: Executor) -> DataSet:
    data = DataSet()
    jobs: list[tuple[str, str | None, Path]] = [
        (f"syn{i:04d}", None, root / "originals" / f"syn{i:04d}") for i in range(plan.synthetic)
    ]
    real = corpus_originals() if plan.corpus else []
    jobs += [
        (f"real_{p.stem[:48]}", str(p), root / "originals" / f"real_{p.stem[:48]}") for p in real
    ]
    for name, original, made in _run(pool, _make_copies, jobs):
        data.originals[name], data.copies[name] = original, made
    (root / "unrelated").mkdir(parents=True, exist_ok=True)
    data.unrelated = _run(
        pool,
        _make_unrelated,
        [(i, root / "unrelated" / f"{i:05d}.jpg") for i in range(plan.unrelated)],
    )
    (root / "frames").mkdir(parents=True, exist_ok=True)
    mix = random.Random("frames").choices(FRAME_MIX, _FRAME_WEIGHTS, k=plan.frames)
    frame_jobs = [
        (i, root / "frames" / f"{i:04d}.{ext}", fmt, opt) for i, (ext, fmt, opt) in enumerate(mix)
    ]
    data.frames = _run(pool, _make_frame, frame_jobs)
    return data


def phash_file(path: str) -> int | None:
    """The baseline: a plain Pillow decode and imagehash's pHash (None if undecodable)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        try:
            with Image.open(path) as im:
                return int(str(imagehash.phash(im)), 16)
        except (OSError, ValueError, SyntaxError):
            return None


def fingerprint_or_none(path: str) -> tuple[int, int] | None:
    """Our fingerprint as ``(grad, dct)``, None when the file has none."""
    result = fingerprint_file(path)
    fp = result.fingerprint
    return (fp.grad, fp.dct) if fp is not None else None
