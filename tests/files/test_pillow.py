"""Pillow's warnings: a decompression bomb is an error, a damaged picture's repairs stay quiet."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image

from provenance.classify import classify_file, file_facts
from provenance.files.pillow import pillow_reading
from provenance.settings import Settings
from tests.detectors.builders_metadata import png_chunk, tiff_bytes, tiff_entry


def _damaged_tiff(folder: Path) -> Path:
    """A TIFF whose ICC profile tag claims gigabytes: Pillow warns "Tag data larger than file"."""
    path = folder / "fuzzed.tif"
    icc = tiff_entry(0x8773, 7, 2_857_953_617, 64)
    path.write_bytes(tiff_bytes(tiff_entry(256, 3, 1, 8), icc))
    return path


def _png_header(width: int, height: int) -> bytes:
    """A PNG's signature, header and an empty IDAT: enough for Pillow to open, not to decode."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", b"")


def test_a_damaged_tiff_is_damage_in_the_verdict_not_python_warnings(tmp_path: Path) -> None:
    path = _damaged_tiff(tmp_path)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        facts = file_facts(path)
        _, result = classify_file(path, Settings(), facts)
    assert result.verdict == "unreadable"
    assert [str(w.message) for w in shown] == []


def test_pillow_still_warns_outside_so_the_test_above_can_fail(tmp_path: Path) -> None:
    path = _damaged_tiff(tmp_path)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with pytest.raises(OSError), Image.open(path):
            pass
    assert any("larger than file" in str(w.message) for w in shown)


def test_a_picture_over_the_pixel_limit_raises_within(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    side = int((Image.MAX_IMAGE_PIXELS or 0) ** 0.5) + 100  # over the limit, under twice it
    path.write_bytes(_png_header(side, side))
    with pillow_reading(), pytest.raises(Image.DecompressionBombWarning), Image.open(path):
        pass


def _strip_past_the_end(folder: Path) -> Path:
    """A deflated TIFF whose one strip claims ten times the bytes the file holds: libtiff
    (which decodes it) prints "TIFFFillStrip: Read error on strip 0" by default."""
    stream = io.BytesIO()
    noise = Image.frombytes("L", (256, 256), os.urandom(65536))
    noise.save(stream, "TIFF", compression="tiff_adobe_deflate")
    data = bytearray(stream.getvalue())
    ifd = struct.unpack_from("<I", data, 4)[0]
    for entry in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * entry
        if struct.unpack_from("<H", data, at)[0] == 279:  # StripByteCounts
            struct.pack_into("<I", data, at + 8, 10 * len(data))
    path = folder / "strip.tif"
    path.write_bytes(bytes(data))
    return path


def _decoded_in_a_process(path: Path, first: str) -> subprocess.CompletedProcess[str]:
    script = (f"{first}\nfrom PIL import Image\ntry:\n    Image.open({str(path)!r}).load()\n"
              "except OSError:\n    print('refused')\n")  # fmt: skip
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip


def test_libtiff_says_nothing_on_stderr_in_a_process_that_reads_pictures(tmp_path: Path) -> None:
    path = _strip_past_the_end(tmp_path)
    plain = _decoded_in_a_process(path, "pass")
    if "TIFF" not in plain.stderr:
        pytest.skip("this Pillow's libtiff does not print its errors")
    ours = _decoded_in_a_process(path, "import provenance.files.pillow")
    assert (ours.stdout, ours.stderr) == ("refused\n", "")
