"""A watch daemon on a thread of its own, settings tuned for tests, and what the ledger saw.

Nothing here sleeps for a fixed time: every wait is for a condition
(:func:`tests.support.waiting.wait_for`), failing with a message when it does not come in time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from provenance.settings import Settings, WatchRootConfig
from provenance.store import Ledger
from provenance.watchers import WatchDaemon
from tests.support.files import unique_bytes
from tests.support.waiting import wait_for


def fast_settings(ledger_url: str, **changes: object) -> Settings:
    """Settings tuned for tests: short settle, delete delay and heartbeat; no periodic reconcile."""
    base = Settings(
        db=ledger_url,
        workers=2,
        watch_settle=0.3,
        watch_network_settle=0.3,
        watch_delete_delay=0.5,
        watch_heartbeat=0.5,
        watch_poll_interval=0.5,
        watch_reconcile_interval=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def present(ledger: Ledger, root: Path) -> set[str]:
    """Paths the ledger believes present below ``root``."""
    return set(ledger.locations.under(str(root)))


def event_types(ledger: Ledger, path: Path | str) -> list[str]:
    """Types of the events recorded at ``path``, in order."""
    return [e.type for e in ledger.events.list() if e.path == str(path)]


class Running:
    """A daemon running on a thread of its own, as ``provenance watch`` runs it."""

    def __init__(self, daemon: WatchDaemon) -> None:
        self.daemon = daemon
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="test-daemon", daemon=True)

    def _run(self) -> None:
        try:
            self.daemon.run()
        except BaseException as exc:
            self.error = exc

    def root_state(self, root: Path) -> str | None:
        """The daemon's state for one root."""
        status = self.daemon.state.root(str(root))
        return None if status is None else status.state

    def settled(self, timeout: float = 30.0) -> None:
        """Wait until the daemon has nothing queued, settling or reconciling."""
        wait_for(self.daemon.idle, timeout, "the daemon to become idle")

    def stop(self) -> None:
        """Drain and stop, and re-raise whatever made the daemon fail."""
        self.daemon.request_stop()
        self.thread.join(90)
        assert not self.thread.is_alive(), "the daemon did not stop"
        if self.error is not None:
            raise self.error


@contextmanager
def running(
    ledger: Ledger, settings: Settings, roots: list[Path], *, modes: str = "auto", **kw: object
) -> Iterator[Running]:
    """Run a daemon on ``roots`` until the block ends; wait until every root is watched."""
    configs = [WatchRootConfig(path=str(r), mode=modes) for r in roots]  # type: ignore[arg-type]
    handle = Running(WatchDaemon(ledger, settings, configs, **kw))  # type: ignore[arg-type]
    handle.thread.start()
    try:
        for root in roots:
            wait_for(_watching_or_failed(handle, root), 20, f"{root} to be watched")
            if handle.error is not None:
                raise handle.error
        handle.settled()
        yield handle
    finally:
        handle.stop()


def _watching_or_failed(handle: Running, root: Path) -> Callable[[], bool]:
    return lambda: handle.error is not None or handle.root_state(root) == "watching"


def write_files(folder: Path, prefix: str, count: int) -> set[str]:
    """``count`` files with unique content; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = set()
    for n in range(count):
        path = folder / f"{prefix}.{n:04d}.bin"
        path.write_bytes(unique_bytes(f"{prefix}{n}"))
        paths.add(str(path))
    return paths
