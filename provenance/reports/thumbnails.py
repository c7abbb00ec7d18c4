"""Thumbnails for the HTML audit report, as ``data:`` URIs.

A reviewer should see what was blocked, and the generated image a near
match points to, without opening files. Previews are small JPEGs embedded in
the page (so it stays one self-contained file); they are made with Pillow's
reduced decoding, with provenance's own frame decoder for EXR and DPX, and,
for a video, from the grey picture of its middle moment (the near-match
sampler's, so with the same limits; only with PyAV installed). A file that
cannot be previewed simply has no thumbnail.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

from provenance.audit.near import VIDEO_SUFFIXES
from provenance.audit.report import AuditReport
from provenance.likeness.frames import Luma, decode_luma
from provenance.likeness.video import sample_frames
from provenance.store import Ledger

SIDE = 160
MAX_THUMBNAILS = 200


def thumbnails_for(
    report: AuditReport, paths: Mapping[str, Path], ledger: Ledger
) -> dict[str, str]:
    """Previews of blocked files (by package path) and of near-match origins (by sha256)."""
    found: dict[str, str] = {}
    for item in report.ordered()[:MAX_THUMBNAILS]:
        if item.verdict != "block":
            continue
        if item.path in paths and (uri := preview(paths[item.path])):
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


def preview(path: Path) -> str | None:
    """A small JPEG ``data:`` URI of an image file, or None."""
    try:
        image = _open(path)
    except Exception:  # noqa: BLE001 - a preview is a nicety; no file may break the report
        return None
    image.thumbnail((SIDE, SIDE))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _open(path: Path) -> Image.Image:
    suffix = path.suffix.lower()
    if suffix in (".exr", ".dpx"):
        return _grey(decode_luma(path).luma)
    if suffix in VIDEO_SUFFIXES:
        return _grey(sample_frames(path, count=1, work_side=SIDE).lumas[0])
    image = Image.open(path)
    image.draft("RGB", (SIDE * 2, SIDE * 2))
    image.load()
    return image
