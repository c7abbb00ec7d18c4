"""Moments of a video, decoded to small grey pictures for near-match fingerprints.

A re-encoded, resized or stripped copy of a generated clip shares no bytes
with it, but shows the same pictures at the same moments. This module picks
:data:`SAMPLES` moments spread evenly over a video's duration (the middle of
each eighth) and decodes the picture shown at each, as a grey
:data:`~provenance.likeness.frames.Luma` at the work size the image path uses,
so :func:`provenance.likeness.fingerprint.fingerprint_luma` treats a video frame
exactly like a still.

**Moments, not the encoder's keyframes.** Decoding only keyframes
(``skip_frame = "NONKEY"``) is cheaper, but where keyframes fall is the
encoder's choice: a re-encode puts them elsewhere (x264 by default every 250
frames, so a short clip has one; ProRes and MJPEG make every frame one).
Measured with ``bench/bench_video.py --clips 40`` (figures in
:mod:`provenance.likeness.index`): sampling keyframes, copies re-encoded with a
keyframe every 7 frames, to ProRes or to MJPEG matched only 22 to 24 of 40
originals (about half their samples alike, the others up to 62 bits away);
sampling moments, every copy matched on 8 of 8. So each moment is reached
by seeking to the keyframe before it and decoding forward to it; moments
less than :data:`STRAIGHT_THROUGH` seconds apart are reached by decoding on
instead of seeking back.

**Bounds.** A hostile or damaged file must never stop a scan: at most
:data:`MAX_PREROLL` frames are decoded to reach one moment (beyond that the
moment is given up) and :data:`MAX_DECODED` in all, for at most
:data:`TIME_LIMIT` seconds; frames over
:data:`~provenance.likeness.frames.MAX_PIXELS` are refused; a damaged packet
is skipped (up to :data:`MAX_BAD_PACKETS`). Whatever moments were decoded
before a limit or a failure are kept. A video whose duration is not known
has its first :data:`UNTIMED_FRAMES` frames sampled instead. The decoder
runs on one thread: the fingerprint stage already runs a process a core.

**Only the file's own bytes.** FFmpeg reads URLs and playlists as readily
as files. Here it reads only through a Python file object opened on the
local path; the demuxers allowed are the video containers in
:data:`DEMUXERS` (no playlists, no concat lists); and any attempt to open a
second resource (an HLS segment, a file a concat list names) is refused,
whichever way the demuxer asks: no protocol is allowed at all (the file
object needs none), and the container's ``io_open`` refuses.

**Upright.** A frame whose stream carries a display matrix (a phone held
sideways) is turned as players show it (:func:`quarter_turns`), so the clip
and a re-encode that turned its pixels look alike.

**Optional.** PyAV is the optional ``video`` extra; it is imported on first
use, and without it :func:`sample_frames` raises :class:`VideoUnavailable`
saying how to install it.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from provenance.errors import ProvenanceError, UndecodableVideo, UnreadableFile, UnsupportedVideo
from provenance.files.opening import open_regular
from provenance.likeness.frames import MAX_PIXELS, WORK_SIDE, Luma

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

EXTRA = "video"
NOT_INSTALLED = f"video keyframes need PyAV: pip install 'provenance[{EXTRA}]'"
SAMPLES = 8
STRAIGHT_THROUGH = 1.0
MAX_PREROLL = 300
MAX_DECODED = 2_400
MAX_BAD_PACKETS = 50
TIME_LIMIT = 30.0
OPEN_TIMEOUT = 10.0  # FFmpeg's own limit on opening and on each read
UNTIMED_FRAMES = 240
# Each name matches a demuxer whose own name lists it ("mov" is mov,mp4,m4a,3gp,3g2,mj2).
DEMUXERS = "mov,mxf,matroska,avi,mpegts,mpeg,asf,flv"


class VideoUnavailable(ProvenanceError):
    """PyAV, the optional ``video`` extra, is not installed."""


class _Refused(Exception):
    """FFmpeg asked to open a resource other than the file itself."""


class _OverBudget(Exception):
    """A decoding limit was reached; ``timed_out`` when it was the clock."""

    def __init__(self, why: str, *, timed_out: bool) -> None:
        super().__init__(why)
        self.timed_out = timed_out


@dataclass(frozen=True)
class Clip:
    """A sampled video: its frame size and codec, and the grey pictures of its moments."""

    width: int
    height: int
    codec: str
    lumas: tuple[Luma, ...]


def available() -> bool:
    """True when PyAV can be imported (found without importing it)."""
    return importlib.util.find_spec("av") is not None


def module() -> ModuleType:
    """PyAV, imported on first use; :class:`VideoUnavailable` without it."""
    try:
        # Lazy: PyAV is an optional extra.
        import av  # noqa: PLC0415
    except ImportError as exc:
        raise VideoUnavailable(NOT_INSTALLED) from exc
    return av


def sample_frames(path: Path, *, count: int = SAMPLES, work_side: int = WORK_SIDE) -> Clip:
    """Decode ``count`` evenly spread moments of the video at ``path`` (see the module docstring).

    Raises :class:`VideoUnavailable` without PyAV, :class:`UnsupportedVideo`
    for a file with no video to read, :class:`UndecodableVideo` for a damaged
    or hostile one, and :class:`UnreadableFile` when the file cannot be read
    or the clock ran out before any moment was decoded.
    """
    with _reading(path, work_side) as (container, reader):
        return _sample(container, reader, count)


def poster_frame(path: Path, *, side: int) -> NDArray[np.uint8]:
    """The picture shown in the middle of the video, in colour (height x width x RGB).

    Decoded under the same locks and limits as :func:`sample_frames` (one
    moment: at most :data:`MAX_PREROLL` frames to reach it, within the time
    and pixel limits), reduced by whole steps so its short side stays at
    least ``side``, and turned upright. Raises as :func:`sample_frames` does.
    """
    with _reading(path, side) as (container, reader):
        try:
            frame = reader.middle_frame(_span(container, reader.stream))
        except _OverBudget as exc:
            error = UnreadableFile if exc.timed_out else UndecodableVideo
            raise error(f"cannot decode video ({exc})", where=path) from exc
        if frame is None:
            raise UndecodableVideo("cannot decode video (no picture in the middle)", where=path)
        return reader.colour(frame)


@contextmanager
def _reading(path: Path, work_side: int) -> Iterator[tuple[InputContainer, _Reader]]:
    """The video opened from its own bytes, with a reader; FFmpeg's failures in our words."""
    av = module()
    with video_bytes(path) as raw:
        try:
            with open_container(av, raw) as container:
                yield container, _Reader(container, path, av.FFmpegError, work_side)
        except _Refused as exc:
            raise UndecodableVideo(f"video refused: {exc}", where=path) from exc
        except av.FFmpegError as exc:
            raise _undecodable(path, exc) from exc
        except (ValueError, OverflowError, MemoryError, IndexError) as exc:
            raise _undecodable(path, exc) from exc


