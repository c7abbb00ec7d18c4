"""12- and 16-bit JPEGs, which Pillow cannot decode, through FFmpeg (PyAV).

The JPEG standard allows 12-bit samples (extended sequential, lossless and
progressive processes); medical, scientific and some camera pipelines write
them, and libjpeg-turbo tests them. Pillow refuses them at open, so without
this they could not be fingerprinted, and a picture that cannot be compared
cannot pass the audit. FFmpeg decodes them; PyAV is the optional ``video``
extra, and without it such a file is "decoder unavailable" (the audit warns)
rather than undecodable (the audit blocks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from provenance.files.formats import DecoderUnavailable, FormatProblem
from provenance.files.formats.jpeg import FrameHeader, read_jpeg

EXTRA = "video"


def deep_frame_header(path: Path) -> FrameHeader | None:
    """The frame header of a JPEG with more than 8 bits per sample, else None."""
    try:
        frame = read_jpeg(path).frame
    except (FormatProblem, OSError):
        return None
    return frame if frame is not None and frame.precision > 8 else None


def decode_grey(path: Path) -> NDArray[np.float32]:
    """The picture's grey levels in [0, 1] (FFmpeg's conversion to 16-bit grey)."""
    av = _module()
    try:
        with av.open(str(path), format="jpeg_pipe") as container:
            stream = container.streams.video[0]
            stream.thread_type = "NONE"
            frame = next(container.decode(stream))
            grey = frame.reformat(format="gray16le").to_ndarray()
    except (av.FFmpegError, StopIteration, IndexError) as exc:
        raise FormatProblem(f"12-bit JPEG does not decode ({exc})") from exc
    return np.asarray(grey, dtype=np.float32) / np.float32(65535)


def _module() -> Any:
    try:
        # Lazy: PyAV is an optional extra, loaded only for the rare deep JPEG.
        import av  # noqa: PLC0415
    except ImportError as exc:
        raise DecoderUnavailable(
            f"decoding a 12-bit JPEG needs PyAV: pip install 'provenance[{EXTRA}]'"
        ) from exc
    return av
