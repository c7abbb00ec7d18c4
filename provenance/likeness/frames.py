"""Decode any still or frame to a small, display-referred grey picture.

A perceptual fingerprint looks at an image the way a viewer does: as grey
levels on a display, at low resolution. This module turns every supported
file into exactly that, a :class:`Frame` whose ``luma`` is a float array in
[0, 1] with its short side at least ``work_side`` pixels (64 by default):

* **Reduced decoding.** JPEG is decoded at 1/2, 1/4 or 1/8 scale by the codec
  itself (Pillow's ``draft``), straight to its luma plane; DPX lines are read
  from a memory map, skipping the lines that would be averaged away; other
  formats are decoded whole and box-reduced (Pillow ``reduce``).
* **Display-referred grey.** 8-bit and 16-bit display images are scaled to
  [0, 1]. Scene-linear data (EXR, float TIFF) is clipped to [0, 1] and encoded
  with the sRGB transfer curve, so a linearised EXR copy of a PNG decodes to
  the PNG's own grey levels; Cineon log DPX is converted to linear first. Grey
  is ITU-R 601 luma, the weights Pillow's ``convert("L")`` uses.
* **Orientation.** An EXIF orientation is applied, so a copy whose rotation
  was "baked in" when its metadata was stripped looks like its original.
* **Bounds.** Files larger than :data:`MAX_PIXELS` (Pillow's own
  decompression-bomb threshold, here an error rather than a warning) are
  refused from their header, before any pixel is decoded; only the formats
  listed in :data:`PILLOW_FORMATS` are handed to Pillow.

Every failure is an :class:`~provenance.errors.UndecodableImage` naming the
file and the cause.
"""

from __future__ import annotations

import contextlib
import importlib
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from provenance.errors import UndecodableImage, UnsupportedImage
from provenance.files.formats import DecoderUnavailable, FormatProblem, dpx, exr
from provenance.files.pillow import pillow_reading
from provenance.likeness import deep_jpeg

Transfer = Literal["display", "linear", "log"]
Luma = NDArray[np.float32]

MAX_PIXELS = 89_478_485
_WANTED = ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "DIB", "GIF")


def _register_plugins() -> tuple[str, ...]:
    """Import (so register) only the Pillow plugins wanted; a Pillow built without one lacks it.

    JPEG includes MPO (phone pictures with a second frame): its opener returns either.
    """
    for name in ("Bmp", "Gif", "Jpeg", "Png", "Tiff", "WebP"):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"PIL.{name}ImagePlugin")
    return tuple(f for f in _WANTED if f in Image.OPEN)


PILLOW_FORMATS = _register_plugins()
WORK_SIDE = 64
_SIGNATURES = {
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "JPEG": (b"\xff\xd8\xff",),
    "TIFF": (b"II*\x00", b"MM\x00*"),
    "GIF": (b"GIF87a", b"GIF89a"),
    "BMP": (b"BM",),
    "EXR": (exr.MAGIC,),
    "DPX": (dpx.MAGIC_BE, dpx.MAGIC_LE),
}
SUPPORTED = (*_SIGNATURES, "WEBP")
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_WITH_ALPHA = frozenset({"RGBA", "LA", "RGBa"})
# Pictures over this many pixels take the leaner path to grey; below it the
# path every fingerprint already in a ledger was made with stays as it is.
BIG_PICTURE = 4096 * 4096
# Pillow's JPEG decoder reduces by 1/2-1/8 while decoding (``draft``), by a factor of the size.
_REDUCED_ON_DECODE = frozenset({"JPEG", "MPO"})
_SIXTEEN_BIT = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
# What each EXIF orientation value asks the viewer to do, as numpy moves.
_ORIENTATION: dict[int, Callable[[Luma], Luma]] = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.T,
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].T,
    8: lambda a: np.rot90(a, 1),
}
# Codecs (Pillow's plugins above all) raise all of these on damaged or hostile files.
_DECODE_FAILURES = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    MemoryError,
)


@dataclass(frozen=True)
class Frame:
    """A decoded picture: reduced grey ``luma`` in [0, 1], and what the file holds."""

    luma: Luma
    width: int
    height: int
    format: str
    transfer: Transfer


def decode_luma(path: Path, *, work_side: int = WORK_SIDE) -> Frame:
    """Decode ``path`` to a :class:`Frame` (see the module docstring)."""
    return decode_lumas(path, (work_side,))[0]