def video_bytes(path: Path) -> BinaryIO:
    """The video's own bytes, opened as a regular file (never a FIFO swapped in), not empty.

    Raises :class:`UnreadableFile` when it cannot be opened, and
    :class:`UndecodableVideo` when it is empty.
    """
    try:
        raw = open_regular(path)
    except OSError as exc:
        raise UnreadableFile(f"cannot read video ({exc.strerror or exc})", where=path) from exc
    if not raw.read(1):
        raw.close()
        raise UndecodableVideo("cannot decode video (empty file)", where=path)
    raw.seek(0)
    return raw


def open_container(av: ModuleType, raw: BinaryIO) -> InputContainer:
    """Open a video from its own bytes only (see the module docstring: three locks)."""
    # Three locks, because demuxers open other resources in different ways:
    # only the listed demuxers run; concat opens its files through a protocol
    # of its own choosing (none is on the list "none"); HLS opens segments
    # through the container's io_open (refused by _refuse).
    options = {"format_whitelist": DEMUXERS, "protocol_whitelist": "none"}
    container: InputContainer = av.open(
        raw, "r", options=options, io_open=_refuse, timeout=OPEN_TIMEOUT
    )
    return container


def _refuse(url: str, flags: int, options: dict[str, str]) -> Any:
    raise _Refused(f"it names another resource to open ({url!r}); a video is read from itself only")


def _undecodable(path: Path, exc: Exception) -> UndecodableVideo:
    return UndecodableVideo(f"cannot decode video ({type(exc).__name__}: {exc})", where=path)


