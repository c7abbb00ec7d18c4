"""Masters made to order: clean camera shots with generated material cut in at known times.

A master is a list of :class:`Shot` s, each a number of seconds of frames
drawn by a function of the frame's index within the shot. Clean shots pan
across a textured plate (:func:`tests.support.reframing.textured`) so that
every half second looks different; generated material is a still held
(whole, or composited into a moving plate) or a generated clip's own frames.
Written with PyAV (callers skip without it) as ProRes 422 in MOV or H.264 in
MP4, with a start timecode when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from tests.support.reframing import RGB, composited, textured

SIZE = (640, 360)
FPS = 24
Draw = Callable[[int], RGB]


@dataclass(frozen=True)
class Shot:
    """``seconds`` of frames drawn by ``draw(i)`` (i counts from 0 within the shot)."""

    seconds: float
    draw: Draw


@dataclass(frozen=True)
class Codec:
    """An encoder as PyAV names it, with its pixel format, options and container suffix."""

    name: str
    pix_fmt: str
    suffix: str
    options: tuple[tuple[str, str], ...] = ()


# FFmpeg's "prores" (prores_aw) encoder: three times faster than prores_ks, the same format.
PRORES = Codec("prores", "yuv422p10le", ".mov", (("profile", "2"),))
H264 = Codec("libx264", "yuv420p", ".mp4", (("crf", "20"), ("g", "48")))


def pan(seed: int, size: tuple[int, int] = SIZE) -> Draw:
    """A camera plate panning across a textured backdrop twice the frame's width."""
    w, h = size
    backdrop = textured(seed, (w * 2, h))

    def draw(i: int) -> RGB:
        left = (i * 4) % w
        return backdrop[:, left : left + w]

    return draw


def held(still: RGB, size: tuple[int, int] = SIZE) -> Draw:
    """A generated still held on screen, fitted to the frame."""
    frame: RGB = np.asarray(cv2.resize(still, size, interpolation=cv2.INTER_AREA), np.float32)
    return lambda i: frame


def composite(still: RGB, seed: int, share: float = 0.25, size: tuple[int, int] = SIZE) -> Draw:
    """A generated still composited over ``share`` of a plate (a fixed plate, the still moving)."""
    frame = composited(still, seed, share, size)
    return lambda i: np.roll(frame, i // 6, axis=1)


def clip(frames: Sequence[RGB], size: tuple[int, int] = SIZE) -> Draw:
    """A generated clip's own frames, fitted to the frame."""
    fitted = [
        np.asarray(cv2.resize(f, size, interpolation=cv2.INTER_AREA), np.float32) for f in frames
    ]
    return lambda i: fitted[min(i, len(fitted) - 1)]


def write_master(
    path: Path, shots: Sequence[Shot], codec: Codec = PRORES, *, timecode: str | None = None,
    fps: int = FPS,
) -> Path:  # fmt: skip
    """Encode the shots one after the other into ``path`` (its suffix should be ``codec``'s)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec.name, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = *SIZE, codec.pix_fmt
        stream.options = dict(codec.options)
        if timecode:
            stream.metadata["timecode"] = timecode
        for rgb in _frames(shots, fps):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def write_streams(path: Path, tracks: Sequence[Sequence[Shot]], codec: Codec = PRORES) -> Path:
    """Encode each track into a video stream of its own in ``path`` (a textless version, another
    eye), their frames interleaved as a muxer writes them."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        streams = []
        for _ in tracks:
            stream = container.add_stream(codec.name, rate=FPS)
            assert isinstance(stream, av.VideoStream)
            stream.width, stream.height, stream.pix_fmt = *SIZE, codec.pix_fmt
            stream.options = dict(codec.options)
            streams.append(stream)
        frames = [list(_frames(shots, FPS)) for shots in tracks]
        for i in range(max(len(f) for f in frames)):
            for stream, track in zip(streams, frames, strict=True):
                if i < len(track):
                    picture = av.VideoFrame.from_ndarray(track[i], format="rgb24")
                    container.mux(stream.encode(picture))
        for stream in streams:
            container.mux(stream.encode())
    return path


def _frames(shots: Sequence[Shot], fps: int) -> Iterator[NDArray[np.uint8]]:
    for shot in shots:
        for i in range(round(shot.seconds * fps)):
            yield (np.clip(shot.draw(i), 0, 1) * 255).astype(np.uint8)


def starts(shots: Sequence[Shot]) -> list[float]:
    """Where each shot starts, in seconds."""
    found, at = [], 0.0
    for shot in shots:
        found.append(at)
        at += shot.seconds
    return found
