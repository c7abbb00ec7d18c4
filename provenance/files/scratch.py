"""The temporary area: private folders an audit unpacks archives into, never left behind.

An archive is unpacked into a folder of its own below the system's temporary
folder (``TMPDIR``), made private by :func:`tempfile.mkdtemp`. Such a folder
can hold gigabytes, so it must go however the run ends: the ``with`` block
removes it on a normal exit or an exception, :mod:`atexit` catches an
interpreter that exits around it, and :func:`remove_live_areas` is what a
signal handler calls (the command line installs one for SIGTERM, SIGINT and
SIGHUP; a library never takes over signals). SIGKILL cannot be caught: what
it leaves behind is named ``provenance-audit-*``.

Every live area remembers the process that made it, so a forked worker that
receives a signal never removes its parent's area.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

PREFIX = "provenance-audit-"

_live: dict[Path, int] = {}  # area -> pid of the process that made it
_lock = threading.RLock()  # re-entrant: a signal handler runs on the thread it interrupts


class TempArea:
    """A private temporary folder, removed when the ``with`` block ends or a signal arrives."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))
        self._made = 0
        with _lock:
            _live[self.path] = os.getpid()

    def folder(self, name: str) -> Path:
        """A new, empty folder inside the area (``name`` makes it easier to recognise)."""
        self._made += 1
        made = self.path / f"{self._made}-{name}"
        made.mkdir()
        return made

    def remove(self) -> None:
        """Remove the area and everything in it (again is harmless)."""
        with _lock:
            _live.pop(self.path, None)
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> TempArea:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()


def live_areas() -> list[Path]:
    """The areas this process made and has not removed yet."""
    with _lock:
        return [path for path, pid in _live.items() if pid == os.getpid()]


def remove_live_areas() -> None:
    """Remove every area this process made: what a signal handler calls before the end."""
    for path in live_areas():
        with _lock:
            _live.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)


atexit.register(remove_live_areas)
