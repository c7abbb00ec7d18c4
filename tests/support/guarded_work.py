"""Work for guarded workers in tests: module-level, so a worker process can import it."""

from __future__ import annotations

import os
import resource
import time

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
