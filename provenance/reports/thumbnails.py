"""Thumbnails for the HTML audit report, as ``data:`` URIs.

A reviewer should see what was blocked, and the generated image a near
match points to, without opening files. Previews are small JPEGs embedded in
the page (so it stays one self-contained file); they are made with Pillow's
reduced decoding, with provenance's own frame decoder for EXR and DPX, and,
for a video, from the colour picture of its middle moment (decoded by the
near-match sampler's reader, so under the same locks and limits). A file
that cannot be previewed simply has no thumbnail.

Where a generated picture was found *inside* a delivered one (a region
match), its outline is drawn on the delivered picture's preview; for a
video, the preview is the frame of the segment's best sample, outlined
when the generated picture fills only part of it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from provenance.audit.near import VIDEO_SUFFIXES
from provenance.audit.report import AuditReport, FileResult
from provenance.files.pillow import pillow_reading
from provenance.likeness.frames import Luma, decode_luma
from provenance.likeness.sweep import picture_at
from provenance.likeness.video import poster_frame
from provenance.store import Ledger

SIDE = 160
MAX_THUMBNAILS = 200
OUTLINE = (230, 20, 40)
Outline = tuple[tuple[float, float], ...]


def thumbnails_for(
    report: AuditReport, paths: Mapping[str, Path], ledger: Ledger
) -> dict[str, str]:
    """Previews of blocked files (by package path) and of near-match origins (by sha256)."""
    found: dict[str, str] = {}
    for item in report.ordered()[:MAX_THUMBNAILS]:
        if item.verdict != "block":
            continue
        if item.path in paths and (uri := _delivered(paths[item.path], item)):
            found[item.path] = uri
        origin = item.match.asset if item.match.kind in ("near", "region") else None
        where = _local_copy(ledger, origin) if origin and origin not in found else None
        if origin and where and (uri := preview(where)):
            found[origin] = uri
    return found


def _local_copy(ledger: Ledger, sha256: str) -> Path | None:
    for loc in ledger.locations.of(sha256):
        if loc.present and loc.host == ledger.host and Path(loc.path).is_file():
            return Path(loc.path)
    return None


def _grey(luma: Luma) -> Image.Image:
    return Image.fromarray(np.clip(luma * 255.0, 0, 255).astype(np.uint8))


def _delivered(path: Path, item: FileResult) -> str | None:
    """The delivered file's preview, with the matched generated picture outlined where known."""
    shown = [s for s in item.segments if s.asset == item.match.asset and s.at is not None]
    if shown:
        segment = shown[0]
        return preview(path, segment.outline, at=segment.at)
    return preview(path, item.match.outline if item.match.kind == "region" else None)


def preview(path: Path, outline: Outline | None = None, *, at: float | None = None) -> str | None:
    """A small JPEG ``data:`` URI of an image file (a video's frame ``at`` seconds), or None.

    ``outline`` (corners as shares of the width and height) is drawn on it.
    """
    jpeg = preview_jpeg(path, outline, at=at)
    return None if jpeg is None else "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def preview_jpeg(
    path: Path, outline: Outline | None = None, *, at: float | None = None, side: int = SIDE
) -> bytes | None:
    """The preview's JPEG bytes (at most ``side`` pixels a side), or None when there is none.

    The web view caches these on disk; the HTML report embeds them.
    """
    try:
        image = Image.fromarray(picture_at(path, at)) if at is not None else _open(path, side)
    except Exception:  # noqa: BLE001 - a preview is a nicety; no file may break the report
        return None
    image.thumbnail((side, side))
    image = image.convert("RGB")
    if outline:
        w, h = image.size
        ImageDraw.Draw(image).polygon(
            [(x * w, y * h) for x, y in outline], outline=OUTLINE, width=2
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _open(path: Path, side: int) -> Image.Image:
    suffix = path.suffix.lower()
    if suffix in (".exr", ".dpx"):
        return _grey(decode_luma(path).luma)
    if suffix in VIDEO_SUFFIXES:
        return Image.fromarray(poster_frame(path, side=side))
    with pillow_reading():
        image = Image.open(path)
        image.draft("RGB", (side * 2, side * 2))
        image.load()
    return image