def decode_lumas(path: Path, work_sides: Sequence[int]) -> list[Frame]:
    """:func:`decode_luma` at each of ``work_sides``, the pixels decoded once where they can be.

    The audit wants a picture it has never seen at two sizes: small for its
    fingerprint, larger for its local features. Every format Pillow decodes
    whole is decoded once and reduced twice, each frame exactly what
    :func:`decode_luma` gives at its size; JPEG (whose codec reduces on the way
    in, by a factor that depends on the size), EXR and DPX are decoded once a size.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(12)
        if not head:
            raise _undecodable(path, "empty file")
        kind = sniff(head)
        if kind == "EXR":
            return [_exr_frame(path, side) for side in work_sides]
        if kind == "DPX":
            return [_dpx_frame(path, side) for side in work_sides]
        if kind is None:
            raise UnsupportedImage(
                "not an image format fingerprints are made of",
                where=path,
                fix=f"supported: {', '.join(SUPPORTED)}",
            )
        return _pillow_or_deep_frames(path, kind, work_sides)
    except FormatProblem as exc:
        raise _undecodable(path, str(exc), exc) from exc
    except Image.DecompressionBombError as exc:
        raise _too_large(path) from exc
    except MemoryError as exc:
        why = "it needs more memory than a decoding worker may use"
        raise UndecodableImage(
            f"cannot decode image ({why})", where=path, fix="check the file's dimensions"
        ) from exc
    except _DECODE_FAILURES as exc:
        raise _undecodable(path, f"{type(exc).__name__}: {exc}", exc) from exc


def sniff(head: bytes) -> str | None:
    """The supported format whose signature ``head`` (the first 12 bytes) starts with."""
    for name, signatures in _SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return name
    return "WEBP" if head[:4] == b"RIFF" and head[8:12] == b"WEBP" else None


def _undecodable(path: Path, why: str, exc: Exception | None = None) -> UndecodableImage:
    fix = "install the extra it names" if isinstance(exc, DecoderUnavailable) else None
    return UndecodableImage(f"cannot decode image ({why})", where=path, fix=fix)


def _too_large(path: Path) -> UndecodableImage:
    return UndecodableImage(
        f"image refused: more than {MAX_PIXELS:,} pixels (decompression bomb guard)",
        where=path,
        fix="check the file; real frames are far smaller",
    )


def _check_size(path: Path, width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise _undecodable(path, f"empty image {width}x{height}")
    if width * height > MAX_PIXELS:
        raise _too_large(path)


def _pillow_or_deep_frames(path: Path, kind: str, work_sides: Sequence[int]) -> list[Frame]:
    try:
        return _pillow_frames(path, work_sides)
    except _DECODE_FAILURES:
        # Pillow refuses 12-bit JPEGs at open; only then is the frame header read.
        deep = deep_jpeg.deep_frame_header(path) if kind == "JPEG" else None
        if deep is None:
            raise
    _check_size(path, deep.width, deep.height)
    grey = deep_jpeg.decode_grey(path)
    return [Frame(_reduce(grey, s), deep.width, deep.height, "JPEG", "display") for s in work_sides]


def _pillow_frames(path: Path, work_sides: Sequence[int]) -> list[Frame]:
    # Pillow warns of what it repairs or drops (corrupt EXIF, palette transparency);
    # the pixels are all a fingerprint needs, and real failures raise
    with pillow_reading():
        try:
            with Image.open(path, formats=PILLOW_FORMATS) as im:
                _check_size(path, *im.size)
                if im.format in _REDUCED_ON_DECODE and len(work_sides) > 1:
                    # each size is its own reduced decode
                    return [_pillow_frames(path, (side,))[0] for side in work_sides]
                return _decode_pillow(im, work_sides)
        except Image.DecompressionBombWarning as exc:
            raise _too_large(path) from exc


def _decode_pillow(im: Image.Image, work_sides: Sequence[int]) -> list[Frame]:
    file = im.width, im.height, im.format or "unknown"  # before a draft makes it smaller
    if im.format in _REDUCED_ON_DECODE:
        im.draft("L" if im.mode == "RGB" else None, (work_sides[0], work_sides[0]))
    im.load()
    return [_pillow_luma(im, side, *file) for side in work_sides]


def _pillow_luma(im: Image.Image, work_side: int, width: int, height: int, fmt: str) -> Frame:
    """The frame of a loaded picture at ``work_side`` (``im`` itself is left as it is)."""
    orientation = im.getexif().get(0x0112)
    transfer: Transfer = "display"
    if im.mode == "F":
        pre = max(1, min(im.size) // work_side // 4)
        luma, transfer = _linear_luma(np.asarray(im, dtype=np.float32)[..., None], pre), "linear"
    elif im.mode in _SIXTEEN_BIT:
        luma = _sixteen_bit_luma(im, work_side)
    else:
        luma = _eight_bit_luma(im, work_side)
    turn = _ORIENTATION.get(orientation) if isinstance(orientation, int) else None
    if turn is not None:
        luma = np.ascontiguousarray(turn(luma))
    return Frame(_reduce(luma, work_side), width, height, fmt, transfer)


def _eight_bit_luma(im: Image.Image, work_side: int) -> Luma:
    if im.mode in _WITH_ALPHA and im.width * im.height > BIG_PICTURE:
        # A full-size RGB copy beside the decoded RGBA would nearly double the
        # peak (700 MiB at the pixel guard); grey is a quarter of the picture.
        im = im.convert("L")
    elif im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    factor = min(im.size) // work_side
    if factor > 1:
        im = im.reduce(factor)
    return np.asarray(im.convert("L"), dtype=np.float32) / np.float32(255)


def _sixteen_bit_luma(im: Image.Image, work_side: int) -> Luma:
    grey = np.asarray(im, dtype=np.float32) / np.float32(65535)
    return _reduce(np.clip(grey, 0, 1), work_side)


def _reduce(a: Luma, work_side: int) -> Luma:
    """Box-average blocks so the short side stays at least ``work_side``."""
    k = max(1, min(a.shape[0], a.shape[1]) // work_side)
    return _block_mean(a, k, k) if k > 1 else a


def _block_mean(a: Luma, ky: int, kx: int) -> Luma:
    h, w = a.shape[0] // ky * ky, a.shape[1] // kx * kx
    trimmed = a[:h, :w]
    shape = (h // ky, ky, w // kx, kx, *a.shape[2:])
    return np.asarray(trimmed.reshape(shape).mean(axis=(1, 3)), dtype=np.float32)


def srgb_encode(linear: Luma) -> Luma:
    """The sRGB transfer curve (IEC 61966-2-1) on values clipped to [0, 1]."""
    x: Luma = np.clip(np.nan_to_num(linear, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    curve = 1.055 * np.power(x, 1 / 2.4) - 0.055
    return np.where(x <= 0.0031308, 12.92 * x, curve).astype(np.float32)


def cineon_to_linear(code: Luma) -> Luma:
    """Cineon printing-density log (10-bit code values as [0, 1]) to scene-linear."""
    black = 10.0 ** ((95 - 685) * 0.002 / 0.6)
    lin = (np.power(10.0, (code * 1023 - 685) * 0.002 / 0.6) - black) / (1 - black)
    return np.asarray(lin, dtype=np.float32)


def _grey(rgb: Luma) -> Luma:
    """Luma of display-referred RGB (or the single plane of a grey image)."""
    if rgb.shape[-1] == 1:
        return np.asarray(rgb[..., 0], dtype=np.float32)
    return np.asarray(rgb @ _LUMA_WEIGHTS, dtype=np.float32)


def _linear_luma(rgb: Luma, pre: int) -> Luma:
    """Scene-linear RGB to display grey, box-averaging ``pre`` x ``pre`` blocks first.

    The first averaging happens in linear light (cheap, and physically right);
    the rest of the reduction happens on display values, like every other
    format, so that only blocks of a few pixels are ever averaged differently.
    """
    small = _block_mean(rgb, pre, pre) if pre > 1 else rgb
    return _grey(srgb_encode(small))


def _exr_frame(path: Path, work_side: int) -> Frame:
    size = exr.read_size(path)
    _check_size(path, size.width, size.height)
    if size.samples > 4 * MAX_PIXELS:
        raise _too_large(path)
    rgb = exr.read_rgb(path)
    pre = max(1, min(rgb.shape[:2]) // work_side // 4)
    luma = _reduce(_linear_luma(rgb, pre), work_side)
    return Frame(luma, size.width, size.height, "EXR", "linear")


def _dpx_frame(path: Path, work_side: int) -> Frame:
    h = dpx.read_header(path)
    _check_size(path, h.width, h.height)
    k = max(1, min(h.width, h.height) // work_side)
    step = max(1, k // 4)
    rgb = dpx.read_rows(path, h, step)
    rgb = _block_mean(rgb, 1, step) if step > 1 else rgb
    luma = _linear_luma(cineon_to_linear(rgb), 1) if h.is_log else _grey(rgb)
    transfer: Transfer = "log" if h.is_log else "display"
    return Frame(_reduce(luma, work_side), h.width, h.height, "DPX", transfer)
