"""What Pillow (and the libtiff under it) may say, as every reader of pictures here wants it.

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

Pillow also *logs* some refusals at ``ERROR`` ("More samples per pixel than
can be decoded" for a TIFF that claims millions of channels) before raising.
A worker process has no logging set up, so Python's last-resort handler would
print them bare on stderr; Pillow's logger is kept to ``CRITICAL`` in every
process that reads pictures (this module is imported by each reader). The
exception that follows is what the file's verdict reports.

Below Python, the libtiff Pillow decodes TIFFs with prints its own errors
("TIFFFillStrip: Read error on strip 0", "OJPEGReadHeaderInfoSecTablesQTable:
Missing JPEG tables") on descriptor 2, without the file's name, one line for
every damaged TIFF a scan or an audit decodes. Its handlers are set to none
(:func:`quiet_libtiff`, once a process): the decode still fails, and Pillow
raises, which is what the file's reason says.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

MAPS = Path("/proc/self/maps")


def quiet_libtiff(maps: Path = MAPS) -> list[str]:
    """Set the error and warning handlers of every libtiff loaded in this process to none;
    the libraries it changed (none where ``/proc`` is not there to say which are loaded)."""
    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return []
    loaded = sorted({line.split()[-1] for line in lines if "/libtiff" in line})
    quieted = []
    for path in loaded:
        try:
            library = ctypes.CDLL(path)  # the one already loaded: dlopen gives the same handle
            for name in ("TIFFSetErrorHandler", "TIFFSetWarningHandler"):
                setter = getattr(library, name)
                setter.argtypes, setter.restype = [ctypes.c_void_p], ctypes.c_void_p
                setter(None)
        except (OSError, AttributeError):
            continue
        quieted.append(path)
    return quieted


logging.getLogger("PIL").setLevel(logging.CRITICAL)
quiet_libtiff()


@contextlib.contextmanager
def pillow_reading() -> Iterator[None]:
    """Within: a decompression bomb raises ``DecompressionBombWarning``; repairs are quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        yield
