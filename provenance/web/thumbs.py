"""Thumbnails for the web view, made on the server from a present copy and cached by hash.

The browser asks for an asset's thumbnail by its SHA-256 only; the view finds
a copy present on this host whose size and modification time still match
what the ledger recorded (a file rewritten since is not this asset any more),
makes a small JPEG with the HTML report's previewer (a colour poster frame for
a video) and keeps it in the cache folder under the hash, so each picture is
decoded once. An asset with no usable copy has no thumbnail.
"""

from __future__ import annotations

import stat
from pathlib import Path

import platformdirs

from provenance.reports.thumbnails import preview_jpeg
from provenance.store import Ledger, LocationRecord
from provenance.util.atomic import write_atomically

SIDE = 320


class Thumbnails:
    """Thumbnails of the ledger's assets, cached in ``folder``."""

    def __init__(self, ledger: Ledger, folder: Path) -> None:
        self._ledger = ledger
        self._folder = folder

    def jpeg(self, sha256: str) -> bytes | None:
        """The thumbnail of the asset with this full hash, or None when none can be made."""
        cached = self._folder / sha256[:2] / f"{sha256}.jpg"
        if cached.is_file():
            return cached.read_bytes()
        source = self._unchanged_copy(sha256)
        made = preview_jpeg(source, side=SIDE) if source is not None else None
        if made is not None:
            write_atomically(cached, made)
        return made

    def _unchanged_copy(self, sha256: str) -> Path | None:
        for location in self._ledger.locations.of(sha256):
            if location.present and location.host == self._ledger.host and _unchanged(location):
                return Path(location.path)
        return None


def _unchanged(location: LocationRecord) -> bool:
    try:
        found = Path(location.path).stat()
    except OSError:
        return False
    # Only a regular file: opening a FIFO left at the path would hang the request.
    regular = stat.S_ISREG(found.st_mode)
    return regular and found.st_size == location.size and found.st_mtime_ns == location.mtime_ns


def default_cache() -> Path:
    """Where thumbnails are kept between runs: ``thumbnails`` in the user cache folder."""
    return Path(platformdirs.user_cache_dir("provenance", appauthor=False)) / "thumbnails"
