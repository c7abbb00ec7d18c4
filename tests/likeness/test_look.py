"""One decode, both results: a picture's fingerprint and its local features, as each gives alone.

The audit fingerprints a picture it has never seen and describes it for the
region check from one decode (:func:`~provenance.likeness.describe.look_file`).
Each result must be exactly what the separate paths give, in every pixel format
the decoder reduces differently (8-bit, with alpha, 16-bit, JPEG decoded reduced,
EXIF-turned), and a file that does not decode must say why as fingerprinting does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.likeness.describe import Described, describe_path, look_file, look_files
from provenance.likeness.features import DECODE_SIDE
from provenance.likeness.fingerprint import fingerprint_file
from provenance.likeness.frames import WORK_SIDE, decode_luma, decode_lumas
from tests.support.reframing import textured


def _eight_bit(seed: int, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(textured(seed, size) * 255 + 0.5, dtype=np.uint8)


def _rgb_png(folder: Path) -> Path:
    Image.fromarray(_eight_bit(1, (1280, 720))).save(folder / "plate.png")
    return folder / "plate.png"


def _rgba_png(folder: Path) -> Path:
    rgb = _eight_bit(2, (900, 600))
    alpha = np.full((*rgb.shape[:2], 1), 200, dtype=np.uint8)
    Image.fromarray(np.concatenate([rgb, alpha], axis=2), "RGBA").save(folder / "matte.png")
    return folder / "matte.png"


def _sixteen_bit_png(folder: Path) -> Path:
    grey = np.asarray(textured(3, (1000, 800))[..., 1] * 65535, dtype=np.uint16)
    Image.fromarray(grey).save(folder / "deep.png")
    return folder / "deep.png"


def _jpeg(folder: Path) -> Path:
    Image.fromarray(_eight_bit(4, (1920, 1080))).save(folder / "frame.jpg", quality=90)
    return folder / "frame.jpg"


def _turned_jpeg(folder: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    path = folder / "sideways.jpg"
    Image.fromarray(_eight_bit(5, (1200, 800))).save(path, quality=90, exif=exif)
    return path


def _tiff(folder: Path) -> Path:
    Image.fromarray(_eight_bit(6, (1280, 720))).save(folder / "frame.tif")
    return folder / "frame.tif"


PICTURES = [_rgb_png, _rgba_png, _sixteen_bit_png, _jpeg, _turned_jpeg, _tiff]


@pytest.mark.parametrize("make", PICTURES, ids=lambda f: f.__name__.strip("_"))
def test_one_decode_gives_each_size_as_decoding_it_alone(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    frames = decode_lumas(path, (WORK_SIDE, DECODE_SIDE))
    for frame, side in zip(frames, (WORK_SIDE, DECODE_SIDE), strict=True):
        alone = decode_luma(path, work_side=side)
        assert (frame.width, frame.height, frame.format, frame.transfer) == (
            alone.width, alone.height, alone.format, alone.transfer,
        )  # fmt: skip
        assert frame.luma.dtype == alone.luma.dtype
        assert np.array_equal(frame.luma, alone.luma)


@pytest.mark.parametrize("make", PICTURES, ids=lambda f: f.__name__.strip("_"))
def test_looking_gives_the_fingerprint_and_features_each_path_gives(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = str(make(tmp_path))
    result, described = look_file(path, describe=True)
    assert result == fingerprint_file(path)
    assert result.fingerprint is not None
    assert isinstance(described, Described) and described.status == "ok"
    assert described == describe_path(path, mirror=True)
    features = described.features()
    assert features is not None and features.mirror is not None


def test_a_picture_not_asked_for_is_only_fingerprinted(tmp_path: Path) -> None:
    path = str(_jpeg(tmp_path))
    assert look_file(path, describe=False) == (fingerprint_file(path), None)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"just some text, not a picture"],
    ids=["empty", "truncated-png", "text"],
)
def test_a_file_that_does_not_decode_says_why_as_fingerprinting_does(
    content: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    result, described = look_file(str(path), describe=True)
    assert result == fingerprint_file(path)
    assert result.status in ("undecodable", "unsupported") and result.reason
    assert described is None  # the region stage describes it alone, and says why


def test_many_files_come_back_in_order_on_the_workers(tmp_path: Path) -> None:
    paths = [str(make(tmp_path)) for make in (_jpeg, _rgb_png, _tiff)]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff" + b"\x00" * 64)
    asked = [(paths[0], True), (str(broken), True), (paths[1], False), (paths[2], True)]
    looked = list(look_files(asked, workers=2))
    assert [r.path for r, _ in looked] == [p for p, _ in asked]
    assert [d is not None for _, d in looked] == [True, False, False, True]
    assert looked[0] == look_file(paths[0], describe=True)
