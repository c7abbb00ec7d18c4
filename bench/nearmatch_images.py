"""Pictures and their altered copies for the near-match benchmark.

Originals stand in for generated images; they must look varied and natural,
or a false-match measurement says nothing. Four families, each drawn from a
named seed (the same pictures every run for the same Pillow version):

* ``scene``: the sample generator's landscapes (sky, sun, hills, sea, city,
  lighthouse) with a random palette, horizon and set pieces, and film grain;
* ``abstract``: fractal noise in a random palette under soft blobs of colour,
  like bokeh or an out-of-focus background;
* ``texture``: the sample generator's stone texture, recoloured and scaled;
* ``poster``: flat shapes with soft edges over a gradient, like illustration.

:data:`COPIES` lists the alterations a deliverable may have gone through;
each writes one file and names it by the alteration.
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sample_assets"))
sys.path.insert(0, str(ROOT))

import _synth  # noqa: E402

from tests.support.frame_writers import write_dpx, write_exr, write_tiff16  # noqa: E402

RGB = tuple[int, int, int]
Size = tuple[int, int]


def _colour(rng: random.Random, lo: int = 0, hi: int = 255) -> RGB:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _grain(img: Image.Image, key: str, amount: int) -> Image.Image:
    grained: Image.Image = _synth.add_grain(img, f"{key}/grain", amount)
    return grained


def scene(key: str, size: Size) -> Image.Image:
    """A landscape from the sample generator with a random recipe."""
    rng = random.Random(key)
    recipe = _synth.Scene(
        key,
        (_colour(rng, 10, 200), _colour(rng, 80, 255)),
        (_colour(rng, 0, 120), _colour(rng, 60, 230)),
        _colour(rng, 200, 255),
        (rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.5)),
        horizon=rng.uniform(0.4, 0.85),
        hills=rng.randint(0, 4),
        sea=rng.random() < 0.4,
        city=rng.random() < 0.3,
        tower=rng.random() < 0.2,
        water=_colour(rng, 20, 120),
        headland_right=rng.random() < 0.5,
    )
    return _grain(_synth.render(recipe, size), key, rng.randint(2, 8))


def abstract(key: str, size: Size) -> Image.Image:
    """Fractal noise in a random palette under soft blobs of light."""
    rng = random.Random(key)
    base = ImageOps.colorize(
        _synth.fractal(key, size, rng.choice((16, 24, 40, 64))),
        _colour(rng),
        _colour(rng),
        _colour(rng),
    )
    for _ in range(rng.randint(3, 12)):
        r = round(rng.uniform(0.03, 0.25) * size[1])
        centre = (round(rng.uniform(0, size[0])), round(rng.uniform(0, size[1])))
        base = _synth.glow(base, centre, max(r, 4), _colour(rng), rng.randint(3, 30))
    return _grain(base, key, 4)


def texture(key: str, size: Size) -> Image.Image:
    """The sample generator's stone texture, recoloured."""
    rng = random.Random(key)
    stone = _synth.texture(key, size).convert("L")
    return ImageOps.colorize(stone, _colour(rng, 0, 120), _colour(rng, 130, 255))


def poster(key: str, size: Size) -> Image.Image:
    """Flat, softly edged shapes over a gradient, like an illustration."""
    rng = random.Random(key)
    img = _synth.gradient(size, _colour(rng), _colour(rng))
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(rng.randint(4, 14)):
        box = sorted((rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * w))
        boy = sorted((rng.uniform(-0.2, 1.2) * h, rng.uniform(-0.2, 1.2) * h))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((box[0], boy[0], box[1], boy[1]), fill=_colour(rng))
    return _grain(img.filter(ImageFilter.GaussianBlur(1.2)), key, 3)


FAMILIES: dict[str, Callable[[str, Size], Image.Image]] = {
    "scene": scene,
    "abstract": abstract,
    "texture": texture,
    "poster": poster,
}
_WEIGHTS = (4, 3, 1, 2)
_SIZES: tuple[Size, ...] = ((512, 384), (384, 512), (512, 512), (640, 360))


def picture(key: str, scale: float = 1.0) -> Image.Image:
    """One varied picture named by ``key`` (family and size drawn from it)."""
    rng = random.Random(f"{key}/pick")
    family = rng.choices(list(FAMILIES), _WEIGHTS)[0]
    w, h = rng.choice(_SIZES)
    return FAMILIES[family](key, (round(w * scale), round(h * scale)))