def _sample(container: InputContainer, reader: _Reader, count: int) -> Clip:
    span = _span(container, reader.stream)
    try:
        if span is None:
            reader.first_frames(count)
        else:
            reader.at_times(_targets(*span, count))
    except _OverBudget as exc:
        if not reader.lumas:
            error = UnreadableFile if exc.timed_out else UndecodableVideo
            raise error(f"cannot decode video ({exc})", where=reader.path) from exc
    except reader.failure:
        if not reader.lumas:
            raise
    if not reader.lumas:
        raise UndecodableVideo(
            "cannot decode video (no moment could be decoded)", where=reader.path
        )
    return reader.clip()


def _span(container: InputContainer, stream: VideoStream) -> tuple[float, float] | None:
    """The stream's start and duration in seconds, when the file says."""
    base = stream.time_base
    duration: float | None = None
    if stream.duration and base:
        duration = float(stream.duration * base)
    elif container.duration:
        duration = container.duration / 1_000_000  # microseconds: FFmpeg's AV_TIME_BASE
    if duration is None or not math.isfinite(duration) or duration <= 0:
        return None
    start = float(stream.start_time * base) if stream.start_time is not None and base else 0.0
    return start, duration


def _targets(start: float, duration: float, count: int) -> list[float]:
    """The middle of each of ``count`` equal parts of the duration, in seconds."""
    return [start + duration * (i + 0.5) / count for i in range(count)]


NO_CODEC = "cannot decode video (its stream names no codec)"


def video_stream(container: InputContainer, path: Path, at: int = 0) -> VideoStream:
    """The file's first video stream (not its cover art), or its ``at``-th one counting from 0;
    :class:`UnsupportedVideo` when it has none.

    A stream whose codec the container does not say (a damaged track header:
    FFmpeg lists it as ``video/<nocodec>``, with no codec context) has no
    frame to decode: :class:`UndecodableVideo`.
    """
    streams = picture_streams(container)
    if at >= len(streams):
        raise UnsupportedVideo("no video stream to fingerprint", where=path)
    if streams[at].codec_context is None:
        raise UndecodableVideo(NO_CODEC, where=path)
    return streams[at]


def picture_streams(container: InputContainer) -> list[VideoStream]:
    """The file's video streams, not its cover art (``AV_DISPOSITION_ATTACHED_PIC``)."""
    attached = 0x0400
    return [s for s in container.streams.video if not int(s.disposition) & attached]


@dataclass
class _Budget:
    """What is left of the decoding limits for one file."""

    deadline: float = field(default_factory=lambda: time.monotonic() + TIME_LIMIT)
    frames: int = field(default_factory=lambda: MAX_DECODED)
    bad_packets: int = field(default_factory=lambda: MAX_BAD_PACKETS)

    def spend_frame(self) -> None:
        self.frames -= 1
        if self.frames < 0:
            raise _OverBudget(f"gave up after {MAX_DECODED} frames", timed_out=False)
        if time.monotonic() > self.deadline:
            raise _OverBudget(f"gave up after {TIME_LIMIT:g} s", timed_out=True)


