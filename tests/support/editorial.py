"""Editorial media made by test code: files that carry a timecode, a reel and a UMID.

Videos are written with PyAV (callers skip without it): an OP-Atom MXF with
DNxHR (an Avid's media: its material package UMID is what an AAF names it
by) and a QuickTime MOV with a ``tmcd`` track. Frames and audio are built
byte by byte: an EXR header with ``timeCode`` and ``reelName``, a DPX header
with the television timecode and the input device, a BWF with its ``bext``
time reference. An AAF that links MXF media is built with pyaaf2.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

RATE = 24


def video(path: Path, timecode: str, reel: str, frames: int = 24, seed: int = 0) -> Path:
    """An MXF OP-Atom (``.mxf``) or MOV (``.mov``) of ``frames`` frames starting at ``timecode``."""
    import av

    mxf = path.suffix == ".mxf"
    size, pix = ((256, 144), "yuv422p") if mxf else ((64, 48), "yuvj422p")
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mxf_opatom" if mxf else "mov") as out:
        out.metadata.update({"timecode": timecode, "reel_name": reel})
        options = {"profile": "dnxhr_lb"} if mxf else {}
        stream = out.add_stream("dnxhd" if mxf else "mjpeg", rate=RATE, options=options)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix
        stream.metadata.update({"timecode": timecode, "reel_name": reel})
        for n in range(frames):
            level = (seed * 37 + n * 8) % 256
            picture = np.full((size[1], size[0], 3), level, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode())
    return path


def bcd(timecode: str) -> int:
    """SMPTE 12M's packed BCD word for ``HH:MM:SS:FF`` (``;`` sets the drop-frame flag)."""
    hours, minutes, seconds, frames = (int(p) for p in timecode.replace(";", ":").split(":"))
    word = 0
    for shift, value in ((24, hours), (16, minutes), (8, seconds), (0, frames)):
        word |= ((value // 10) << (shift + 4)) | ((value % 10) << shift)
    return word | (0x40 if ";" in timecode else 0)


def exr_header(timecode: str | None, reel: str | None, rate: tuple[int, int] | None) -> bytes:
    """The start of an EXR file: magic, version and a header with these attributes."""
    attributes = [("dataWindow", "box2i", struct.pack("<4i", 0, 0, 7, 7))]
    if timecode is not None:
        attributes.append(("timeCode", "timecode", struct.pack("<II", bcd(timecode), 0)))
    if reel is not None:
        attributes.append(("reelName", "string", reel.encode()))
    if rate is not None:
        attributes.append(("framesPerSecond", "rational", struct.pack("<iI", *rate)))
    body = b"".join(
        name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(v)) + v
        for name, kind, v in attributes
    )
    return b"v/1\x01" + struct.pack("<I", 2) + body + b"\0"


def dpx_header(timecode: str | None, device: str, rate: float, big_endian: bool = True) -> bytes:
    """A DPX file's 2048-byte header with the television timecode and rate, and input device."""
    e = ">" if big_endian else "<"
    raw = bytearray(2048)
    raw[0:4] = b"SDPX" if big_endian else b"XPDS"
    struct.pack_into(e + "I", raw, 4, 2048)
    raw[1556 : 1556 + len(device)] = device.encode()
    struct.pack_into(e + "I", raw, 1920, 0xFFFFFFFF if timecode is None else bcd(timecode))
    struct.pack_into(e + "f", raw, 1940, rate)
    struct.pack_into(e + "f", raw, 1724, float("nan"))
    return bytes(raw)


def bwf(path: Path, samples_since_midnight: int, rate: int = 48000, seconds: float = 0.5) -> Path:
    """A BWF (WAV with a ``bext`` chunk) whose first sample is at the given time reference."""
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    bext = bytearray(602)
    struct.pack_into("<Q", bext, 338, samples_since_midnight)
    data = bytes(int(rate * seconds) * 2)
    chunks = b"".join(
        cid + struct.pack("<I", len(body)) + body
        for cid, body in ((b"fmt ", fmt), (b"bext", bytes(bext)), (b"data", data))
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    return path


def aaf_of_mxf(path: Path, clips: Sequence[tuple[Path, int, int]], unc: str | None = None) -> Path:
    """An AAF whose one video track uses (MXF, first frame, frames) clips, linked by MobID.

    pyaaf2 links each OP-Atom MXF as Avid does: a master mob and source mobs
    with the file's own package UMIDs. The composition names no path: the
    clips reach their media by MobID alone. ``unc`` adds a network locator
    to each file's source mob (an AAF's UNC path).
    """
    import aaf2

    with aaf2.open(str(path), "w") as f:
        composition = f.create.CompositionMob("cut")
        composition.usage = "Usage_TopLevel"
        f.content.mobs.append(composition)
        slot = composition.create_timeline_slot(RATE)
        sequence = f.create.Sequence(media_kind="picture")
        slot.segment = sequence
        for media, start, length in clips:
            master = _linked(f, media, unc)
            picture = next(s for s in master.slots if s.media_kind == "Picture")
            clip = master.create_source_clip(slot_id=picture.slot_id, start=start, length=length)
            sequence.components.append(clip)
    return path


def _linked(f: Any, media: Path, unc: str | None) -> Any:
    import aaf2

    mobs = f.content.link_external_mxf(str(media))
    if unc is not None:
        for mob in mobs:
            if isinstance(mob, aaf2.mobs.SourceMob) and mob.descriptor is not None:
                locator = f.create.NetworkLocator()
                locator["URLString"].value = unc
                mob.descriptor["Locator"].append(locator)
    return next(m for m in mobs if isinstance(m, aaf2.mobs.MasterMob))


def dpx_frames(
    folder: Path, name: str, reel: str, timecode: str, count: int, seed: int = 0
) -> list[Path]:
    """``count`` DPX frames ``NAME.1001.dpx``... of ``reel``, their timecodes from ``timecode``.

    Whole files (pixels and all, so ingest reads them as DPX frames), each
    with the television timecode of its own frame at 24 fps and the reel as
    the input device, as a film scanner writes them. ``seed`` changes the
    pictures, so two scans of one reel are different content.
    """
    from tests.support.frame_writers import write_dpx

    folder.mkdir(parents=True, exist_ok=True)
    hours, minutes, seconds, frames = (int(p) for p in timecode.split(":"))
    first = ((hours * 60 + minutes) * 60 + seconds) * RATE + frames
    made = []
    for n in range(count):
        at = first + n
        code = f"{at // 86400:02d}:{at // 1440 % 60:02d}:{at // RATE % 60:02d}:{at % RATE:02d}"
        rgb = np.full((8, 8, 3), ((seed * 31 + n * 7) % 97) / 97.0)
        path = write_dpx(folder / f"{name}.{1001 + n:04d}.dpx", rgb)
        raw = bytearray(path.read_bytes())
        raw[1556 : 1556 + 32] = reel.encode().ljust(32, b"\0")
        struct.pack_into(">I", raw, 1920, bcd(code))
        struct.pack_into(">f", raw, 1940, float(RATE))
        path.write_bytes(bytes(raw))
        made.append(path)
    return made
