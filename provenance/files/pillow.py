"""Pillow's warnings, as every reader of pictures in this package wants them.

Pillow warns in two very different ways. A picture larger than
``Image.MAX_IMAGE_PIXELS`` gives a ``DecompressionBombWarning`` and decodes
anyway: here that is an error, so a hostile picture never reaches the decoder.
A damaged picture gives ``UserWarning``\\ s for what Pillow repairs or skips
("Tag data larger than file", "Corrupt EXIF data", "Truncated File Read"):
printed, they would reach the person's terminal from a worker process, as
lines of Python that say nothing of the file, around the report's one
``Error:`` line. What they say is found by the project's own checks of the file
(:mod:`provenance.detectors.integrity` reports it as damage, and the gate
fails closed on it), so they are silenced where Pillow reads.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

from PIL import Image


@contextlib.contextmanager
def pillow_reading() -> Iterator[None]:
    """Within: a decompression bomb raises ``DecompressionBombWarning``; repairs are quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        yield
