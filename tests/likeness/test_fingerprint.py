"""Perceptual fingerprints: copies match their original, unrelated pictures do not."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from provenance.files.formats import exr
from provenance.likeness.fingerprint import (
    Fingerprint,
    FingerprintResult,
    dct_hash,
    fingerprint_file,
    fingerprint_files,
    gradient_hash,
    process_pool,
)
from provenance.likeness.frames import cineon_to_linear, decode_luma, sniff, srgb_encode
from tests.support.frame_writers import write_dpx, write_exr
from tests.support.pictures import COPIES, floats, needs_openexr, picture, save, srgb_to_linear

SEEDS = (1, 2, 3)


def fingerprint_of(path: Path) -> Fingerprint:
    result = fingerprint_file(path)
    assert result.status == "ok", result.reason
    assert result.fingerprint is not None
    return result.fingerprint


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Image.Image, Path]]:
    folder = tmp_path_factory.mktemp("originals")
    found = {}
    for seed in SEEDS:
        img = picture(seed)
        info = PngInfo()
        info.add_text("parameters", f"a generated picture, seed {seed}")
        found[seed] = (img, save(img, folder / f"{seed}.png", "PNG", pnginfo=info))
    return found


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "kind", [pytest.param(k, marks=needs_openexr if "exr" in k else ()) for k in sorted(COPIES)]
)
def test_copy_matches_its_original(
    kind: str, seed: int, originals: dict[int, tuple[Image.Image, Path]], tmp_path: Path
) -> None:
    img, path = originals[seed]
    copy = COPIES[kind](img, tmp_path / kind)
    original, altered = fingerprint_of(path), fingerprint_of(copy)
    assert altered.matches(original), (kind, altered.distances(original))


def test_copy_of_one_picture_matches_no_other(
    originals: dict[int, tuple[Image.Image, Path]], tmp_path: Path
) -> None:
    img, _ = originals[1]
    copy = fingerprint_of(COPIES["jpeg_q60"](img, tmp_path / "copy"))
    assert not copy.matches(fingerprint_of(originals[2][1]))
    assert not copy.matches(fingerprint_of(originals[3][1]))


def test_unrelated_pictures_do_not_match(tmp_path: Path) -> None:
    prints = [
        fingerprint_of(save(picture(100 + i), tmp_path / f"{i}.png", "PNG")) for i in range(40)
    ]
    close = [
        (i, j, a.distances(b))
        for i, a in enumerate(prints)
        for j, b in enumerate(prints[:i])
        if a.matches(b)
    ]
    assert close == []


def test_stripping_metadata_keeps_the_fingerprint(tmp_path: Path) -> None:
    img = picture(7)
    exif = Image.Exif()
    exif[0x0131] = "a generator"  # Software
    tagged = save(img, tmp_path / "tagged.jpg", "JPEG", quality=90, exif=exif)
    with Image.open(tagged) as opened:
        stripped = save(opened.copy(), tmp_path / "stripped.jpg", "JPEG", quality=90)
    assert fingerprint_of(tagged).distances(fingerprint_of(stripped)) == (0, 0)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    """A sideways-stored phone picture matches an upright copy of it."""
    img = picture(8, (200, 120))
    upright = save(img, tmp_path / "upright.png", "PNG")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    stored = img.transpose(Image.Transpose.ROTATE_90)
    sideways = save(stored, tmp_path / "sideways.jpg", "JPEG", quality=95, exif=exif)
    assert fingerprint_of(sideways).matches(fingerprint_of(upright))


@pytest.mark.parametrize("orientation", range(2, 9))
def test_every_orientation_turns_like_pillows_exif_transpose(
    orientation: int, tmp_path: Path
) -> None:
    from PIL import ImageOps

    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(picture(9, (96, 64)), tmp_path / "o.png", "PNG", exif=exif)
    with Image.open(path) as opened:
        upright = ImageOps.exif_transpose(opened).convert("L")
    expected = np.asarray(upright, dtype=np.float32) / 255
    h, w = expected.shape
    expected = expected.reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))
    luma = decode_luma(path, work_side=8).luma
    assert luma.shape == expected.shape
    assert np.abs(luma - expected).max() < 0.02


@needs_openexr
def test_linear_exr_decodes_to_the_display_picture(tmp_path: Path) -> None:
    img = picture(10)
    rgb = floats(img)
    frame = decode_luma(write_exr(tmp_path / "f.exr", srgb_to_linear(rgb), half=False))
    direct = decode_luma(save(img, tmp_path / "f.png", "PNG"))
    assert frame.format == "EXR" and frame.transfer == "linear"
    assert np.abs(frame.luma - direct.luma).max() < 0.01


@pytest.mark.parametrize(
    ("bits", "packing", "big_endian"),
    [(8, 0, True), (8, 1, False), (10, 1, True), (10, 2, False), (12, 1, True), (16, 0, False)],
)
def test_dpx_round_trip(bits: int, packing: int, big_endian: bool, tmp_path: Path) -> None:
    rgb = floats(picture(11))
    path = write_dpx(tmp_path / "f.dpx", rgb, bits=bits, packing=packing, big_endian=big_endian)
    frame = decode_luma(path, work_side=8)
    expected = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    k = 120 // 8
    blocks = expected[: 120 // k * k, : 160 // k * k].reshape(120 // k, k, 160 // k, k)
    assert frame.width == 160 and frame.height == 120
    assert np.abs(frame.luma - blocks.mean(axis=(1, 3))).max() < 2 / (1 << bits) + 0.02


def test_log_dpx_matches_the_display_picture(tmp_path: Path) -> None:
    """A Cineon log scan of a picture decodes back to the picture's grey levels."""
    img = picture(12)
    linear = srgb_to_linear(floats(img))
    grid = np.linspace(0, 1, 4096, dtype=np.float32)
    codes = np.interp(linear, cineon_to_linear(grid), grid).astype(np.float32)
    log = write_dpx(tmp_path / "log.dpx", codes, transfer=1)
    assert decode_luma(log).transfer == "log"
    assert fingerprint_of(log).matches(fingerprint_of(save(img, tmp_path / "d.png", "PNG")))


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("PNG", "PNG"),
        ("JPEG", "JPEG"),
        ("WEBP", "WEBP"),
        ("TIFF", "TIFF"),
        ("GIF", "GIF"),
        ("BMP", "BMP"),
    ],
)
def test_formats_are_told_by_their_first_bytes(fmt: str, name: str, tmp_path: Path) -> None:
    path = save(picture(17, (40, 40)), tmp_path / "no_suffix", fmt)
    assert sniff(path.read_bytes()[:12]) == name