class _Reader:
    """Decodes one video stream forward, seeking when a moment is far ahead."""

    def __init__(
        self, container: InputContainer, path: Path, failure: type[Exception], work_side: int
    ) -> None:
        self.container, self.path, self.failure = container, path, failure
        self.work_side = work_side
        self.stream = video_stream(container, path)
        self.stream.codec_context.thread_count = 1
        check_size(path, self.stream.codec_context.width, self.stream.codec_context.height)
        self.budget = _Budget()
        self.frames: Iterator[VideoFrame] | None = None
        self.last = -math.inf  # time of the last frame taken
        self.size = (0, 0)
        self.lumas: list[Luma] = []

    def clip(self) -> Clip:
        """What was sampled."""
        codec = self.stream.codec_context.name
        return Clip(self.size[0], self.size[1], codec, tuple(self.lumas))

    def at_times(self, targets: Sequence[float]) -> None:
        """Take the frame shown at each target time (seconds, ascending)."""
        for target in targets:
            if target <= self.last:
                continue  # the frame already taken is still on screen
            if self.frames is None or target - self.last > STRAIGHT_THROUGH:
                self._seek(target)
            frame = self._reach(target)
            when = _time(frame)
            if frame is not None and when is not None and when > self.last:
                self.last = when
                self._take(frame)

    def first_frames(self, count: int) -> None:
        """Take ``count`` frames spread over the first :data:`UNTIMED_FRAMES` frames."""
        decoded: list[Luma] = []
        for frame in self._decode():
            decoded.append(self._luma(frame))
            if len(decoded) >= UNTIMED_FRAMES:
                break
        picks = sorted({int(len(decoded) * (i + 0.5) / count) for i in range(count)})
        self.lumas.extend(decoded[i] for i in picks if i < len(decoded))

    def middle_frame(self, span: tuple[float, float] | None) -> VideoFrame | None:
        """The frame shown halfway through ``span`` (start, duration); the first without one."""
        if span is None:
            return next(self._decode(), None)
        start, duration = span
        target = start + duration / 2
        self._seek(target)
        return self._reach(target)

    def colour(self, frame: VideoFrame) -> NDArray[np.uint8]:
        """``frame`` in RGB, reduced like :meth:`_luma`, turned upright."""
        k = max(1, min(frame.width, frame.height) // self.work_side)
        small = frame.reformat(
            width=max(1, frame.width // k), height=max(1, frame.height // k), format="rgb24",
            interpolation="AREA",
        )  # fmt: skip
        rgb = np.asarray(small.to_ndarray(), dtype=np.uint8)
        turns = quarter_turns(frame)
        return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb

    def _seek(self, target: float) -> None:
        base = self.stream.time_base
        if base is not None:
            try:
                self.container.seek(int(target / base), stream=self.stream)
            except self.failure:
                pass  # a stream that cannot seek is read on from where it is
            else:
                self.frames = self._decode()
                return
        if self.frames is None:
            self.frames = self._decode()

    def _reach(self, target: float) -> VideoFrame | None:
        """The first frame at or after ``target``; the last one when the stream ends first.

        None when :data:`MAX_PREROLL` frames did not get there: that moment is given up.
        """
        previous = None
        assert self.frames is not None
        for preroll, frame in enumerate(self.frames):
            when = _time(frame)
            if when is not None and when >= target - 1e-6:
                return frame
            if preroll >= MAX_PREROLL:
                previous = None
                break
            previous = frame
        self.frames = None
        return previous

    def _decode(self) -> Iterator[VideoFrame]:
        for packet in self.container.demux(self.stream):
            try:
                frames = packet.decode()
            except self.failure:
                self.budget.bad_packets -= 1
                if self.budget.bad_packets < 0:
                    raise
                continue
            for frame in frames:
                self.budget.spend_frame()
                check_size(self.path, frame.width, frame.height)
                yield frame

    def _take(self, frame: VideoFrame) -> None:
        self.lumas.append(self._luma(frame))

    def _luma(self, frame: VideoFrame) -> Luma:
        """Grey at the image path's work size, turned upright as players show it.

        Area-averaged so the short side stays >= the work size.
        """
        turns = quarter_turns(frame)
        self.size = (frame.height, frame.width) if turns % 2 else (frame.width, frame.height)
        k = max(1, min(frame.width, frame.height) // self.work_side)
        small = frame.reformat(
            width=max(1, frame.width // k), height=max(1, frame.height // k), format="gray",
            interpolation="AREA",
        )  # fmt: skip
        luma = np.asarray(small.to_ndarray(), dtype=np.float32) / np.float32(255)
        return np.ascontiguousarray(np.rot90(luma, turns)) if turns else luma


def quarter_turns(frame: VideoFrame) -> int:
    """Quarter turns counter-clockwise that show ``frame`` upright (its display matrix).

    Phones record sideways and say so in a display matrix instead of turning
    the pixels; players, and FFmpeg when it re-encodes, turn them. A copy
    re-encoded that way is upright with no matrix, so both are compared as
    shown. Angles that are not a multiple of 90 degrees are left alone.
    """
    degrees = float(getattr(frame, "rotation", 0) or 0)
    turns, rest = divmod(round(degrees), 90)
    return 0 if rest else turns % 4


def _time(frame: VideoFrame | None) -> float | None:
    if frame is None or frame.pts is None:
        return None
    return float(frame.time)


def check_size(path: Path, width: int, height: int) -> None:
    """Refuse frames over :data:`~provenance.likeness.frames.MAX_PIXELS` (a decode bomb)."""
    if width * height > MAX_PIXELS:
        raise UndecodableVideo(
            f"video refused: frames of {width}x{height} are over {MAX_PIXELS:,} pixels",
            where=path,
            fix="check the file; real frames are far smaller",
        )
