"""Pictures and sounds drawn from named seeds, for ``make_samples.py``.

Nothing here reads a clock or global RNG state. Noise bytes come from SHAKE-256
of a key; shape choices come from ``random.Random(key)`` through ``random()``-based
calls only (``uniform``, ``random``), whose sequence Python guarantees across
versions. Sound uses integer arithmetic only, so it is the same on every
platform; pictures are the same for the same Pillow version.
"""

from __future__ import annotations

import hashlib
import random
import struct
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

RGB = tuple[int, int, int]
Size = tuple[int, int]


@dataclass(frozen=True)
class Scene:
    """The recipe for one picture: palette, layout and which set pieces appear."""

    key: str
    sky: tuple[RGB, RGB]  # top, horizon
    land: tuple[RGB, RGB]  # dark, light
    sun: RGB
    sun_at: tuple[float, float]  # as fractions of width and height
    horizon: float = 0.62
    hills: int = 3
    sea: bool = False
    city: bool = False
    tower: bool = False
    water: RGB = (44, 66, 80)
    headland_right: bool = False  # over the sea, which side the land rises on


def noise_bytes(key: str, count: int) -> bytes:
    """``count`` pseudo-random bytes named by ``key`` (SHAKE-256: the same on every platform)."""
    return hashlib.shake_256(key.encode()).digest(count)


def value_noise(key: str, size: Size, cell: Size) -> Image.Image:
    """Smooth noise in mode L: random bytes on a coarse grid, upscaled bicubically."""
    (w, h), (cx, cy) = size, cell
    gw, gh = w // cx + 4, h // cy + 4
    coarse = Image.frombytes("L", (gw, gh), noise_bytes(key, gw * gh))
    return coarse.resize((gw * cx, gh * cy), Image.Resampling.BICUBIC).crop(
        (cx, cy, cx + w, cy + h)
    )


def fractal(key: str, size: Size, cell: int) -> Image.Image:
    """Three octaves of value noise, stretched to full contrast."""
    out = value_noise(f"{key}/0", size, (cell, cell))
    for octave, weight in ((1, 0.35), (2, 0.2)):
        fine = max(2, cell >> (2 * octave))
        out = Image.blend(out, value_noise(f"{key}/{octave}", size, (fine, fine)), weight)
    return ImageOps.autocontrast(out, cutoff=1)


