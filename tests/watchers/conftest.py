"""Fixtures for the watch daemon's tests: a folder to watch, daemon threads that end, deaf handlers.

The helpers (a daemon on a thread, test settings, what the ledger saw) are in
:mod:`tests.watchers.daemons`; waits are :func:`tests.support.waiting.wait_for`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.watchers.handler import HintHandler
from tests.support.waiting import wait_for

DAEMON_THREADS = ("provenance-", "Thread-")  # ours, and watchdog's unnamed ones


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty folder to watch."""
    folder = tmp_path / "watched"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def _daemon_threads_end() -> Iterator[None]:
    """Every thread a test's daemon started (ours and watchdog's) has ended afterwards."""
    before = set(threading.enumerate())
    yield

    def leftovers() -> list[str]:
        return [
            t.name
            for t in threading.enumerate()
            if t not in before and t.is_alive() and t.name.startswith(DAEMON_THREADS)
        ]

    wait_for(lambda: not leftovers(), 15, f"daemon threads to end: {leftovers()}")


@pytest.fixture
def deaf_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """While the event is clear, every handler drops its events, as an overflowing kernel does."""
    hearing = threading.Event()
    hearing.set()
    real = HintHandler.dispatch

    def dispatch(self: HintHandler, event: object) -> None:
        if hearing.is_set():
            real(self, event)  # type: ignore[arg-type]

    monkeypatch.setattr(HintHandler, "dispatch", dispatch)
    yield hearing
