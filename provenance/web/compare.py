"""Compare the picture: the one upload the web view takes, chosen by the person, after a notice.

A file the ledger has never seen by hash may still be a re-encoded, resized
or stripped copy of a generated picture. When the person asks for it, the
browser uploads the file to this server; it is kept in a private temporary
folder only while the gate checks it as the audit would check it alone
(markers, likeness, generated pictures inside it; on a worker process, so a
hostile file cannot take the server down), and deleted. Nothing is written
to the ledger.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path, PurePath
from typing import IO

from provenance.history import Unrecorded, unrecorded
from provenance.settings import Settings
from provenance.store import Ledger

UPLOAD_LIMIT = 512 * 1024 * 1024  # bytes: a still or a short clip, not a whole master
SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def compared(stream: IO[bytes], name: str, ledger: Ledger, settings: Settings) -> Unrecorded:
    """The gate's answer for the uploaded file, named ``name`` by the browser."""
    with tempfile.TemporaryDirectory(prefix="provenance-compare-") as folder:
        path = Path(folder) / f"upload{safe_suffix(name)}"
        with path.open("wb") as out:
            while chunk := stream.read(1024 * 1024):
                out.write(chunk)
        return unrecorded(path, ledger, settings)


def safe_suffix(name: str) -> str:
    """The file name's extension when it is a plain one (decoders go by it), else none."""
    suffix = PurePath(name.replace("\\", "/")).suffix
    return suffix.lower() if SUFFIX.match(suffix) else ""
