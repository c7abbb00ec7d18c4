"""A generated benchmark corpus: media files of mixed kinds and sizes.

The mix imitates a shot folder: many small stills (PNG and JPEG, a fifth of
them carrying generator metadata), uncompressed TIFF frames (the bulk of the
bytes, as plates and renders are), WAV takes and MP4 movies. Content is
pseudo-random from a fixed seed, so runs are comparable.
"""

from __future__ import annotations

import io
import random
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

PARAMETERS = (
    "a misty forest at dawn, volumetric light\nNegative prompt: blurry\n"
    "Steps: 30, Sampler: DPM++ 2M, CFG scale: 6, Seed: {seed}, Size: 512x512, "
    "Model: sdxl, Version: v1.10.1"
)


@dataclass(frozen=True)
class Mix:
    """How many files of each kind (default: about 2,000 files, about 2.8 GB)."""

    stills: int = 1000
    frames: int = 700
    wavs: int = 200
    movies: int = 100

    def scaled(self, factor: float) -> Mix:
        """The same mix with every count multiplied."""
        return Mix(
            *(max(1, round(n * factor)) for n in (self.stills, self.frames, self.wavs, self.movies))
        )


def make_corpus(root: Path, mix: Mix, seed: int = 7) -> list[Path]:
    """Write the corpus under ``root``; returns the files made."""
    rng = random.Random(seed)
    made: list[Path] = []
    made += [_still(root / "stills", i, rng) for i in range(mix.stills)]
    made += [_frame(root / "frames" / f"shot{i // 100:03d}", i, rng) for i in range(mix.frames)]
    made += [_wav(root / "audio", i, rng) for i in range(mix.wavs)]
    made += [_movie(root / "movies", i, rng) for i in range(mix.movies)]
    return made


def _noise_image(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    small = Image.frombytes(
        "RGB", (size[0] // 8, size[1] // 8), rng.randbytes(size[0] * size[1] * 3 // 64)
    )
    return small.resize(size, Image.Resampling.BILINEAR)


def _still(folder: Path, i: int, rng: random.Random) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    image = _noise_image(rng, (rng.choice([256, 512, 768]), rng.choice([256, 512])))
    if i % 2:
        path = folder / f"still_{i:05d}.jpg"
        image.save(path, quality=90)
        return path
    info = PngInfo()
    if i % 5 == 0:
        info.add_text("parameters", PARAMETERS.format(seed=i))
    path = folder / f"still_{i:05d}.png"
    image.save(path, pnginfo=info, compress_level=1)
    return path


def _frame(folder: Path, i: int, rng: random.Random) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"plate.{1001 + i % 100:04d}.tif"
    image = Image.frombytes("RGB", (1280, 720), rng.randbytes(1280 * 720 * 3))
    image.save(path, compression=None)
    return path


def _wav(folder: Path, i: int, rng: random.Random) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"take_{i:04d}.wav"
    data = rng.randbytes(48_000 * 2 * 2 * 8)  # 8 s of 48 kHz 16-bit stereo
    fmt = struct.pack("<HHIIHH", 1, 2, 48_000, 48_000 * 4, 4, 16)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def _movie(folder: Path, i: int, rng: random.Random) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"edit_{i:04d}.mp4"
    payload = rng.randbytes(rng.randint(2, 6) * 1024 * 1024)
    stream = io.BytesIO()
    stream.write(struct.pack(">I4s4sI", 20, b"ftyp", b"isom", 512) + b"isom")
    stream.write(struct.pack(">I4s", 8 + len(payload), b"mdat") + payload)
    path.write_bytes(stream.getvalue())
    return path
