"""Work for guarded workers in tests: module-level, so a worker process can import it."""

from __future__ import annotations

import logging
import os
import resource
import sys
import time
from pathlib import Path

from provenance.util.guard import step


def echo(value: object) -> object:
    """``value``, back from the worker."""
    return value


def fail(message: str) -> None:
    """Raise in the worker."""
    raise ValueError(message)


def spin(name: str | None, seconds: float) -> str:
    """Busy for ``seconds`` inside step ``name`` (None: untimed work)."""
    step(name)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return "done"


def die(name: str) -> None:
    """Die inside step ``name``, as a native crash would."""
    step(name)
    os._exit(70)


def allocate(megabytes: int) -> int:
    """Allocate ``megabytes`` at once, and say how much was had."""
    return len(bytearray(megabytes * 1024 * 1024)) // (1024 * 1024)


def memory_limit() -> int:
    """The worker's address-space limit (RLIMIT_AS), in bytes."""
    return resource.getrlimit(resource.RLIMIT_AS)[0]


def pid() -> int:
    """The worker's process id."""
    return os.getpid()


def cannot_start() -> None:
    """A worker's start-up that fails (as an import it cannot make would)."""
    raise ImportError("no such module")


def fails_first_start(marker: str) -> None:
    """A worker's start-up that fails once (the first worker writes ``marker``), then works."""
    try:
        with open(marker, "x"):  # noqa: PTH123 - the one call that must create or fail
            pass
    except FileExistsError:
        return
    raise ImportError("a start that failed once")


def path_is_clean() -> None:
    """Exit 1 if OpenCV's own folder is on this process's ``sys.path`` (see util/starts)."""
    sys.exit(1 if any(Path(p).name == "cv2" for p in sys.path) else 0)


def doubled(items: list[int]) -> list[int]:
    """Each item twice over (a worker pool's task)."""
    return [n * 2 for n in items]


def warn_as_a_library(name: str) -> None:
    """Log a warning as a third-party library would, to a logger of its own."""
    logging.getLogger(name).warning("a field of this file looks damaged")
