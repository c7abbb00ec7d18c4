"""A video's thumbnail in the web view is its middle picture, in colour."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.thumbs import SIDE, Thumbnails
from tests.support.files import sha256_of
from tests.support.videos import solid_clip

pytest.importorskip("av")


def test_a_colour_videos_poster_has_colour(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    video = solid_clip(tmp_path / "show" / "edit" / "teal.mp4", (20, 150, 160))
    scan([tmp_path / "show"], ledger, settings)
    jpeg = Thumbnails(ledger, tmp_path / "thumbs").jpeg(sha256_of(video))
    assert jpeg is not None
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.mode == "RGB" and max(image.size) <= SIDE
        pixels = np.asarray(image, dtype=np.float32)
    red, green, blue = (float(pixels[pixels.shape[0] // 2 :, :, c].mean()) for c in range(3))
    assert red < 60 and green > 120 and blue > 120  # teal, not grey
