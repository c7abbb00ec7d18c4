"""A studio's pictures: seed-distinct images, generated PNGs (A1111 parameters), camera JPEGs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from provenance.ingest.scan import plan_scan, run_scan, scan
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.files import sha256_of

A1111 = (
    "a lighthouse at dusk\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, Seed: {seed}, Model: sdxl, Version: v1.10.1"
)


def picture(seed: int, size: tuple[int, int] = (320, 200)) -> Image.Image:
    """A structured, seed-distinct picture (shapes over a gradient), good for fingerprints."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    base = (x * rng.uniform(0.2, 1.0) + y * rng.uniform(0.2, 1.0)) % 256
    for _ in range(6):
        cx, cy, r = rng.integers(0, width), rng.integers(0, height), rng.integers(15, 60)
        base = np.where((x - cx) ** 2 + (y - cy) ** 2 < r * r, rng.integers(0, 256), base)
    rgb = np.stack([base, np.roll(base, 17, axis=1), 255 - base], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb)


def generated_png(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_text("parameters", A1111.format(seed=seed))
    picture(seed).save(path, pnginfo=info)
    return path


def camera_jpeg(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"
    picture(seed).save(path, quality=92, exif=exif)
    return path


@dataclasses.dataclass
class Studio:
    """A studio's ledger after the artists' folders were scanned."""

    ledger: Ledger
    settings: Settings
    work: Path


def recorded_images(tmp_path: Path, ledger: Ledger, settings: Settings, count: int) -> list[Path]:
    """``count`` generated images recorded without their fingerprints, in sha256 order."""
    images = [generated_png(tmp_path / "shots" / f"gen{i}.png", i) for i in range(count)]
    run_scan(plan_scan([tmp_path / "shots"], settings), ledger, settings, fingerprints=False)
    return sorted(images, key=sha256_of)


def scanned_generated(path: Path, ledger: Ledger, settings: Settings) -> str:
    """Scan ``path``'s folder, and the SHA-256 of ``path``, found generated and described."""
    scan([path.parent], ledger, settings)
    asset = ledger.assets.at(str(path))
    assert asset is not None and asset.verdict == "genai"
    assert ledger.features.status_of(asset.sha256) == "ok"
    return asset.sha256
