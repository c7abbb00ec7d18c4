"""The pictures of the false-match benchmark: generated ones, and unrelated hard negatives.

Every picture is drawn from a name (``g/...`` generated, ``u/...`` unrelated),
the same picture each run, at the working size of the local features (640 on
the long side: describing a larger one downsizes to that first). The two sets
share no source: generated pictures use the seeds, keys and corpus files of
the ``genai`` label, unrelated ones their own seeds and keys and the corpus's
``not_genai`` files. But they share *styles*, so that a false match has every
chance to show:

* the same generators (``textured``, the region benchmark's stand-in for a
  generated still, and the near-match benchmark's scenes, abstracts, stone
  textures and posters), on other seeds;
* titled pictures (generated posters with words) beside text-heavy slates,
  credits and burn-in cards, in the same fonts;
* periodic art beside test cards (bars, checkerboards, grids, zone plates,
  wedges) and ``ffmpeg``'s test sources (``testsrc2``, the background of
  ``bench_masters``'s masters, among them);
* flat and nearly flat frames (black, grey, a fade, a soft gradient);
* mosaics of real pictures' tiles, recombined and regraded: of the corpus's
  generated pictures on one side, of its camera pictures on the other.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nearmatch_images import FAMILIES

from tests.support.reframing import textured

Size = tuple[int, int]
Maker = Callable[[str, Size], Image.Image]
SIZES: tuple[Size, ...] = ((640, 360), (640, 360), (640, 360), (640, 480), (360, 640))
UNRELATED_SEED = 1_000_000
FONTS = sorted(
    str(p)
    for folder in ("dejavu", "liberation")
    for p in Path("/usr/share/fonts/truetype", folder).glob("*.ttf")
)
WORDS = [
    "ember",
    "harbour",
    "lantern",
    "quiet",
    "meridian",
    "falcon",
    "orchard",
    "velvet",
    "signal",
    "glacier",
    "copper",
    "atlas",
    "nocturne",
    "paper",
    "tide",
    "hollow",
    "saffron",
    "relay",
    "crown",
    "winter",
    "echo",
    "marble",
    "drift",
    "canyon",
    "pilot",
    "garden",
    "static",
    "violet",
    "ridge",
    "comet",
    "shelter",
    "amber",
    "north",
    "mirror",
    "rain",
    "salt",
    "thunder",
    "ivory",
]
SLATE_FIELDS = ("PROD", "ROLL", "SCENE", "TAKE", "DIRECTOR", "CAMERA", "DATE", "FPS", "TC",
                "LENS", "FILTER", "SOUND", "SHOT", "VFX", "NOTES")  # fmt: skip


def font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """One of the machine's TrueType fonts (Pillow's own where there are none)."""
    if not FONTS:
        return ImageFont.load_default(size)
    return ImageFont.truetype(rng.choice(FONTS), size)


def colour(rng: random.Random, lo: int = 0, hi: int = 255) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def from_floats(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8))


def grain(img: Image.Image, rng: random.Random, amount: float) -> Image.Image:
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, amount, (img.height, img.width))
    out = np.asarray(img, dtype=np.float32) + noise[..., None].astype(np.float32)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------- shared by both sets


def generator_still(key: str, size: Size) -> Image.Image:
    """The region benchmark's generated stand-in; the seed comes from the key's set."""
    number = int(key.rsplit("/", 1)[1])
    seed = number if key.startswith("g/") else UNRELATED_SEED + number
    return from_floats(textured(seed, size))


def family(key: str, size: Size) -> Image.Image:
    """A scene, abstract, stone texture or poster (the near-match benchmark's families)."""
    rng = random.Random(f"{key}/family")
    name = rng.choices(list(FAMILIES), (4, 3, 1, 2))[0]
    return FAMILIES[name](key, size).convert("RGB")


def titled(key: str, size: Size) -> Image.Image:
    """A poster or abstract with a title and a line of small print, as generated posters have."""
    rng = random.Random(f"{key}/title")
    img = family(key, size)
    draw = ImageDraw.Draw(img)
    w, h = size
    title = " ".join(rng.choice(WORDS).upper() for _ in range(rng.randint(1, 3)))
    draw.text((rng.uniform(0.05, 0.3) * w, rng.uniform(0.05, 0.7) * h), title,
              font=font(rng, rng.randint(h // 12, h // 6)), fill=colour(rng))  # fmt: skip
    small = " ".join(rng.choice(WORDS) for _ in range(8))
    draw.text((0.05 * w, 0.9 * h), small, font=font(rng, h // 30), fill=colour(rng))
    return img


def periodic(key: str, size: Size) -> Image.Image:
    """Stripes or checks of a random period and angle, in two colours, with a few shapes over."""
    rng = random.Random(f"{key}/periodic")
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(6, 60)
    u = x * np.cos(angle) + y * np.sin(angle)
    v = -x * np.sin(angle) + y * np.cos(angle)
    wave = np.sin(u * 2 * np.pi / period)
    if rng.random() < 0.5:
        wave = wave * np.sin(v * 2 * np.pi / period)
    mask = (wave > 0).astype(np.float32)[..., None]
    a, b = np.array(colour(rng)) / 255, np.array(colour(rng)) / 255
    img = mask * a + (1 - mask) * b
    for _ in range(rng.randint(0, 6)):
        centre = (rng.randrange(w), rng.randrange(h))
        cv2.circle(img, centre, rng.randint(10, h // 4), tuple(np.array(colour(rng)) / 255), -1)
    return grain(from_floats(img.astype(np.float32)), rng, 2)


def mosaic(sources: list[Path]) -> Maker:
    """Tiles cut from ``sources`` at random, scaled, regraded and laid in a 2x2 to 3x3 grid."""

    def make(key: str, size: Size) -> Image.Image:
        rng = random.Random(f"{key}/mosaic")
        w, h = size
        cols, rows = rng.randint(2, 3), rng.randint(2, 3)
        out = Image.new("RGB", size)
        for r in range(rows):
            for c in range(cols):
                box = (c * w // cols, r * h // rows, (c + 1) * w // cols, (r + 1) * h // rows)
                out.paste(_tile(rng, sources, (box[2] - box[0], box[3] - box[1])), box[:2])
        return out

    return make


def _tile(rng: random.Random, sources: list[Path], size: Size) -> Image.Image:
    with Image.open(rng.choice(sources)) as opened:
        img = ImageOps.exif_transpose(opened).convert("RGB")
    keep = rng.uniform(0.3, 0.8)
    cw, ch = max(8, int(img.width * keep)), max(8, int(img.height * keep))
    x, y = rng.randint(0, img.width - cw), rng.randint(0, img.height - ch)
    tile = img.crop((x, y, x + cw, y + ch)).resize(size, Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        tile = ImageOps.mirror(tile)
    gain = np.array([rng.uniform(0.7, 1.3) for _ in range(3)], np.float32)
    return Image.fromarray(np.clip(np.asarray(tile, np.float32) * gain, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------- unrelated only


def slate(key: str, size: Size) -> Image.Image:
    """A production slate, a credits card or a burn-in card: lines of text on a plain ground."""
    rng = random.Random(f"{key}/slate")
    w, h = size
    dark = rng.random() < 0.7
    img = Image.new("RGB", size, colour(rng, 0, 50) if dark else colour(rng, 200, 255))
    draw = ImageDraw.Draw(img)
    ink = colour(rng, 180, 255) if dark else colour(rng, 0, 70)
    lines = rng.randint(4, 18)
    face = font(rng, max(10, int(h / lines * rng.uniform(0.45, 0.75))))
    for n in range(lines):
        text = f"{rng.choice(SLATE_FIELDS)}  " + " ".join(
            rng.choice(WORDS).upper() if rng.random() < 0.6 else str(rng.randint(1, 9999))
            for _ in range(rng.randint(1, 4))
        )
        draw.text((w * 0.06, h * (0.04 + 0.92 * n / lines)), text, font=face, fill=ink)
    if rng.random() < 0.4:  # a clapperboard's diagonal stripes along the top
        for x in range(0, w + h // 8, h // 8):
            draw.polygon([(x, 0), (x + h // 16, 0), (x - h // 16, h // 10), (x - h // 8, h // 10)],
                         fill=ink)  # fmt: skip
    return grain(img, rng, rng.uniform(0, 3))


def test_card(key: str, size: Size) -> Image.Image:
    """Colour bars, a checkerboard, a grid, a zone plate or a wedge, as line-up charts are."""
    rng = random.Random(f"{key}/card")
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = rng.randrange(5)
    if kind == 0:  # bars, with a lower band of other bars
        bars = np.array([colour(rng) for _ in range(rng.randint(6, 9))], np.float32) / 255
        img = bars[(x * len(bars) / w).astype(int)]
        low = y > h * rng.uniform(0.6, 0.8)
        img[low] = (bars[::-1][(x * len(bars) / w).astype(int)])[low] * 0.5
    elif kind == 1:  # checkerboard
        cell = rng.randint(8, 90)
        img = np.repeat((((x // cell) + (y // cell)) % 2)[..., None], 3, 2)
    elif kind == 2:  # grid with a centre cross and circle
        img = np.zeros((h, w, 3), np.float32) + rng.uniform(0, 0.3)
        step = rng.randint(20, 80)
        img[(x % step < 2) | (y % step < 2)] = 1.0
        cv2.circle(img, (w // 2, h // 2), min(w, h) // 3, (1.0, 1.0, 1.0), 2)
    elif kind == 3:  # zone plate
        k = rng.uniform(0.0005, 0.004)
        img = np.repeat((0.5 + 0.5 * np.cos(k * ((x - w / 2) ** 2 + (y - h / 2) ** 2)))[..., None],
                        3, 2)  # fmt: skip
    else:  # resolution wedge: lines converging on a point
        angle = np.arctan2(y - h / 2, x - w / 2)
        img = np.repeat((np.sin(angle * rng.randint(12, 60)) > 0)[..., None], 3, 2)
    return grain(from_floats(np.asarray(img, np.float32)), rng, 1.5)


def flat(key: str, size: Size) -> Image.Image:
    """Black, grey, a flat colour, a fade or a soft gradient, with or without a little noise."""
    rng = random.Random(f"{key}/flat")
    w, h = size
    a, b = np.array(colour(rng), np.float32), np.array(colour(rng), np.float32)
    kind = rng.randrange(4)
    t = np.linspace(0, 1, h if kind == 2 else w, dtype=np.float32)
    ramp = t[:, None, None] if kind == 2 else t[None, :, None]
    img = {0: np.zeros((h, w, 3)) + rng.choice((0.0, 16.0, 128.0)), 1: np.zeros((h, w, 3)) + a,
           2: a + (b - a) * ramp, 3: a + (b - a) * ramp}[kind]  # fmt: skip
    return grain(Image.fromarray(np.clip(np.broadcast_to(img, (h, w, 3)), 0, 255).astype(np.uint8)),
                 rng, rng.choice((0.0, 0.5, 2.0, 4.0)))  # fmt: skip
