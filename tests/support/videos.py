"""Small test clips, written with PyAV: a moving picture, and the copies a pipeline makes of it.

Each clip pans across a picture twice its size (shapes over a gradient,
:func:`tests.support.studio.picture`, flipped so that its gradient rises
towards one of four corners) while a bright disc crosses it on a path of its
own, so every moment looks different from the others and every seed gives a
different clip. (Soft, nearly structureless backdrops, a gradient always
rising the same way, or a disc on the same path in every clip made
unrelated clips look alike: the same composition.)
Callers skip when PyAV is not installed (``pytest.importorskip("av")``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tests.support.studio import picture

FRAMES = 64
SIZE = (160, 120)


def moving_frames(
    seed: int, count: int = FRAMES, size: tuple[int, int] = SIZE
) -> Iterator[NDArray[np.uint8]]:
    """``count`` RGB frames of the clip named by ``seed``."""
    w, h = size
    rng = np.random.default_rng(seed)
    backdrop = np.asarray(picture(seed, (w * 2, h * 2)))
    flip = rng.integers(0, 4)  # its gradient rises towards one of four corners
    backdrop = backdrop[:: -1 if flip & 1 else 1, :: -1 if flip & 2 else 1]
    y, x = np.mgrid[0:h, 0:w]
    (x0, y0), (dx, dy) = rng.uniform(0, 1, 2) * size, rng.uniform(-2, 2, 2)
    for i in range(count):
        left, top = i * w // count, i * h // (2 * count)
        frame = backdrop[top : top + h, left : left + w].copy()
        cx, cy = (x0 + dx * i) % w, (y0 + dy * i) % h
        frame[(x - cx) ** 2 + (y - cy) ** 2 < 100] = 255
        yield frame


@dataclass(frozen=True)
class Encoding:
    """How to write a clip: codec, frame rate, size, pixel format and encoder options."""

    codec: str = "libx264"
    fps: int = 24
    size: tuple[int, int] | None = None  # None: the frames' own
    pix_fmt: str = "yuv420p"
    options: dict[str, str] = field(default_factory=lambda: {"g": "16", "crf": "18"})


ORIGINAL = Encoding()
REENCODES = {
    "crf35": Encoding(options={"g": "16", "crf": "35"}),
    "half_size": Encoding(size=(80, 60), options={"crf": "23"}),
    "keyframes_250": Encoding(options={"crf": "28"}),
    "keyframes_7": Encoding(options={"g": "7", "crf": "28"}),
    "prores": Encoding(codec="prores_ks", pix_fmt="yuv422p10le", options={}),
    "mjpeg": Encoding(codec="mjpeg", pix_fmt="yuvj420p", options={}),
    "fps30": Encoding(fps=30, options={"crf": "23"}),
}
SUFFIX = {"prores": ".mov", "mjpeg": ".avi"}


def write_clip(
    path: Path,
    frames: Iterator[NDArray[np.uint8]],
    encoding: Encoding = ORIGINAL,
    *,
    faststart: bool = False,
    rotation: int = 0,
) -> Path:
    """Encode RGB ``frames`` into ``path`` (the container follows the suffix).

    ``faststart`` puts an MP4's index before the frames instead of after them.
    ``rotation`` (degrees counter-clockwise) goes into the display matrix, as
    a phone held sideways writes it.
    """
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream(encoding.codec, rate=encoding.fps, options=encoding.options)
        assert isinstance(stream, av.VideoStream)
        first = next(frames)
        stream.width, stream.height = encoding.size or (first.shape[1], first.shape[0])
        stream.pix_fmt = encoding.pix_fmt
        if rotation:
            stream.set_display_rotation(rotation)
        for rgb in (first, *frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if encoding.size:
                frame = frame.reformat(width=encoding.size[0], height=encoding.size[1])
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def solid_clip(path: Path, rgb: tuple[int, int, int], rotation: int = 0) -> Path:
    """48 frames of one colour with a white bar across the top (to see which way is up)."""
    frame = np.empty((96, 160, 3), dtype=np.uint8)
    frame[:] = rgb
    frame[:12] = 255
    return write_clip(path, iter([frame] * 48), rotation=rotation)


def clip(path: Path, seed: int, encoding: Encoding = ORIGINAL) -> Path:
    """Write the clip named by ``seed`` to ``path``."""
    return write_clip(path, moving_frames(seed), encoding)


def remux_stripped(source: Path, target: Path) -> Path:
    """Copy the video packets into a new container without any metadata (no re-encode)."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        video = inp.streams.video[0]
        stream = out.add_stream_from_template(video)
        for packet in inp.demux(video):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return target


def without_codec(source: Path, target: Path) -> Path:
    """Copy ``source`` with its track's handler box sized 0: FFmpeg then names no codec for it.

    Found by fuzzing: the stream is listed (``video/<nocodec>``) but has no
    codec context, so nothing can be decoded from it.
    """
    data = bytearray(source.read_bytes())
    handler = data.index(b"hdlr", data.index(b"mdhd"))  # the track's, not the metadata's
    data[handler - 4 : handler] = bytes(4)
    target.write_bytes(bytes(data))
    return target
