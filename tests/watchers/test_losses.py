"""Lost events are noticed and reconciled: inotify overflow, a dead observer, a full queue."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from watchdog.observers.inotify_c import InotifyConstants, InotifyEvent, WatchDescriptor

from provenance.store import Ledger
from tests.support.waiting import wait_for
from tests.watchers.daemons import Running, fast_settings, present, running, write_files


def _overflow(daemon: Running) -> None:
    """Make watchdog's inotify reader meet an IN_Q_OVERFLOW, exactly as the kernel sends it."""
    watcher = daemon.daemon.supervisor.watchers()[0]
    reader = watcher.observer._inotify_fd  # type: ignore[attr-defined]
    reader.handle_event(InotifyEvent(WatchDescriptor(-1), InotifyConstants.IN_Q_OVERFLOW, 0, b""))


def test_inotify_overflow_is_noticed_and_reconciled(
    root: Path, ledger: Ledger, ledger_url: str, deaf_handlers: threading.Event
) -> None:
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        deaf_handlers.clear()
        lost = write_files(root / "lost", "lost", 50)
        _drained(daemon)  # every event of the lost files was dropped
        deaf_handlers.set()
        _overflow(daemon)
        wait_for(lambda: present(ledger, root) == lost, message="the lost files, reconciled")
        wait_for(lambda: daemon.daemon.state.counts()["losses"] >= 1, message="a loss counted")
        wait_for(lambda: daemon.daemon.state.counts()["reconciles"] >= 2, message="reconciled")


def _drained(daemon: Running) -> None:
    watcher = daemon.daemon.supervisor.watchers()[0]
    settled_for = [0]

    def quiet_a_while() -> bool:
        settled_for[0] = settled_for[0] + 1 if watcher.quiet() else 0
        return settled_for[0] >= 10  # half a second without an undelivered event

    wait_for(quiet_a_while, message="the observer to deliver (and drop) every event")


def test_dead_observer_thread_is_restarted_and_reconciled(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(threading, "excepthook", lambda _args: None)  # the death is the point
    with running(ledger, fast_settings(ledger_url), [root]) as daemon:
        watcher = daemon.daemon.supervisor.watchers()[0]
        emitter = next(iter(watcher.observer.emitters))

        def crash(*_args: object, **_kw: object) -> None:
            raise KeyError("wd")  # what an inotify emitter raised under churn (#811)

        emitter.queue_events = crash  # type: ignore[method-assign]
        first = write_files(root, "wake", 1)  # the emitter reads this event, then dies
        wait_for(lambda: not emitter.is_alive(), message="the emitter to die")
        later = write_files(root / "while_dead", "dead", 30)
        wait_for(lambda: present(ledger, root) == first | later, message="everything, reconciled")
        counts = daemon.daemon.state.counts()
        assert daemon.daemon.supervisor.watchers()[0] is not watcher
    assert counts["observer_restarts"] >= 1


def test_full_queue_makes_the_watcher_wait_then_reconcile(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fast_settings(ledger_url, watch_queue_size=8)
    with running(ledger, settings, [root]) as daemon:
        pipeline = daemon.daemon.pipeline
        flowing = threading.Event()
        real_step = pipeline.settle_step

        def stuck(stop: threading.Event) -> None:
            flowing.wait(0.1)  # downstream stalls: nothing leaves the hint queue
            if flowing.is_set():
                real_step(stop)

        settler = next(loop for loop in daemon.daemon._loops if loop.name.endswith("settler"))
        monkeypatch.setattr(settler, "_step", stuck)
        burst = write_files(root / "burst", "f", 200)
        wait_for(lambda: daemon.daemon.state.counts()["losses"] >= 1, message="a loss reported")
        flowing.set()
        wait_for(lambda: present(ledger, root) == burst, 60, "every file despite the full queue")


def test_an_observer_that_keeps_dying_makes_the_daemon_fail(
    root: Path, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.errors import WatchFailed
    from provenance.watchers.observers import Watcher

    with (
        pytest.raises(WatchFailed, match="died 6 times"),
        running(ledger, fast_settings(ledger_url), [root]) as daemon,
    ):
        monkeypatch.setattr(Watcher, "alive", lambda _self: False)
        wait_for(lambda: not daemon.thread.is_alive(), message="the daemon to give up")
    (record,) = ledger.daemons.list()
    assert record.state["phase"] == "failed"
