"""The likeness workers' memory cap: a picture that needs more fails alone, with its reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import provenance.likeness.fingerprint as fingerprint_module
from provenance.likeness import frames
from provenance.likeness.describe import describe_files
from provenance.likeness.fingerprint import fingerprint_files
from provenance.likeness.frames import decode_luma
from provenance.util.workpool import processes_available

pytestmark = pytest.mark.skipif(not processes_available(), reason="no worker processes here")
CAP = 48 * 1024 * 1024  # bytes a worker may grow by, in these tests


def _rgba(path: Path, side: int) -> Path:
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    a = np.zeros((side, side, 4), dtype=np.uint8)
    a[..., 0], a[..., 1] = ramp[None, :], ramp[:, None]
    a[..., 2], a[..., 3] = 90, 255
    Image.fromarray(a, "RGBA").save(path, compress_level=1)
    return path


def _textured(path: Path) -> Path:
    blocks = np.random.default_rng(3).integers(0, 256, (45, 80, 3), dtype=np.uint8)
    Image.fromarray(blocks.repeat(8, axis=0).repeat(8, axis=1), "RGB").save(path)
    return path


def test_a_picture_over_the_cap_is_undecodable_and_the_next_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprint_module, "DECODE_MEMORY", CAP)
    big = _rgba(tmp_path / "big.png", 3000)  # 36 MB decoded, a 27 MB RGB copy, then more
    small = _textured(tmp_path / "small.png")
    results = {Path(r.path).name: r for r in fingerprint_files([big, small], workers=1)}
    assert results["big.png"].status == "error"  # a fingerprint's word for "cannot decode"
    assert "more memory than a decoding worker may use" in str(results["big.png"].reason)
    assert results["small.png"].status == "ok"
    described = {Path(d.path).name: d for d in describe_files([str(big), str(small)], workers=1)}
    assert described["big.png"].status == "error"  # may pass: tried again, as a fingerprint
    assert described["small.png"].status == "ok"


def test_without_the_cap_the_same_picture_decodes(tmp_path: Path) -> None:
    [result] = fingerprint_files([_rgba(tmp_path / "big.png", 3000)], workers=1)
    assert result.status == "ok"


def test_big_pictures_with_alpha_take_the_lean_path_to_the_same_grey(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over BIG_PICTURE pixels, RGBA goes straight to grey (no full RGB copy);
    # the grey differs from the RGB path's by rounding only.
    path = _rgba(tmp_path / "huge.png", 1200)
    monkeypatch.setattr(frames, "BIG_PICTURE", 1000 * 1000)
    lean = decode_luma(path).luma
    monkeypatch.setattr(frames, "BIG_PICTURE", 2000 * 2000)
    usual = decode_luma(path).luma
    assert lean.shape == usual.shape
    assert 0 < np.abs(lean - usual).max() <= 1.5 / 255


ORDER = """
import multiprocessing
import sys


def nothing() -> None:
    pass


if __name__ == "__main__":  # workers prepare this module: nothing here imports OpenCV
    # Another pool (the guarded detectors) starts the fork server first, without OpenCV.
    first = multiprocessing.get_context("forkserver").Process(target=nothing)
    first.start()
    first.join()
    import provenance.likeness.fingerprint as fingerprint_module
    from provenance.likeness.describe import describe_files

    fingerprint_module.DECODE_MEMORY = 48 * 1024 * 1024
    [done] = describe_files([sys.argv[1]], workers=1)
    print(done.status)
"""


def test_the_cap_counts_opencv_whoever_started_the_fork_server(tmp_path: Path) -> None:
    script = tmp_path / "order.py"
    script.write_text(ORDER)
    picture = _textured(tmp_path / "small.png")
    run = subprocess.run(
        [sys.executable, str(script), str(picture)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip() == "ok", run.stderr[-2000:]
