"""Real mounts for tests: a small tmpfs, or a bind mount, always unmounted afterwards.

Mounting needs root (or CAP_SYS_ADMIN) on Linux. Where it is not permitted
the test skips, saying why. Every mount is undone in a ``finally``: a plain
``umount`` first, a lazy one (``umount -l``) if something still holds it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)


def can_mount() -> str | None:
    """None where this process may mount; otherwise why not."""
    if not sys.platform.startswith("linux"):
        return "mounting in tests needs Linux"
    if os.geteuid() != 0:
        return "mounting in tests needs root (or CAP_SYS_ADMIN)"
    return None


def mount(*args: str) -> None:
    """Run ``mount`` with ``args``; skip the test when the system refuses."""
    why = can_mount()
    if why is not None:
        pytest.skip(why)
    done = _run("mount", *args)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} is not permitted here: {done.stderr.strip()}")


def unmount(point: Path) -> None:
    """Unmount ``point``: normally, else lazily (something may still hold it open)."""
    if _run("umount", str(point)).returncode != 0:
        _run("umount", "-l", str(point))


@contextmanager
def tmpfs(point: Path, size: str = "4m", source: str = "provenance-test") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``point`` (created if missing) for the block."""
    point.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", f"size={size}", source, str(point))
    try:
        yield point
    finally:
        unmount(point)


@contextmanager
def bind(source: Path, point: Path) -> Iterator[Path]:
    """``source`` bind-mounted at ``point`` for the block."""
    point.mkdir(parents=True, exist_ok=True)
    mount("--bind", str(source), str(point))
    try:
        yield point
    finally:
        unmount(point)


@contextmanager
def read_only_bind(source: Path, point: Path) -> Iterator[Path]:
    """``source`` bind-mounted read-only at ``point`` for the block (writes fail with EROFS)."""
    with bind(source, point):
        done = _run("mount", "-o", "remount,ro,bind", str(point))
        if done.returncode != 0:
            pytest.skip(f"a read-only remount is not permitted here: {done.stderr.strip()}")
        yield point


def is_mount_point(path: Path) -> bool:
    """True while a file system is mounted at ``path``."""
    return os.path.ismount(path)


def resize(point: Path, size: str) -> None:
    """Give the tmpfs at ``point`` a new size (room made, or taken away)."""
    done = _run("mount", "-o", f"remount,size={size}", str(point))
    assert done.returncode == 0, done.stderr
