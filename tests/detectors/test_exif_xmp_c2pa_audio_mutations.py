"""Damaged files: truncations, flipped bytes and absurd lengths never escape classify_file.

Seed files rich in metadata (a signed C2PA JPEG with EXIF and XMP, a PNG with
``caBX`` and XMP, a WAV with ``bext``/iXML/INFO/ID3 and C2PA, an MP3, an MP4
skeleton and a TIFF with XMP) are mutated by hypothesis and classified with
this family's detectors. Each must finish quickly, and a detector that fails
must fail on the data (``FormatProblem``, a C2PA error, a budget), not with a
programming error such as ``AttributeError``.
"""

from __future__ import annotations

import functools
import io
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from provenance.classify import classify_file
from provenance.detectors.audio import DETECTOR as AUDIO
from provenance.detectors.base import Detector
from provenance.detectors.c2pa import DETECTOR as C2PA
from provenance.detectors.exif import DETECTOR as EXIF
from provenance.detectors.sidecars import DETECTOR as JSON_SIDECAR
from provenance.detectors.xmp import DETECTOR as XMP
from provenance.settings import Settings
from tests.detectors.builders_metadata import (
    IPTC,
    bext,
    box,
    dst,
    id3_frame,
    id3_tag,
    id3_text,
    itxt,
    jpeg_bytes,
    jpeg_with_xmp,
    make_signer,
    manifest_with_actions,
    mp3_bytes,
    mp4_bytes,
    png_bytes,
    riff_chunk,
    riff_list,
    sign_asset,
    wav_bytes,
    xmp_packet,
)

DETECTORS: tuple[Detector, ...] = (AUDIO, C2PA, EXIF, JSON_SIDECAR, XMP)
SETTINGS = Settings(db="sqlite://")
BUG_TYPES = (
    "AttributeError",
    "TypeError",
    "KeyError",
    "NameError",
    "UnboundLocalError",
    "RecursionError",
)
SECONDS = 3.0


@functools.cache
def _seeds() -> dict[str, bytes]:
    """The seed files, named as in ``NAMES``; made (and C2PA-signed) once, when first needed."""
    signer = make_signer()
    packet = xmp_packet(dst("trainedAlgorithmicMedia"), attributes='xmp:CreatorTool="GIMP 2.10"')
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS R5"
    created = manifest_with_actions(
        {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}
    )
    signed_jpeg, _ = sign_asset(
        signer,
        jpeg_with_xmp(packet)[:2] + jpeg_bytes(exif=exif.tobytes())[2:],
        "image/jpeg",
        created,
    )
    signed_png, _ = sign_asset(
        signer, png_bytes(((b"iTXt", itxt("XML:com.adobe.xmp", packet)),)), "image/png", created
    )
    wav = wav_bytes(
        riff_chunk(b"bext", bext("desc", "Sound Devices 833", "A=PCM,T=833")),
        riff_chunk(b"iXML", b"<BWFXML><SCENE>1</SCENE></BWFXML>"),
        riff_list(b"INFO", riff_chunk(b"ISFT", b"Lavf\x00")),
        riff_chunk(b"id3 ", id3_tag(id3_frame("TSSE", id3_text("LAME")))),
    )
    signed_wav, _ = sign_asset(signer, wav, "audio/wav", created)
    tiff = io.BytesIO()
    Image.new("RGB", (4, 4)).save(tiff, "TIFF", tiffinfo={700: packet.encode()}, exif=exif)
    return {
        "a.jpg": signed_jpeg,
        "a.png": signed_png,
        "a.wav": signed_wav,
        "a.mp3": mp3_bytes(
            id3_tag(id3_frame("TSSE", id3_text("ElevenLabs")), id3_frame("TENC", id3_text("x")))
        ),
        "a.mp4": mp4_bytes(
            box(b"uuid", packet.encode(), bytes.fromhex("be7acfcb97a942e89c71999491e3afac"))
        ),
        "a.tif": tiff.getvalue(),
    }


NAMES = ("a.jpg", "a.mp3", "a.mp4", "a.png", "a.tif", "a.wav")

ABSURD = st.sampled_from(
    [b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x00", b"\x00\x00\x00\x01"]
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    data = bytearray(_seeds()[name])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "absurd"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            del data[position:]
        elif kind == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif kind == "absurd":
            data[position : position + 4] = draw(ABSURD)
    return name, bytes(data)


def _check(path: Path) -> None:
    started = time.process_time()  # CPU: the work done, not the wait for a core
    _, result = classify_file(path, SETTINGS, detectors=DETECTORS)
    assert time.process_time() - started < SECONDS
    bugs = [
        e.detail for e in result.evidence if e.signal == "error" and e.detail.startswith(BUG_TYPES)
    ]
    assert not bugs, bugs


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutated())
def test_mutated_files_are_contained(tmp_path: Path, sample: tuple[str, bytes]) -> None:
    name, data = sample
    path = tmp_path / name
    path.write_bytes(data)
    _check(path)


@pytest.mark.parametrize("name", NAMES)
def test_every_prefix_length_class_is_contained(tmp_path: Path, name: str) -> None:
    data = _seeds()[name]
    for cut in sorted({0, 1, 4, 8, 12, 16, 64, 256, len(data) // 2, len(data) - 1}):
        path = tmp_path / f"{cut}-{name}"
        path.write_bytes(data[: max(0, cut)])
        _check(path)
