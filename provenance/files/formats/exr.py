"""OpenEXR frames through the optional ``OpenEXR`` package (``pip install 'provenance[exr]'``).

EXR holds scene-linear floating-point channels (usually half floats), in one
or more parts, each with any number of named channels (``R``, ``G``, ``B``,
``A``, but also ``diffuse.R``, ``Z``, ...). For a fingerprint only the colour
of the first part matters: its ``R``/``G``/``B`` channels, or ``Y`` for a
luminance-only image.

The header is read first, on its own, and a file whose parts together hold
more than ``max_samples`` samples is refused before a single pixel is decoded:
the library reads every channel of every part at once, so a 40-channel render
would otherwise cost gigabytes. EXR has no reduced decoding; the whole colour
part is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from provenance.files.formats import DecoderUnavailable, FormatProblem
from provenance.util.native_output import stdout_to_stderr

MAGIC = b"\x76\x2f\x31\x01"
EXTRA = "exr"


class ExrUnavailable(DecoderUnavailable):
    """The optional OpenEXR package is not installed."""


@dataclass(frozen=True)
class ExrSize:
    """The first part's pixel size, and the samples all parts hold together."""

    width: int
    height: int
    samples: int


def _module() -> Any:
    try:
        # Lazy: OpenEXR is an optional extra.
        import OpenEXR  # noqa: PLC0415
    except ImportError as exc:
        raise ExrUnavailable(
            f"reading EXR needs the OpenEXR package: pip install 'provenance[{EXTRA}]'"
        ) from exc
    return OpenEXR


def _window(header: dict[str, Any]) -> tuple[int, int]:
    low, high = header["dataWindow"]
    return int(high[0]) - int(low[0]) + 1, int(high[1]) - int(low[1]) + 1


def read_size(path: Path) -> ExrSize:
    """Read only the headers: the first part's size and the total sample count."""
    exr = _module()
    try:
        with stdout_to_stderr():
            parts = exr.File(str(path), header_only=True, num_threads=1).parts
    except Exception as exc:  # the binding raises bare RuntimeError and kin
        raise FormatProblem(f"EXR header unreadable ({exc})") from exc
    if not parts:
        raise FormatProblem("EXR file has no parts")
    sizes = [(_window(p.header), len(p.header["channels"])) for p in parts]
    (width, height), _ = sizes[0]
    samples = sum(max(0, w) * max(0, h) * n for (w, h), n in sizes)
    return ExrSize(width, height, samples)


def read_rgb(path: Path) -> NDArray[np.float32]:
    """The first part's colour as scene-linear floats, shape (height, width, 3 or 1)."""
    exr = _module()
    try:
        with stdout_to_stderr():  # the binding prints its warnings on standard output
            parts = exr.File(str(path), separate_channels=True, num_threads=1).parts
            channels = {name: ch.pixels for name, ch in parts[0].channels.items()}
    except Exception as exc:  # the binding raises bare RuntimeError and kin
        raise FormatProblem(f"EXR pixels unreadable ({exc})") from exc
    return _colour(channels)


def _colour(channels: dict[str, NDArray[Any]]) -> NDArray[np.float32]:
    """R, G, B (or Y) of the default layer, whatever else the part carries."""
    if all(c in channels for c in "RGB"):
        planes = [channels[c] for c in "RGB"]
    elif "Y" in channels:
        planes = [channels["Y"]]
    else:
        raise FormatProblem(f"EXR has no R/G/B or Y channel (has {sorted(channels)[:8]})")
    first = planes[0]
    if any(p.shape != first.shape for p in planes):
        raise FormatProblem("EXR channels differ in size (subsampled colour is not read)")
    # One float plane at a time into the result: np.stack of converted copies
    # held every plane twice (1 GB for an 8K half-float frame).
    rgb = np.empty((*first.shape, len(planes)), dtype=np.float32)
    for i, plane in enumerate(planes):
        rgb[..., i] = plane
    return rgb
