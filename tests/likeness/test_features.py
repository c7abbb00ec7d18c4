"""Local features: the working picture, the cap and spread, empty pictures, and the blob format."""

from __future__ import annotations

import functools
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from provenance.errors import UndecodableImage
from provenance.likeness.features import (
    DESCRIPTOR_BYTES,
    GRID,
    MAX_POINTS,
    WORK_LONG,
    BadFeatures,
    Features,
    describe_file,
    describe_luma,
)
from tests.support.reframing import luma, textured


@pytest.fixture(scope="module")
def described() -> Features:
    return describe_luma(luma(textured(7, (480, 270))), mirror=True)


def test_a_picture_is_described_at_the_working_size(described: Features) -> None:
    assert (described.width, described.height) == (WORK_LONG, 360)
    assert 200 < len(described) <= MAX_POINTS
    assert described.points.dtype == np.float32 and described.points.shape == (len(described), 2)
    assert described.descriptors.dtype == np.uint8
    assert described.descriptors.shape == (len(described), DESCRIPTOR_BYTES)


def test_the_mirror_describes_the_flopped_picture_at_the_mirrored_corners(
    described: Features,
) -> None:
    """The mirror's corners are the picture's, mirrored; their descriptors are the flop's own."""
    mirror = described.mirror
    assert mirror is not None and mirror.mirror is None
    assert len(mirror) >= 0.95 * len(described)  # compute() drops only corners at the border
    mirrored = described.points.copy()
    mirrored[:, 0] = described.width - 1 - mirrored[:, 0]
    near = np.linalg.norm(mirror.points[:, None, :] - mirrored[None, :, :], axis=2).min(axis=1)
    assert float(near.max()) < 1e-3
    flopped = describe_luma(luma(textured(7, (480, 270)))[:, ::-1])
    # Detected anew, the flop keeps other corners in part (the cap, the spread); where both kept
    # a corner, they describe it alike: about half the descriptors are the same bits.
    mine = {bytes(d) for d in mirror.descriptors}
    assert len(mine & {bytes(d) for d in flopped.descriptors}) >= 0.4 * len(mirror)


def test_any_prefix_is_spread_over_the_picture(described: Features) -> None:
    first = described.points[: GRID * GRID // 2]
    cells = {(int(x * GRID / described.width), int(y * GRID / described.height)) for x, y in first}
    assert len(cells) >= GRID * GRID // 4


def test_the_cap_is_kept() -> None:
    assert len(describe_luma(luma(textured(3, (480, 270))), cap=50)) == 50


@pytest.mark.parametrize(
    "picture",
    [
        np.zeros((270, 480), np.float32),
        np.ones((270, 480), np.float32),
        np.full((1080, 1920), 0.5, np.float32),
        np.zeros((8, 8), np.float32),
        np.zeros((1, 4000), np.float32),
        np.zeros((0, 0), np.float32),
        np.zeros((270, 480, 3), np.float32),
        np.full((64, 64), np.nan, np.float32),
    ],
    ids=["black", "white", "grey_1080p", "tiny", "one_line", "empty", "not_grey", "nan"],
)
def test_pictures_without_structure_give_no_features(picture: np.ndarray) -> None:
    found = describe_luma(picture, mirror=True)
    assert len(found) == 0
    assert found.descriptors.shape == (0, DESCRIPTOR_BYTES)


def test_a_file_is_decoded_and_described(tmp_path: Path) -> None:
    rgb = np.uint8(textured(5, (960, 540)) * 255)
    Image.fromarray(rgb).save(tmp_path / "frame.png")
    found = describe_file(tmp_path / "frame.png")
    assert (found.width, found.height) == (WORK_LONG, 360)
    assert len(found) > 200


def test_a_file_that_is_no_picture_is_refused(tmp_path: Path) -> None:
    (tmp_path / "frame.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with pytest.raises(UndecodableImage):
        describe_file(tmp_path / "frame.png")


def test_the_blob_round_trips(described: Features) -> None:
    back = Features.from_bytes(described.to_bytes())
    assert (back.width, back.height) == (described.width, described.height)
    assert np.array_equal(back.points, described.points)
    assert np.array_equal(back.descriptors, described.descriptors)
    assert back.mirror is not None and described.mirror is not None
    assert np.array_equal(back.mirror.descriptors, described.mirror.descriptors)
    assert len(described.to_bytes()) < 45 * (len(described) + len(described.mirror)) + 40


def test_an_empty_blob_round_trips() -> None:
    back = Features.from_bytes(describe_luma(np.zeros((40, 40))).to_bytes())
    assert len(back) == 0


_HEADER = struct.Struct("<4sBBHHIB")


def _header(n: int, *, w: int = 640, h: int = 360, flags: int = 0, width_bytes: int = 32) -> bytes:
    return _HEADER.pack(b"PVLF", 1, width_bytes, w, h, n, flags)


@pytest.mark.parametrize(
    ("blob", "words"),
    [
        (b"", "truncated"),
        (b"PVLF", "truncated"),
        (_header(10**9), "claims"),
        (_header(4096 + 1), "claims"),
        (_header(3, w=0, h=0), "claims"),
        (_header(3, w=60_000), "claims"),
        (_header(3), "does not hold"),
        (_header(0, flags=2), "flags"),
        (_header(0, width_bytes=64), "descriptors"),
        (b"XXXX" + _header(0)[4:], "magic"),
        (_header(0)[:4] + b"\x09" + _header(0)[5:], "version"),
        (_header(1) + struct.pack("<2f", np.nan, 1) + bytes(32), "outside"),
        (_header(1) + struct.pack("<2f", 1e6, 1) + bytes(32), "outside"),
        (_header(0, flags=1), "truncated"),
        (_header(0, flags=1) + _header(0, flags=1), "mirror"),
        (_header(0) + b"trailing", "does not hold"),
    ],
)
def test_hostile_blobs_are_refused(blob: bytes, words: str) -> None:
    with pytest.raises(BadFeatures, match=words):
        Features.from_bytes(blob)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_blobs_are_refused_or_read(blob: bytes) -> None:
    try:
        found = Features.from_bytes(blob)
    except BadFeatures:
        return
    assert found.descriptors.shape == (len(found), DESCRIPTOR_BYTES)


@functools.cache
def _described() -> bytes:
    """A real blob to damage, described once: describing it was most of each example's time."""
    return describe_luma(luma(textured(2, (160, 90))), cap=20, mirror=True).to_bytes()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_blobs_are_refused_or_read(data: st.DataObject) -> None:
    blob = bytearray(_described())
    cut = data.draw(st.integers(0, len(blob)))
    for _ in range(data.draw(st.integers(0, 3))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    try:
        found = Features.from_bytes(bytes(blob[:cut] if data.draw(st.booleans()) else blob))
    except BadFeatures:
        return
    assert len(found) <= 4096
