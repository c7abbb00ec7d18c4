"""Media identity: where a file sits on the editor's clock, and what names it.

An editor's timeline names its media by more than a path: a reel (tape)
name and a source timecode (an EDL has nothing else), or an AAF's MobID. So
that a cut whose media went offline can find it again through the ledger,
ingest records for each video, audio and frame file what the file itself
says, read without decoding a picture:

* video (MOV, MP4, MXF), through PyAV's metadata: the ``timecode`` of the
  stream or container (QuickTime's ``tmcd`` track, MXF's timecode
  component), ``reel_name`` / ``tape_name``, and an MXF's
  ``material_package_umid`` (the MobID an AAF's master mob carries);
* BWF audio: the ``bext`` chunk's time reference (samples since midnight);
* EXR frames: the ``timeCode`` attribute (SMPTE 12M, BCD) and ``reelName``;
* DPX frames: the television header's timecode and frame rate (else the
  film header's), and the input device name as the reel.

``tc_start`` and ``tc_length`` are seconds on the timecode clock: frames
counted at the nominal rate (23.976 counts as 24), as a cut's source
timecode counts them. What cannot be read is simply not known (None): the
identity is a way to find media, never evidence about it.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from provenance.errors import ProvenanceError
from provenance.files.formats import FormatProblem, c_text
from provenance.files.formats.exr_header import read_exr_attributes
from provenance.files.formats.riff import read_riff
from provenance.files.opening import open_regular
from provenance.likeness.timecode import BadTimecode, Clock, is_timecode
from provenance.store.records import REEL_CHARS

_HEX = re.compile(r"^[0-9a-f]{64}$")
BEXT_TIME_REFERENCE = 338  # description 256, originator 32, reference 32, date 10, time 8
DPX_INPUT_DEVICE, DPX_FILM_RATE, DPX_TV_TIMECODE, DPX_TV_RATE = 1556, 1724, 1920, 1940
UNDEFINED = 0xFFFFFFFF  # DPX's "not set" for a 32-bit field


@dataclass(frozen=True)
class MediaIdentity:
    """What a file says of its place on the clock and its names (see the module docstring)."""

    timecode: str | None = None
    tc_rate: float | None = None
    tc_start: float | None = None
    tc_length: float | None = None
    reel: str | None = None
    umid: str | None = None

    def fields(self) -> dict[str, object]:
        """The ledger's fields of it (``AssetFacts``' names)."""
        return dict(self.__dict__)


def umid_hex(text: object) -> str | None:
    """A UMID as 64 lower-case hex digits, from ``urn:smpte:umid:...`` or ``0x...``; else None."""
    if not isinstance(text, str):
        return None
    plain = text.strip().lower().removeprefix("urn:smpte:umid:").removeprefix("0x")
    plain = plain.replace(".", "").replace("-", "")
    return plain if _HEX.match(plain) else None


def read_identity(path: Path, fmt: str | None, duration: float | None) -> MediaIdentity | None:
    """The identity of the file at ``path`` of format ``fmt``; None where nothing is known."""
    reader = _READERS.get(fmt or "")
    if reader is None:
        return None
    try:
        found = reader(path, duration)
    except (FormatProblem, OSError, ValueError, struct.error, ProvenanceError):
        return None  # a file whose identity cannot be read is found by name alone
    return found if found is not None and any(found.fields().values()) else None


def on_clock(timecode: str | None, rate: float | None, frames: float | None) -> MediaIdentity:
    """An identity from a first frame's timecode, its rate and a length in frames."""
    if not timecode or not rate or not math.isfinite(rate) or rate <= 0:
        # Without a rate the text is kept as the file gives it, if it is a timecode at all:
        # a container's tag is any text, and the ledger's column holds a timecode only.
        kept = timecode.strip() if timecode and is_timecode(timecode) else None
        return MediaIdentity(timecode=kept, tc_rate=rate or None)
    try:
        clock = Clock.of(timecode, rate)
    except BadTimecode:
        return MediaIdentity()
    length = None if frames is None else frames / clock.nominal
    return MediaIdentity(timecode.strip(), float(rate), clock.first / clock.nominal, length)


def _video(path: Path, duration: float | None) -> MediaIdentity | None:
    from provenance.likeness import video  # noqa: PLC0415 - PyAV loads only for videos

    if not video.available():
        return None
    av = video.module()
    with video.video_bytes(path) as raw:
        try:
            with video.open_container(av, raw) as container:
                return _from_container(container)
        except av.FFmpegError:
            return None


