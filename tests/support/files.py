"""Small files on disk: PNGs with or without generation parameters, unique content, digests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo


def png(path: Path, seed: int, parameters: str | None = None) -> Path:
    """A small PNG, optionally with A1111 generation parameters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (16, 16), (seed % 256, (seed * 7) % 256, (seed * 13) % 256))
    info = PngInfo()
    if parameters:
        info.add_text("parameters", parameters)
    image.save(path, pnginfo=info)
    return path


def generated_with_odd_name(folder: Path) -> Path:
    """A generated PNG named ``gen\\xff.png`` (a byte that is not UTF-8) in ``folder``;
    the test is skipped on a file system that refuses such names."""
    try:
        return png(folder / os.fsdecode(b"gen\xff.png"), 3, "a castle\nSteps: 20, Seed: 3")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")


A1111 = (
    "a castle\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, Seed: 1, Model: sdxl, Version: v1.10.1"
)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unique_bytes(label: str, size: int = 256) -> bytes:
    """Content that no other label shares."""
    return label.encode() + b"\0" + os.urandom(size)
