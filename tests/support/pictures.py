"""Small natural-looking pictures for fingerprint tests, and the copies a pipeline makes of them.

Each picture is a few soft blobs of light and colour over a tilted gradient,
with a little grain: smooth like a photograph, different for every seed.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageEnhance

from tests.support.frame_writers import write_dpx, write_exr, write_tiff16

needs_openexr = pytest.mark.skipif(
    importlib.util.find_spec("OpenEXR") is None, reason="writing EXR needs the exr extra"
)


def picture(seed: int, size: tuple[int, int] = (160, 120)) -> Image.Image:
    """A picture named by ``seed`` (same seed, same picture)."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    img = np.ones((h, w, 3)) * rng.random(3) * 0.5
    img += (x * rng.normal() + y * rng.normal())[..., None] * rng.random(3)
    for _ in range(8):
        cx, cy, r = rng.random(), rng.random() * h / w, rng.uniform(0.05, 0.25)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        img += blob[..., None] * rng.normal(0, 0.6, 3)
    img = (img - img.min()) / (img.max() - img.min())
    img += rng.normal(0, 0.01, img.shape)
    return Image.fromarray(np.uint8(np.clip(img, 0, 1) * 255))


def floats(img: Image.Image) -> NDArray[np.float32]:
    """RGB as floats in [0, 1]."""
    return np.asarray(img.convert("RGB"), dtype=np.float32) / np.float32(255)


def srgb_to_linear(rgb: NDArray[np.float32]) -> NDArray[np.float32]:
    """The inverse sRGB curve: what a comp does on reading a PNG into linear light."""
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def save(img: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    """Save through a buffer (Pillow picks nothing from the suffix)."""
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    path.write_bytes(buf.getvalue())
    return path


def _gamma(img: Image.Image, g: float) -> Image.Image:
    return img.point([round(255 * (v / 255) ** g) for v in range(256)] * 3)


def _crop(img: Image.Image, keep: float, at: tuple[float, float]) -> Image.Image:
    w, h = img.size
    cw, ch = round(w * keep), round(h * keep)
    x, y = round((w - cw) * at[0]), round((h - ch) * at[1])
    return img.crop((x, y, x + cw, y + ch))


Copy = Callable[[Image.Image, Path], Path]

COPIES: dict[str, Copy] = {
    "jpeg_q60": lambda im, p: save(im, p.with_suffix(".jpg"), "JPEG", quality=60),
    "jpeg_q90": lambda im, p: save(im, p.with_suffix(".jpg"), "JPEG", quality=90),
    "half_size": lambda im, p: save(
        im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS), p, "PNG"
    ),
    "webp": lambda im, p: save(im, p.with_suffix(".webp"), "WEBP", quality=80),
    "tiff": lambda im, p: save(im, p.with_suffix(".tif"), "TIFF"),
    "bmp": lambda im, p: save(im, p.with_suffix(".bmp"), "BMP"),
    "gif": lambda im, p: save(im.quantize(256), p.with_suffix(".gif"), "GIF"),
    "tiff_16bit": lambda im, p: write_tiff16(
        p.with_suffix(".tif"), np.asarray(im, dtype=np.uint16) * 257
    ),
    "png_16bit_grey": lambda im, p: save(
        Image.fromarray(np.asarray(im.convert("L"), dtype=np.uint16) * 257), p, "PNG"
    ),
    "float_tiff_linear": lambda im, p: save(
        Image.fromarray(srgb_to_linear(floats(im.convert("L"))[..., 0])),
        p.with_suffix(".tif"),
        "TIFF",
    ),
    "exr_half_linear": lambda im, p: write_exr(p.with_suffix(".exr"), srgb_to_linear(floats(im))),
    "dpx_10bit": lambda im, p: write_dpx(p.with_suffix(".dpx"), floats(im)),
    "dpx_16bit_le": lambda im, p: write_dpx(
        p.with_suffix(".dpx"), floats(im), bits=16, packing=0, big_endian=False
    ),
    "gamma_080": lambda im, p: save(_gamma(im, 0.8), p, "PNG"),
    "gamma_125": lambda im, p: save(_gamma(im, 1.25), p, "PNG"),
    "greyscale": lambda im, p: save(im.convert("L"), p.with_suffix(".jpg"), "JPEG"),
    "cmyk_jpeg": lambda im, p: save(im.convert("CMYK"), p.with_suffix(".jpg"), "JPEG"),
    "saturation": lambda im, p: save(ImageEnhance.Color(im).enhance(1.3), p, "PNG"),
    "crop_2pct": lambda im, p: save(_crop(im, 0.98, (0.5, 0.5)), p, "PNG"),
    "crop_5pct_corner": lambda im, p: save(_crop(im, 0.95, (0.0, 1.0)), p, "PNG"),
}