def test_srgb_encode_clips_and_survives_nan() -> None:
    values = np.array([-1.0, 0.0, 0.0031308, 1.0, 7.5, np.nan, np.inf], dtype=np.float32)
    encoded = srgb_encode(values)
    assert encoded.min() >= 0 and encoded.max() <= 1 and not np.isnan(encoded).any()


def test_jpeg_is_decoded_at_reduced_size(tmp_path: Path) -> None:
    big = picture(13, (1600, 1200))
    frame = decode_luma(save(big, tmp_path / "big.jpg", "JPEG", quality=90))
    assert (frame.width, frame.height) == (1600, 1200)
    assert max(frame.luma.shape) <= 200


def test_flat_and_tiny_pictures_have_no_fingerprint(tmp_path: Path) -> None:
    flat = save(Image.new("RGB", (200, 100), (12, 12, 12)), tmp_path / "slate.png", "PNG")
    tiny = save(picture(14, (24, 24)), tmp_path / "icon.png", "PNG")
    assert fingerprint_file(flat).status == "flat"
    assert fingerprint_file(tiny).status == "too_small"


def test_missing_openexr_is_reported_as_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.exr"
    path.write_bytes(exr.MAGIC + b"\x02\x00\x00\x00" + b"\x00" * 64)

    def missing() -> None:
        raise exr.ExrUnavailable(
            "reading EXR needs the OpenEXR package: pip install 'provenance[exr]'"
        )

    monkeypatch.setattr(exr, "_module", missing)
    result = fingerprint_file(path)
    assert result.status == "unavailable"
    assert result.reason is not None and "provenance[exr]" in result.reason


def test_hashes_are_64_bits_and_half_set() -> None:
    luma = np.asarray(picture(16).convert("L"), dtype=np.float32) / np.float32(255)
    small = np.asarray(Image.fromarray(luma).resize((32, 32), Image.Resampling.BOX))
    assert 0 <= gradient_hash(luma) < 1 << 64
    assert dct_hash(small).bit_count() == 32  # median threshold: half the bits set


@given(st.integers(0, (1 << 64) - 1), st.integers(0, (1 << 64) - 1))
def test_fingerprint_serialisations_round_trip(grad: int, dct: int) -> None:
    fp = Fingerprint(grad, dct)
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp
    signed = fp.to_signed()
    assert all(-(1 << 63) <= v < 1 << 63 for v in signed)
    assert Fingerprint.from_signed(*signed) == fp
    assert len(fp.hex) == 32


def test_from_bytes_refuses_wrong_length() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Fingerprint.from_bytes(b"\x00" * 8)


def test_pool_gives_the_results_of_one_process_in_order(tmp_path: Path) -> None:
    paths = [save(picture(20 + i), tmp_path / f"{i}.png", "PNG") for i in range(6)]
    paths.append(tmp_path / "missing.png")
    with process_pool(2) as pool:
        pooled = list(fingerprint_files(paths, executor=pool))
    assert pooled == [fingerprint_file(p) for p in paths]
    assert isinstance(pooled[-1], FingerprintResult) and pooled[-1].status == "error"


def test_result_names_the_file_it_could_not_read(tmp_path: Path) -> None:
    buf = io.BytesIO()
    picture(30).save(buf, "PNG")
    broken = tmp_path / "broken.png"
    broken.write_bytes(buf.getvalue()[:200])
    result = fingerprint_file(broken)
    assert result.status == "undecodable" and not result.ok
    assert result.reason is not None and str(broken) in result.reason
