"""Replacing a file whole or not at all, durably: the one way the project rewrites a file.

A reader (another process, or this one after a crash or a power cut) sees
the old content or the new, never half of it:

1. the content goes to a temporary file **in the same folder** (a rename is
   atomic only within one file system), flushed and ``fsync``-ed;
2. :func:`os.replace` renames it over the target, atomically;
3. the folder is ``fsync``-ed, so that the rename itself survives a crash.

Checkpoint files (a chain head kept outside the ledger) and the web view's
cached thumbnails are written this way. A cache that is only ever a subset
of what it could say (the audit's memory of the signed ranges it checked)
skips the two ``fsync`` calls (``durable=False``): after a crash it holds the
old content, the new, or nothing a reader accepts, and each costs only time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, content: bytes, *, durable: bool = True) -> None:
    """Replace ``target`` (its folder made if need be) with ``content`` (module docstring).

    The temporary file is removed again if anything fails; it is readable
    by its owner only, and so is ``target`` after.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        Path(name).replace(target)  # os.replace: atomic within one file system
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(target.parent)


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries to disk: a rename or unlink is durable only then."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems (and all of Windows) cannot fsync a directory
    finally:
        os.close(descriptor)
