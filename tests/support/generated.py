"""Generated pictures of a chosen size, for tests about room on a disk."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from tests.support.lifecycle import a1111


def big_generated_png(path: Path, side: int = 300) -> Path:
    """A PNG of random noise (about 3 * side**2 bytes: it does not compress) with A1111 markers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    info = PngInfo()
    info.add_text("parameters", a1111("a castle, very detailed"))
    image.save(path, pnginfo=info)
    return path
