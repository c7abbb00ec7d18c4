"""Generated-looking textured pictures, and the reframings a pipeline makes of them.

A generated still is busy: shapes with hard edges, fine texture, shading. The
builder here draws such a picture from a seed (same seed, same picture) in
RGB floats; each reframing in :data:`REFRAMINGS` takes a picture (and a seed
for anything it adds) and returns the delivered frame, at the limit the
region matcher promises (see :mod:`provenance.likeness.regions`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image
from PIL.PngImagePlugin import PngInfo

RGB = NDArray[np.float32]
Reframe = Callable[[RGB, int], RGB]


def textured(seed: int, size: tuple[int, int] = (480, 270)) -> RGB:
    """A picture named by ``seed``: shaded gradient, hard-edged shapes, lines and grain.

    Each is drawn once a test process (a master's plate takes 0.1 s, and the same few are
    drawn again and again); every call gets a copy of its own to change.
    """
    return _drawn(seed, size).copy()


@functools.lru_cache(maxsize=16)  # at most 16 pictures kept: under 100 MB at 1280x360
def _drawn(seed: int, size: tuple[int, int]) -> RGB:
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) / max(w, h)
    img = (np.ones((h, w, 3)) * rng.random(3) * 0.6).astype(np.float32)
    img += ((x * rng.normal() + y * rng.normal())[..., None] * rng.random(3) * 0.5).astype(
        np.float32
    )
    for _ in range(int(rng.integers(25, 45))):
        _shape(img, rng, w, h)
    noise = cv2.resize(rng.random((h // 6 + 1, w // 6 + 1)).astype(np.float32), (w, h))
    img += (noise[..., None] - 0.5) * 0.25
    img += rng.normal(0, 0.015, img.shape).astype(np.float32)
    return np.clip(img, 0, 1).astype(np.float32)


def _shape(img: RGB, rng: np.random.Generator, w: int, h: int) -> None:
    colour = tuple(float(c) for c in rng.random(3))
    cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
    r = int(rng.integers(max(w, h) // 40, max(w, h) // 8))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        cv2.circle(img, (cx, cy), r, colour, -1, cv2.LINE_AA)
    elif kind == 1:
        cv2.rectangle(img, (cx, cy), (cx + r, cy + int(r * rng.uniform(0.3, 2))), colour, -1)
    elif kind == 2:
        end = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(img, (cx, cy), end, colour, int(rng.integers(1, 5)), cv2.LINE_AA)
    else:
        pts = rng.integers(-r, r, (5, 2)) + np.array([cx, cy])
        cv2.fillPoly(img, [pts.astype(np.int32)], colour, cv2.LINE_AA)


def save(rgb: RGB, path: Path, **params: Any) -> Path:
    """Write a float RGB picture as an 8-bit file (PNG or JPEG by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path, **params)
    return path


def luma(rgb: RGB) -> NDArray[np.float32]:
    """ITU-R 601 grey, as the decoder makes it."""
    return np.asarray(rgb @ np.array([0.299, 0.587, 0.114], np.float32), dtype=np.float32)


def crop(img: RGB, keep: float, at: tuple[float, float], *, both: bool = True) -> RGB:
    """Keep ``keep`` of the area (both sides shrunk alike, or the width only) at ``at``."""
    h, w = img.shape[:2]
    kw, kh = (keep**0.5, keep**0.5) if both else (keep, 1.0)
    cw, ch = round(w * kw), round(h * kh)
    x, y = round((w - cw) * at[0]), round((h - ch) * at[1])
    return img[y : y + ch, x : x + cw]


def scale(img: RGB, factor: float) -> RGB:
    """Resize by ``factor`` (area averaging down, linear up)."""
    h, w = img.shape[:2]
    method = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    size = (round(w * factor), round(h * factor))
    return np.asarray(cv2.resize(img, size, interpolation=method), dtype=np.float32)


def boxed(img: RGB, aspect: float) -> RGB:
    """Letterbox or pillarbox into a black frame of ``aspect`` (width / height)."""
    h, w = img.shape[:2]
    fw, fh = (round(h * aspect), h) if aspect > w / h else (w, round(w / aspect))
    frame = np.zeros((fh, fw, 3), np.float32)
    x, y = (fw - w) // 2, (fh - h) // 2
    frame[y : y + h, x : x + w] = img
    return frame