def _from_container(container: Any) -> MediaIdentity:
    tags: dict[str, str] = dict(container.metadata)
    for stream in container.streams:
        tags = {**dict(stream.metadata), **tags}  # the container's own word first
    pictures = container.streams.video
    rate = float(pictures[0].average_rate) if pictures and pictures[0].average_rate else None
    seconds = container.duration / 1_000_000 if container.duration else None
    frames = round(seconds * rate) if seconds and rate else None
    clock = on_clock(tags.get("timecode"), rate, frames)
    reel = _reel(tags.get("reel_name") or tags.get("tape_name") or "")
    umid = umid_hex(tags.get("material_package_umid"))
    return replace(clock, reel=reel, umid=umid)


def _bwf(path: Path, duration: float | None) -> MediaIdentity | None:
    info = read_riff(path)
    bext, fmt = info.first("bext"), info.first("fmt ")
    if bext is None or fmt is None or len(bext) < BEXT_TIME_REFERENCE + 8 or len(fmt) < 8:
        return None
    (samples,) = struct.unpack_from("<Q", bext, BEXT_TIME_REFERENCE)
    (rate,) = struct.unpack_from("<I", fmt, 4)
    if not rate:
        return None
    return MediaIdentity(tc_rate=float(rate), tc_start=samples / rate, tc_length=duration)


def smpte_bcd(value: int, drop_bit: bool = True) -> str:
    """SMPTE 12M timecode from its packed BCD word (EXR ``timeCode``, DPX television header)."""

    def digits(shift: int, tens_bits: int) -> int:
        return ((value >> (shift + 4)) & ((1 << tens_bits) - 1)) * 10 + ((value >> shift) & 0xF)

    hours, minutes, seconds, frames = digits(24, 2), digits(16, 3), digits(8, 3), digits(0, 2)
    mark = ";" if drop_bit and value & 0x40 else ":"
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{mark}{frames:02d}"


def _exr(path: Path, duration: float | None) -> MediaIdentity | None:
    with open_regular(path) as stream:
        attributes = read_exr_attributes(stream)
    code = attributes.get("timeCode", ("", b""))[1]
    fps = attributes.get("framesPerSecond", ("", b""))[1]
    rate = None
    if len(fps) == 8:
        numerator, denominator = struct.unpack("<iI", fps)
        rate = numerator / denominator if denominator and numerator > 0 else None
    timecode = smpte_bcd(struct.unpack_from("<I", code)[0]) if len(code) >= 4 else None
    reel = _text(attributes.get("reelName", ("", b""))[1])
    return _frame(timecode, rate, reel)


def _dpx(path: Path, duration: float | None) -> MediaIdentity | None:
    with open_regular(path) as stream:
        raw = stream.read(2048)  # the header (formats.dpx, not imported: it loads numpy)
    if len(raw) < 2048:
        return None
    e = ">" if raw[:4] == b"SDPX" else "<"
    (code,) = struct.unpack_from(e + "I", raw, DPX_TV_TIMECODE)
    rates = [struct.unpack_from(e + "f", raw, at)[0] for at in (DPX_TV_RATE, DPX_FILM_RATE)]
    rate = next((r for r in rates if math.isfinite(r) and 0 < r <= 1000), None)
    timecode = None if code == UNDEFINED else smpte_bcd(code)
    return _frame(timecode, rate, _text(raw[DPX_INPUT_DEVICE : DPX_INPUT_DEVICE + 32]))


def _frame(timecode: str | None, rate: float | None, reel: str | None) -> MediaIdentity:
    clock = on_clock(timecode, rate, 1)  # one frame
    return replace(clock, reel=reel)


def _text(raw: bytes) -> str | None:
    return _reel(c_text(raw))


def _reel(name: str) -> str | None:
    """A reel name as the ledger keeps it: trimmed, and cut to :data:`REEL_CHARS`.

    Whatever the file claims: a container's ``reel_name`` tag has no bound,
    and a longer name than the ledger's column holds refused the whole batch
    of files recorded with it on PostgreSQL.
    """
    return name.strip()[:REEL_CHARS] or None


_READERS: dict[str, Callable[[Path, float | None], MediaIdentity | None]] = {
    "mov": _video,
    "mp4": _video,
    "mxf": _video,
    "wav": _bwf,
    "exr": _exr,
    "dpx": _dpx,
}