# ----------------------------------------------------------------- copies


def _gamma(img: Image.Image, g: float) -> Image.Image:
    return img.point([round(255 * (v / 255) ** g) for v in range(256)] * 3)


def _crop(img: Image.Image, keep: float, rng: random.Random) -> Image.Image:
    w, h = img.size
    cw, ch = round(w * keep), round(h * keep)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return img.crop((x, y, x + cw, y + ch))


def _crop_side(img: Image.Image, cut: float, rng: random.Random) -> Image.Image:
    w, h = img.size
    dx, dy = round(w * cut), round(h * cut)
    boxes = [(dx, 0, w, h), (0, 0, w - dx, h), (0, dy, w, h), (0, 0, w, h - dy)]
    return img.crop(rng.choice(boxes))


def _srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _floats(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255


def _save(img: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    path.write_bytes(buf.getvalue())
    return path


Copy = Callable[[Image.Image, Path, random.Random], Path]

COPIES: dict[str, Copy] = {
    "jpeg_q60": lambda im, p, r: _save(im, p.with_suffix(".jpg"), "JPEG", quality=60),
    "jpeg_q75": lambda im, p, r: _save(im, p.with_suffix(".jpg"), "JPEG", quality=75),
    "jpeg_q90": lambda im, p, r: _save(im, p.with_suffix(".jpg"), "JPEG", quality=90),
    "half_size": lambda im, p, r: _save(
        im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
        p.with_suffix(".png"),
        "PNG",
    ),
    "half_size_jpeg80": lambda im, p, r: _save(
        im.resize((im.width // 2, im.height // 2), Image.Resampling.BILINEAR),
        p.with_suffix(".jpg"),
        "JPEG",
        quality=80,
    ),
    "png_stripped": lambda im, p, r: _save(im, p.with_suffix(".png"), "PNG"),
    "webp_q80": lambda im, p, r: _save(im, p.with_suffix(".webp"), "WEBP", quality=80),
    "tiff_lzw": lambda im, p, r: _save(im, p.with_suffix(".tif"), "TIFF", compression="tiff_lzw"),
    "bmp": lambda im, p, r: _save(im, p.with_suffix(".bmp"), "BMP"),
    "gif_256": lambda im, p, r: _save(im.quantize(256), p.with_suffix(".gif"), "GIF"),
    "tiff_16bit": lambda im, p, r: write_tiff16(
        p.with_suffix(".tif"), np.asarray(im, dtype=np.uint16) * 257
    ),
    "png_16bit_grey": lambda im, p, r: _save(
        Image.fromarray(np.asarray(im.convert("L"), dtype=np.uint16) * 257),
        p.with_suffix(".png"),
        "PNG",
    ),
    "exr_half_linear": lambda im, p, r: write_exr(
        p.with_suffix(".exr"), _srgb_to_linear(_floats(im))
    ),
    "dpx_10bit": lambda im, p, r: write_dpx(p.with_suffix(".dpx"), _floats(im)),
    "gamma_080": lambda im, p, r: _save(_gamma(im, 0.8), p.with_suffix(".png"), "PNG"),
    "gamma_125": lambda im, p, r: _save(_gamma(im, 1.25), p.with_suffix(".png"), "PNG"),
    "greyscale": lambda im, p, r: _save(im.convert("L"), p.with_suffix(".jpg"), "JPEG"),
    "cmyk_jpeg": lambda im, p, r: _save(
        im.convert("CMYK"), p.with_suffix(".jpg"), "JPEG", quality=90
    ),
    "saturation_130": lambda im, p, r: _save(
        ImageEnhance.Color(im).enhance(1.3), p.with_suffix(".jpg"), "JPEG", quality=85
    ),
    "crop_2pct": lambda im, p, r: _save(_crop(im, 0.98, r), p.with_suffix(".png"), "PNG"),
    "crop_5pct": lambda im, p, r: _save(_crop(im, 0.95, r), p.with_suffix(".png"), "PNG"),
    "crop_5pct_one_side": lambda im, p, r: _save(
        _crop_side(im, 0.05, r), p.with_suffix(".png"), "PNG"
    ),
}
