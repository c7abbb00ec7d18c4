"""A video swept along its whole length: one small grey picture every half second.

Near matching of a whole clip (:mod:`provenance.likeness.video`) samples
eight moments, enough to recognise a copy of one clip. A *master* is
different: a generated still held for two seconds, or a generated shot cut
between two others, is a small part of a long programme, and may be
anywhere in it. So a master is swept: the picture shown every :data:`STEP`
seconds (at the middle of each step) is decoded to grey at the working size
of the local features (:data:`~provenance.likeness.features.WORK_LONG`), and
each sample is checked against the generated assets
(:mod:`provenance.likeness.master`). Any shot of one second or longer holds
at least two samples.

**Decode no more than needed.** An intra-frame codec (ProRes, DNxHR,
JPEG 2000, MJPEG: FFmpeg's ``intra_only``) makes every frame a picture of its
own, so only the packets shown at the sampled moments are decoded; the
others are read and dropped. A long-GOP codec (H.264, H.265) needs the
frames a sample is predicted from, so every packet is decoded, but frames
no other frame refers to are skipped (``skip_frame = "NONREF"``) and a
sample takes the first decoded frame still on screen at its moment (at
most a few frames late).

**Time.** Sample times are the frames' own presentation times (a variable
frame rate is followed as it is), from the stream's start. The first
timecode of the file (a QuickTime ``tmcd`` track or an MXF's start
timecode, as FFmpeg reports it in ``timecode`` metadata) is kept, with the
frame rate, for :mod:`provenance.likeness.timecode`.

**Bounds.** Everything :mod:`~provenance.likeness.video` bounds is bounded
here too (only the file's own bytes, the demuxers allowed, frame size,
damaged packets), and the sweep has a clock: :data:`BASE_SECONDS` plus
:data:`SECONDS_PER_SECOND` for each second of the programme swept, so a
10-hour file may take long, but a file that decodes slower than that (a
decode bomb just under the size limit) stops. A sweep also stops after
:data:`MAX_SWEPT` seconds of programme. Whatever was swept before a limit
or damage is kept, and :attr:`Sweep.incomplete` says why the rest was not:
the audit does not pass a video it could not fully see, nor one whose
packets end short of the length its file states (:mod:`.reach`: cut
short between two packets, it decodes without an error).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import NDArray

from provenance.errors import UndecodableVideo
from provenance.likeness.features import WORK_LONG
from provenance.likeness.frames import WORK_SIDE, Luma
from provenance.likeness.opencv import cv2
from provenance.likeness.reach import Reach
from provenance.likeness.video import (
    MAX_BAD_PACKETS,
    MAX_PREROLL,
    SAMPLES,
    check_size,
    module,
    open_container,
    picture_streams,
    quarter_turns,
    video_bytes,
    video_stream,
)

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.packet import Packet
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

STEP = 0.5
BASE_SECONDS = 60.0
SECONDS_PER_SECOND = 4.0
MAX_SWEPT = 4 * 3600.0
DEFAULT_RATE = 24.0  # a stream that states no frame rate


@dataclass(frozen=True)
class Sample:
    """The picture shown at ``time`` seconds from the stream's start, grey, at the working size."""

    time: float
    grey: NDArray[np.uint8]

    def luma(self) -> Luma:
        """The sample as the fingerprints' grey picture (short side near ``WORK_SIDE``)."""
        h, w = self.grey.shape
        k = max(1, min(h, w) // WORK_SIDE)
        small = cv2.resize(
            self.grey, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA
        )
        return small.astype(np.float32) / np.float32(255)


@dataclass
class Sweep:
    """One video being swept: what it says of its time, and why the sweep stopped early, if it did.

    ``rate`` is the frame rate (frames a second) and ``timecode`` the file's
    first timecode (None when it has none); ``duration`` is what the file
    claims, in seconds, when it says; ``swept`` is how far the samples got.
    """

    path: Path
    rate: float
    timecode: str | None
    duration: float | None
    step: float
    swept: float = 0.0
    decoded: int = 0
    samples: int = 0
    incomplete: str | None = None
    may_pass: bool = False  # it stopped on its clock (perhaps a busy host), not on the file


@contextmanager
def sweep(
    path: Path, step: float = STEP, max_samples: int | None = None, *, stream: int = 0,
    alone: bool = True,
) -> Iterator[Samples]:  # fmt: skip
    """Open ``path`` for a sweep: yields :class:`Samples`, iterated for the samples in time order.

    ``max_samples`` widens the step so a long clip gives at most that many
    (used to index generated clips); otherwise the step is narrowed a little
    (:func:`aligned_step`) so that the near-match sampler's eight moments are
    among the samples. ``stream`` is which of the file's picture streams
    (cover art aside) is swept, the first by default; ``alone`` says no other
    sweep looks at the others, so a file that has more is not fully seen
    (:attr:`Sweep.incomplete`). Raises what
    :func:`~provenance.likeness.video.sample_frames` raises when the file
    cannot be opened as a video; damage found later ends the iteration and
    is said in :attr:`Sweep.incomplete`.
    """
    av = module()
    with video_bytes(path) as raw:
        try:
            container = open_container(av, raw)
        except Exception as exc:
            raise UndecodableVideo(f"cannot decode video ({exc})", where=path) from exc
        with container:
            yield Samples(container, path, step, max_samples, av.FFmpegError, stream, alone)


class Samples:
    """The samples of one sweep (iterate once); :attr:`sweep` tells how it went."""

    def __init__(
        self, container: InputContainer, path: Path, step: float, max_samples: int | None,
        failure: type[Exception], stream: int = 0, alone: bool = True,
    ) -> None:  # fmt: skip
        self.container, self.failure = container, failure
        self.pictures = len(picture_streams(container))  # the file's picture streams
        self.alone = alone
        self.stream = video_stream(container, path, stream)
        context = self.stream.codec_context
        check_size(path, context.width, context.height)
        duration = _duration(container, self.stream)
        if max_samples and duration:
            step = max(step, duration / max_samples)
        elif duration:
            step = aligned_step(duration, step)
        rate = float(self.stream.average_rate or self.stream.guessed_rate or DEFAULT_RATE)
        self.sweep = Sweep(path, rate, _timecode(container, self.stream), duration, step)
        self.intra = bool(context.codec.intra_only)
        # Slices, not frames, for an intra codec: frame threads hold each frame back a
        # packet, and the packets to decode are chosen by the last frame returned.
        context.thread_type = "SLICE" if self.intra else "AUTO"
        if not self.intra:
            context.skip_frame = "NONREF"
        self.start = _start(self.stream)
        self._reach = Reach(self.start, self.stream.index)
        self._own_length = bool(self.stream.duration and self.stream.time_base)
        self._next = step / 2
        self._bad = MAX_BAD_PACKETS
        self._first_bad = 0.0
        self._started = time.monotonic()

    def picture_at(self, seconds: float) -> NDArray[np.uint8]:
        """See :func:`picture_at`; use instead of iterating."""
        base = self.stream.time_base
        if base:
            self.container.seek(int((seconds + self.start) / base), stream=self.stream)
        self.stream.codec_context.skip_frame = "DEFAULT"
        last: VideoFrame | None = None
        for count, frame in enumerate(f for p in self.container.demux(self.stream)
                                      for f in self._decode(p)):  # fmt: skip
            last = frame
            if self._when(frame) >= seconds - 1e-3 or count >= MAX_PREROLL:
                break
        if last is None:
            raise UndecodableVideo(f"no picture at {seconds:.2f} s", where=self.sweep.path)
        return grey_picture(last)

    def __iter__(self) -> Iterator[Sample]:
        try:
            for frame, until in self._intra() if self.intra else self._predicted():
                yield from self._samples(frame, until)
                if self.sweep.incomplete:
                    return
        except self.failure as exc:
            self._stop(f"cannot decode past {self.sweep.swept:.1f} s ({exc})")
        except UndecodableVideo as exc:
            self._stop(exc.message)
        finally:
            self._damaged()
        self._ended_early()  # only once the stream ended, not when the caller stopped early
        self._other_pictures()

    def _damaged(self) -> None:
        """Packets that did not decode were pictures not seen: the sweep is not complete."""
        bad = MAX_BAD_PACKETS - self._bad
        if bad > 0 and not self.sweep.incomplete:
            self._stop(f"{bad} damaged packets could not be decoded, the first near"
                       f" {self._first_bad:.1f} s")  # fmt: skip

    def _ended_early(self) -> None:
        """A stream whose packets stop short of the length its file states was cut short."""
        if self.sweep.incomplete:
            return
        if not self.sweep.decoded:
            self._stop("its video holds no frame that could be decoded")
            return
        slack = max(self.sweep.step, 2.0 / self.sweep.rate)
        short = self._reach.short_of(self.sweep.duration, self._own_length, slack)
        if short:
            self._stop(short)

    def _other_pictures(self) -> None:
        """A second video stream (a textless version, another eye) is pictures not swept, unless
        another sweep looks at it (``alone`` false)."""
        if self.alone and self.pictures > 1 and not self.sweep.incomplete:
            self._stop(f"it holds {self.pictures} video streams, and only the first was swept")

    def _demux(self) -> Iterator[Packet[VideoStream]]:
        """The video stream's packets; where every stream's end is noted (:mod:`.reach`)."""
        for packet in self.container.demux():
            if self._reach.note(packet):
                yield cast("Packet[VideoStream]", packet)

    def _intra(self) -> Iterator[tuple[VideoFrame, float]]:
        """Each needed frame of an intra-only stream, with when the next one replaces it.

        A packet is decoded only once the next packet shows it is on screen
        at the next sampled moment (it starts at or before it, the next one
        after it); the others are read and dropped, never decoded.
        """
        pending: tuple[Packet[VideoStream], float] | None = None
        for packet in self._demux():
            shown = self._packet_time(packet)
            if shown is None:  # the flush packet, or one that cannot be placed
                if pending is not None:
                    yield from self._held(self._decode(pending[0]))
                    pending = None
                yield from self._held(self._decode(packet))
                continue
            if pending is not None and shown > self._next:
                for frame in self._decode(pending[0]):
                    yield frame, shown
            pending = (packet, shown)

    def _predicted(self) -> Iterator[tuple[VideoFrame, float]]:
        """Each decoded frame of a long-GOP stream, with when the next decoded one replaces it."""
        held: VideoFrame | None = None
        for frame in (f for p in self._demux() for f in self._decode(p)):
            if held is not None and self._when(frame) > self._when(held):
                yield held, self._when(frame)
            if held is None or self._when(frame) > self._when(held):
                held = frame
        if held is not None:
            yield from self._held([held])

    def _held(self, frames: Iterable[VideoFrame]) -> Iterator[tuple[VideoFrame, float]]:
        """The last frames: on screen until the end of the packets read, or for a frame's time.

        Not to the length the file states: frames it states but does not hold
        were never seen (:meth:`_ended_early`). A video shorter than the first
        sampled moment still gives that one sample.
        """
        for frame in frames:
            when = self._when(frame)
            until = max(self._reach.video or 0.0, when + 1.0 / self.sweep.rate)
            yield frame, until if self.sweep.samples else max(until, self._next + 1e-6)

    def _packet_time(self, packet: Packet[VideoStream]) -> float | None:
        if packet.pts is None or packet.time_base is None:
            return None
        return float(packet.pts * packet.time_base) - self.start

    def _decode(self, packet: Packet[VideoStream]) -> Iterator[VideoFrame]:
        try:
            frames = packet.decode()
        except self.failure:
            if self._bad == MAX_BAD_PACKETS:
                self._first_bad = self._packet_time(packet) or self.sweep.swept
            self._bad -= 1
            if self._bad < 0:
                raise
            return
        for frame in frames:
            check_size(self.sweep.path, frame.width, frame.height)
            self.sweep.decoded += 1
            self._check_clock(self._when(frame))
            yield frame

    def _samples(self, frame: VideoFrame, until: float) -> Iterator[Sample]:
        """A sample for each moment ``frame`` is on screen at (from its time to ``until``)."""
        step = self.sweep.step
        when = self._when(frame)
        if when > self._next:  # nothing was on screen at the moments before it
            self._next = (math.ceil((when - step / 2) / step) + 0.5) * step
        grey: NDArray[np.uint8] | None = None
        while self._next < until and not self.sweep.incomplete:
            if self._next > MAX_SWEPT:
                self._stop(f"swept the first {MAX_SWEPT / 3600:g} hours only (the limit)")
                return
            grey = grey_picture(frame) if grey is None else grey
            self.sweep.samples += 1
            self.sweep.swept = self._next
            yield Sample(round(self._next, 3), grey)
            self._next += step
            self._check_clock(self._next)

    def _check_clock(self, reached: float) -> None:
        spent = time.monotonic() - self._started
        if spent > BASE_SECONDS + SECONDS_PER_SECOND * max(reached, 0.0):
            self.sweep.may_pass = self.sweep.incomplete is None
            self._stop(f"decoding was too slow: stopped after {spent:.0f} s")
            raise _Stopped

    def _when(self, frame: VideoFrame) -> float:
        if frame.pts is None or frame.time is None:
            return self.sweep.decoded / self.sweep.rate
        return float(frame.time) - self.start

    def _stop(self, why: str) -> None:
        self.sweep.incomplete = self.sweep.incomplete or why


class _Stopped(UndecodableVideo):
    """The sweep's clock ran out (already said in :attr:`Sweep.incomplete`)."""

    def __init__(self) -> None:
        super().__init__("the sweep stopped")


def aligned_step(duration: float, step: float, moments: int = SAMPLES) -> float:
    """The largest step up to ``step`` whose samples include the ``moments`` of a video.

    The near-match sampler (:mod:`provenance.likeness.video`) takes the
    middle of each of ``moments`` equal parts; samples fall at the middle of
    each step. With ``m`` steps to a part, ``m`` odd, the middle of the part
    is the middle of its middle step, so the sweep's samples include the
    very moments a clip's stored fingerprints were taken at.
    """
    per_part = math.ceil(duration / (moments * step))
    per_part += 1 - per_part % 2
    return duration / (moments * per_part)


def grey_picture(frame: VideoFrame) -> NDArray[np.uint8]:
    """``frame`` in 8-bit grey with its long side :data:`WORK_LONG`, upright as players show it."""
    turns = quarter_turns(frame)
    scale = WORK_LONG / max(frame.width, frame.height)
    width = max(1, round(frame.width * min(1.0, scale)))
    height = max(1, round(frame.height * min(1.0, scale)))
    small = frame.reformat(width=width, height=height, format="gray", interpolation="AREA")
    grey = np.asarray(small.to_ndarray(), dtype=np.uint8)
    return np.ascontiguousarray(np.rot90(grey, turns)) if turns else grey


def _duration(container: InputContainer, stream: VideoStream) -> float | None:
    duration: float | None = None
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / 1_000_000  # microseconds: FFmpeg's AV_TIME_BASE
    return duration if duration is not None and math.isfinite(duration) and duration > 0 else None


def _start(stream: VideoStream) -> float:
    if stream.start_time is None or not stream.time_base:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _timecode(container: InputContainer, stream: VideoStream) -> str | None:
    """The first timecode FFmpeg found: on the video stream, a ``tmcd`` data stream, or the file."""
    places = [stream.metadata, *(s.metadata for s in container.streams.data), container.metadata]
    for metadata in places:
        found = metadata.get("timecode")
        if found:
            return str(found)
    return None


def picture_at(path: Path, seconds: float) -> NDArray[np.uint8]:
    """The grey working picture shown ``seconds`` after the stream's start (a report's still).

    Seeks to the keyframe before it and decodes forward (at most
    :data:`~provenance.likeness.video.MAX_PREROLL` frames); the last frame
    decoded when the stream ends first.
    """
    with sweep(path) as samples:
        return samples.picture_at(seconds)