def add_grain(img: Image.Image, key: str, amount: int = 6) -> Image.Image:
    """Per-pixel colour grain of about +-``amount`` levels, as film or a sensor gives."""
    grain = Image.frombytes("RGB", img.size, noise_bytes(key, 3 * img.width * img.height))
    grain = grain.point([128 + (v - 128) * amount // 128 for v in range(256)] * 3)
    return ImageChops.add(img, grain, 1.0, -128)


def gradient(size: Size, top: RGB, bottom: RGB) -> Image.Image:
    """A vertical two-colour gradient."""
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(ramp, top, bottom)


def glow(img: Image.Image, centre: Size, radius: int, colour: RGB, gain: int) -> Image.Image:
    """A round light (sun, lamp) fading out at ``radius``; higher ``gain``, harder edge."""
    # radial_gradient is 0 at the centre, 181 at the inscribed circle, 255 in the corners
    lut = [min(255, max(0, 181 - v) ** 2 * gain // (16 * 128)) for v in range(256)]
    disc = Image.radial_gradient("L").point(lut).resize((2 * radius, 2 * radius))
    mask = Image.new("L", img.size, 0)
    mask.paste(disc, (centre[0] - radius, centre[1] - radius))
    return Image.composite(Image.new("RGB", img.size, colour), img, mask)


def ridge(
    rng: random.Random, width: int, base: float, amp: float, knots: int, *, tilt: float = 0.0
) -> list[Size]:
    """A line of hills: smoothstep between random knots, some roughness, falling by ``tilt``."""
    heights = [rng.uniform(-1.0, 1.0) for _ in range(knots + 1)]
    points = []
    for x in range(0, width + 4, 4):
        t = min(x / width * knots, knots - 1e-9)
        i, f = int(t), t - int(t)
        f = f * f * (3 - 2 * f)
        y = (
            base
            + tilt * x / width
            + amp * (heights[i] * (1 - f) + heights[i + 1] * f + rng.uniform(-0.06, 0.06))
        )
        points.append((x, round(y)))
    return points


def fill_below(
    img: Image.Image, key: str, points: list[Size], dark: RGB, light: RGB
) -> Image.Image:
    """Fill the area under ``points`` with a noise-textured colour, edges softened."""
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).polygon([*points, (img.width, img.height), (0, img.height)], fill=255)
    texture = ImageOps.colorize(fractal(key, img.size, 24), dark, light)
    return Image.composite(texture, img, mask.filter(ImageFilter.GaussianBlur(0.8)))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear interpolation between two colours."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def sky(scene: Scene, size: Size) -> Image.Image:
    """Gradient sky with soft, horizontally stretched clouds and the sun."""
    img = gradient(size, *scene.sky)
    clouds = value_noise(f"{scene.key}/clouds", size, (96, 20)).point(lambda v: max(0, v - 130) * 2)
    img = Image.composite(
        Image.new("RGB", size, mix(scene.sky[1], (255, 255, 255), 0.6)), img, clouds
    )
    sun = (round(size[0] * scene.sun_at[0]), round(size[1] * scene.sun_at[1]))
    img = glow(img, sun, size[1] // 2, mix(scene.sun, scene.sky[1], 0.3), 5)
    return glow(img, sun, size[1] // 8, scene.sun, 40)


def sea(img: Image.Image, scene: Scene, top: int) -> Image.Image:
    """Water from ``top`` down: darker towards the camera, with wave streaks."""
    size = (img.width, img.height - top)
    far, near = mix(scene.sky[1], scene.water, 0.55), mix(scene.water, (0, 0, 0), 0.35)
    water = gradient(size, far, near)
    waves = value_noise(f"{scene.key}/waves", size, (64, 3))
    streaks = ImageOps.colorize(waves, near, mix(scene.sky[1], scene.water, 0.3))
    img.paste(Image.blend(water, streaks, 0.3), (0, top))
    return img


def hills(img: Image.Image, scene: Scene, rng: random.Random) -> Image.Image:
    """Layers of hills, hazier with distance; over the sea, a headland sloping into the water."""
    w, h = img.size
    tilt = 0.7 * h if scene.sea else 0.0
    for layer in range(scene.hills):
        near = (layer + 1) / scene.hills
        base = h * (scene.horizon - (0.24 if scene.sea else 0.12) + 0.14 * near)
        dark = mix(scene.sky[1], scene.land[0], 0.35 + 0.65 * near)
        light = mix(scene.sky[1], scene.land[1], 0.35 + 0.65 * near)
        points = ridge(rng, w, base, h * 0.09, 3 + layer * 2, tilt=tilt)
        if scene.headland_right:
            points = [(w - x, y) for x, y in reversed(points)]
        img = fill_below(img, f"{scene.key}/hill{layer}", points, dark, light)
    return img


def skyline(img: Image.Image, scene: Scene, rng: random.Random) -> Image.Image:
    """Two rows of buildings with lit windows."""
    draw = ImageDraw.Draw(img)
    base = round(img.height * scene.horizon)
    for row, shade in ((0, 0.5), (1, 0.9)):
        colour = mix(scene.sky[1], scene.land[0], shade)
        x = -rng.uniform(0, 12)
        while x < img.width:
            bw, bh = rng.uniform(12, 30), rng.uniform(0.1, 0.55 - 0.15 * row) * base
            top = round(base + row * 8 - bh)
            draw.rectangle((round(x), top, round(x + bw), img.height), fill=colour)
            windows(draw, rng, (round(x), top, round(x + bw), base + row * 8), scene.sun)
            x += bw + rng.uniform(1, 5)
    return img


def windows(
    draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int], lit: RGB
) -> None:
    """Scatter lit windows over a building face."""
    left, top, right, bottom = box
    for wy in range(top + 4, bottom - 3, 6):
        for wx in range(left + 3, right - 3, 5):
            if rng.random() < 0.3:
                draw.rectangle((wx, wy, wx + 1, wy + 2), fill=lit)


def lighthouse(img: Image.Image, scene: Scene) -> Image.Image:
    """A tapered white tower with red bands and a lamp, on the left headland."""
    w, h = img.size
    x, base, top = round(w * 0.16), round(h * 0.62), round(h * 0.2)
    draw = ImageDraw.Draw(img)
    draw.polygon([(x - 9, base), (x + 9, base), (x + 6, top), (x - 6, top)], fill=(232, 226, 214))
    for band in range(top + 8, base - 4, 14):
        draw.rectangle((x - 9, band, x + 9, band + 5), fill=(168, 40, 36))
    draw.rectangle((x - 7, top - 8, x + 7, top), fill=(40, 40, 44))
    return glow(img, (x, top - 4), 18, scene.sun, 6)


def render(scene: Scene, size: Size) -> Image.Image:
    """Draw a scene without grain (callers add grain last, after any crop)."""
    rng = random.Random(scene.key)
    img = sky(scene, size)
    if scene.sea:
        img = sea(img, scene, round(size[1] * scene.horizon))
    img = hills(img, scene, rng)
    if scene.city:
        img = skyline(img, scene, rng)
    return lighthouse(img, scene) if scene.tower else img


def texture(key: str, size: Size) -> Image.Image:
    """A weathered stone texture: fractal noise, colourised, with a few dark cracks."""
    img = ImageOps.colorize(fractal(key, size, 40), (74, 62, 52), (198, 184, 160), (142, 128, 110))
    rng = random.Random(key)
    draw = ImageDraw.Draw(img)
    for _ in range(5):
        x, y = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        path = [(x := x + rng.uniform(-4, 14), y := y + rng.uniform(-8, 8)) for _ in range(14)]
        draw.line(path, fill=(58, 48, 40), width=1)
    return add_grain(img.filter(ImageFilter.SMOOTH), f"{key}/grain", 8)


def voice(key: str, f0: int, rate: int, seconds: int = 1) -> bytes:
    """Vowel-like speech with room tone, as 16-bit mono PCM (integer arithmetic only)."""
    count = rate * seconds
    hiss = noise_bytes(key, count)
    out, phase, low, lower = [], 0, 0, 0
    for i in range(count):
        pitch = f0 + (i * 30 // count) - abs((i % 2000) - 1000) // 50  # glide plus a little wobble
        phase = (phase + pitch * 65_536 // rate) & 0xFFFF
        low += (phase - 32_768 - low) >> 3  # two one-pole low-passes turn the saw into a vowel
        lower += (low - lower) >> 2
        syllable = i % (count // 4)
        env = max(0, min(syllable, count // 4 - syllable - count // 20)) * 4096 // count
        out.append(max(-32_768, min(32_767, lower * min(env, 256) // 512 + (hiss[i] - 128) * 3)))
    return struct.pack(f"<{count}h", *out)


SCENES = {
    "lighthouse": Scene(
        "lighthouse",
        ((92, 120, 168), (250, 196, 120)),
        ((46, 44, 40), (124, 108, 86)),
        (255, 236, 190),
        (0.72, 0.5),
        horizon=0.56,
        hills=1,
        sea=True,
        tower=True,
        water=(38, 64, 92),
    ),
    "valley": Scene(
        "valley",
        ((112, 128, 176), (246, 196, 190)),
        ((52, 70, 74), (120, 140, 132)),
        (255, 230, 214),
        (0.4, 0.42),
        horizon=0.5,
        hills=4,
    ),
    "city": Scene(
        "city",
        ((14, 12, 40), (96, 40, 110)),
        ((8, 8, 18), (40, 36, 60)),
        (255, 210, 120),
        (0.8, 0.3),
        horizon=0.86,
        hills=0,
        city=True,
    ),
    "desert": Scene(
        "desert",
        ((62, 118, 196), (200, 220, 236)),
        ((150, 104, 62), (226, 184, 130)),
        (255, 255, 240),
        (0.25, 0.18),
        horizon=0.6,
        hills=2,
    ),
    "coast": Scene(
        "coast",
        ((120, 136, 150), (206, 212, 214)),
        ((54, 72, 60), (118, 140, 104)),
        (246, 246, 236),
        (0.6, 0.28),
        horizon=0.58,
        hills=2,
        sea=True,
        headland_right=True,
    ),
}


def panned_frames(scene: Scene, size: Size, count: int, step: int) -> list[Image.Image]:
    """A slow pan across ``scene`` (``step`` px a frame), a gull crossing, fresh grain each."""
    w, h = size
    wide = render(scene, (w + step * count, h))
    frames = []
    for i in range(count):
        img = wide.crop((step * i, 0, step * i + w, h))
        x, y = 70 + 9 * i, 40 - i
        gull = [(x - 5, y - 2), (x, y), (x + 5, y - 3)]
        ImageDraw.Draw(img).line(gull, fill=(40, 42, 46), width=1)
        frames.append(add_grain(img, f"{scene.key}/grain/{i}", 5))
    return frames


def comp(plate: Image.Image, step: int) -> Image.Image:
    """A clean comp of a plate frame: graded warmer, a CG drone light ``step`` frames along."""
    graded = ImageEnhance.Contrast(ImageEnhance.Color(plate).enhance(1.2)).enhance(1.1)
    warm = graded.point(
        [min(255, v * 21 // 20) for v in range(256)]
        + list(range(256))
        + [v * 9 // 10 for v in range(256)]
    )
    x, y = 200 - 16 * step, 66 + 2 * step
    img = glow(warm, (x, y), 12, (255, 238, 196), 12)
    ImageDraw.Draw(img).ellipse((x - 3, y - 1, x + 3, y + 1), fill=(30, 30, 34))
    return img


def img2img_look(img: Image.Image) -> Image.Image:
    """What an img2img pass at low denoise leaves: detail smoothed away, edges oversharpened."""
    smooth = img.filter(ImageFilter.SMOOTH_MORE).filter(ImageFilter.SMOOTH_MORE)
    return ImageEnhance.Sharpness(smooth).enhance(2.2)
