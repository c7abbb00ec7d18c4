"""Periodic art built like the near-match false match of the 10,000-picture run.

``bench/bench_false_match.py`` found an unrelated teal-and-white checker with
two discs called a near copy of generated violet stripes with discs in the
same corners: at the fingerprint's few grey cells, each is a flat field with
a dark disc in the same two places. :func:`stripes` and :func:`checker` draw
such a pair (and the generated one's copies are ordinary crops of it); both
share a gentle left-to-right shading, which brings their fingerprints within
the near-match rule, beyond its sure distance.
"""

from __future__ import annotations

import cv2
import numpy as np

from tests.support.reframing import RGB

SIZE = (640, 360)
Disc = tuple[float, float, tuple[float, float, float]]  # centre x and y as shares, colour
RADIUS = 0.22  # of the height


def stripes() -> RGB:
    """The generated picture: violet and white stripes, a blue disc and a rust one."""
    discs = [(0.2, 0.3, (0.1, 0.15, 0.5)), (0.8, 0.7, (0.45, 0.15, 0.05))]
    return _art(False, (0.55, 0.35, 0.75), discs, period=7, angle=0.6)


def checker() -> RGB:
    """The unrelated picture: a teal and white checker, a grey-green disc and a blue one."""
    discs = [(0.2, 0.3, (0.15, 0.25, 0.2)), (0.8, 0.7, (0.05, 0.15, 0.45))]
    return _art(True, (0.2, 0.6, 0.6), discs, period=9, angle=0.2)


def _art(
    checks: bool, ink: tuple[float, float, float], discs: list[Disc], *, period: float,
    angle: float,
) -> RGB:  # fmt: skip
    w, h = SIZE
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u = x * np.cos(angle) + y * np.sin(angle)
    wave = np.sin(u * 2 * np.pi / period)
    if checks:
        wave = wave * np.sin((y * np.cos(angle) - x * np.sin(angle)) * 2 * np.pi / period)
    on = (wave > 0).astype(np.float32)[..., None]
    img = np.ascontiguousarray(on * np.array(ink, np.float32) + (1 - on) * np.float32(0.95))
    for cx, cy, colour in discs:
        centre = (int(cx * w), int(cy * h))
        cv2.circle(img, centre, int(RADIUS * h), colour, -1, cv2.LINE_AA)
    img += np.random.default_rng(1).normal(0, 0.01, img.shape).astype(np.float32)
    img *= (0.9 + 0.1 * x / w)[..., None]  # the shading both share
    return np.asarray(np.clip(img, 0, 1), dtype=np.float32)
