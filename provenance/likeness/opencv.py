"""OpenCV, imported so that no worker process starts while it loads.

OpenCV's loader puts its own folder at the front of ``sys.path`` while its
native module loads, and a worker process started by another thread in that
moment cannot import Python's own ``typing`` (:mod:`provenance.util.starts`
tells the story). So the package imports OpenCV here only, holding the lock
every worker start holds: ``from provenance.likeness.opencv import cv2``.
"""

from __future__ import annotations

from provenance.util.starts import STARTING

with STARTING:
    import cv2

__all__ = ["cv2"]