def overlaid(img: RGB, seed: int) -> RGB:
    """Burnt-in timecode text, a semi-transparent watermark and a slate bar across the bottom."""
    h, w = img.shape[:2]
    rng = np.random.default_rng(seed)
    burnt = np.ascontiguousarray(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8))
    cv2.rectangle(burnt, (0, h - h // 8), (w, h), (12, 12, 12), -1)
    slate = f"SHOT {rng.integers(100, 999)} v{rng.integers(1, 9)}"
    font, small = cv2.FONT_HERSHEY_SIMPLEX, h / 500
    cv2.putText(burnt, slate, (w // 20, h - h // 30), font, small, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(burnt, "01:00:12:07", (w // 2, h // 10), font, h / 400, (255, 255, 150), 2)
    mark = np.zeros((h, w, 3), np.uint8)
    cv2.putText(
        mark,
        "CONFIDENTIAL",
        (w // 8, h // 2),
        cv2.FONT_HERSHEY_DUPLEX,
        h / 150,
        (255, 255, 255),
        3,
        cv2.LINE_AA,
    )
    out = burnt.astype(np.float32) / 255 + 0.3 * mark.astype(np.float32) / 255
    return np.clip(out, 0, 1).astype(np.float32)


def graded(img: RGB) -> RGB:
    """A grade: gamma 1.4, contrast 0.75 around mid grey, saturation 1.5."""
    out = img ** np.float32(1.4)
    out = (out - 0.5) * 0.75 + 0.5
    grey = luma(out)[..., None]
    return np.clip(grey + (out - grey) * 1.5, 0, 1).astype(np.float32)


def composited(img: RGB, seed: int, share: float = 0.2, plate: tuple[int, int] = (480, 270)) -> RGB:
    """``img`` scaled to ``share`` of an unrelated plate's area, placed off-centre."""
    w, h = plate
    out = textured(seed + 1_000_003, plate)
    ih, iw = img.shape[:2]
    factor = (share * w * h / (iw * ih)) ** 0.5
    small = scale(img, factor)
    sh, sw = small.shape[:2]
    rng = np.random.default_rng(seed)
    x, y = int(rng.integers(0, w - sw + 1)), int(rng.integers(0, h - sh + 1))
    out[y : y + sh, x : x + sw] = small
    return out


REFRAMINGS: dict[str, Reframe] = {
    "crop_half_centre": lambda im, s: crop(im, 0.5, (0.5, 0.5)),
    "crop_half_side": lambda im, s: crop(im, 0.5, (1.0, 0.5), both=False),
    "scale_0.3": lambda im, s: scale(im, 0.3),
    "scale_2.0": lambda im, s: scale(im, 2.0),
    "flop": lambda im, s: np.ascontiguousarray(im[:, ::-1]),
    "flip": lambda im, s: np.ascontiguousarray(im[::-1]),
    "rotate_90": lambda im, s: np.ascontiguousarray(np.rot90(im, 1)),
    "rotate_180": lambda im, s: np.ascontiguousarray(np.rot90(im, 2)),
    "rotate_270": lambda im, s: np.ascontiguousarray(np.rot90(im, 3)),
    "letterbox_2.39": lambda im, s: boxed(im, 2.39),
    "pillarbox_4:3": lambda im, s: boxed(im, 4 / 3 if im.shape[1] / im.shape[0] < 4 / 3 else 2.39),
    "overlays": overlaid,
    "grade": lambda im, s: graded(im),
    "composite_fifth": composited,
}


MATTE_A1111 = "a ruined abbey, matte painting\nSteps: 20, Sampler: Euler a, Seed: 7, Model: sdxl"
"""The parameters text an AUTOMATIC1111 render of the matte painting carries."""


def generated_matte(path: Path, seed: int = 11) -> RGB:
    """Write a generated matte painting (a textured picture with A1111 parameters) at ``path``;
    returns its pixels, for the reframings of it a test delivers."""
    picture = textured(seed, (640, 360))
    info = PngInfo()
    info.add_text("parameters", MATTE_A1111)
    save(picture, path, pnginfo=info)
    return picture
