"""Observers: watchdog's threads for one root, started, checked and stopped in one place.

Each root gets its own observer (its backend's: see :mod:`.backends`; polling
with the root's interval), so that one root's failure or restart never
disturbs another.

watchdog's threads can die quietly: an emitter raising ``KeyError`` under
heavy churn while the observer thread lives on (code-review-graph #811), or
an observer stopping for no stated reason (watchdog #663). So
:meth:`Watcher.alive` checks the observer, every emitter, and (where the
backend is inotify) the inotify reader thread; the supervisor asks every
second, restarts a dead watcher, then reconciles the root.

watchdog also says nothing to its user when the kernel's inotify queue
overflows and events are lost (WATCHING.md 1.2), nor when a folder created
after the start cannot be watched because the inotify watches ran out (it
leaves that folder unwatched, and the files written there unseen). The one
place it says either is a warning in its own log, so :class:`InotifyListener`
listens there (when the backend is inotify) and reports a loss, which the
daemon answers with a reconcile, or a refused folder, which makes the daemon
poll that root instead.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
)

from provenance.watchers.backends import Backend
from provenance.watchers.handler import HintHandler

if TYPE_CHECKING:
    # Importing any of watchdog.observers imports the platform's native backend.
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

INOTIFY_LOGGER = "watchdog.observers.inotify_c"  # the reader: "queue overflowed"
EMITTER_LOGGER = "watchdog.observers.inotify"  # the emitter: "Unable to watch <folder>: <error>"
# What watchdog logs, and goes on without, when a new folder cannot be watched.
OUT_OF_WATCHES = frozenset({errno.ENOSPC, errno.EMFILE})

# What the handler uses. Asking inotify for nothing else spares a burst half its
# events, and keeps the daemon's own reads (open, close without writing) out of them.
NATIVE_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]  # fmt: skip
JOIN_TIMEOUT = 10.0


@dataclass
class Watcher:
    """A running observer for one root, its backend, and the root's identity when it started."""

    root: str
    observer: BaseObserver
    identity: tuple[int, int]
    backend: Backend

    def threads(self) -> list[threading.Thread]:
        """The observer's thread, its emitters, and its inotify reader where it has one."""
        threads: list[threading.Thread] = [self.observer, *self.observer.emitters]
        if not self.backend.is_inotify:
            return threads
        reader = getattr(self.observer, "_inotify_fd", None)  # watchdog internals: best effort
        if isinstance(reader, threading.Thread):
            threads.append(reader)
        return threads

    def alive(self) -> bool:
        """True while every one of the observer's threads runs."""
        return all(thread.is_alive() for thread in self.threads())

    def quiet(self) -> bool:
        """True when watchdog holds no event that its handler has not been given yet."""
        return self.observer.event_queue.empty()

    def stop(self) -> None:
        """Stop the observer and wait (a bounded time) for its threads."""
        try:
            self.observer.stop()
        except (OSError, RuntimeError, KeyError) as exc:  # a dead emitter can fail to stop cleanly
            log.debug("stopping the observer of %s: %s", self.root, exc)
        for thread in self.threads():
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(JOIN_TIMEOUT)


def root_identity(path: str) -> tuple[int, int]:
    """(device, inode) of a root folder: a root replaced or remounted gets a new one."""
    info = Path(path).stat()
    return info.st_dev, info.st_ino


def start_watcher(handler: HintHandler) -> Watcher:
    """Start watching ``handler.root`` with its backend. Raises OSError when it cannot."""
    root = handler.root
    path = str(root.path)
    identity = root_identity(path)
    observer = root.backend.observer(root.interval)
    watcher = Watcher(path, observer, identity, root.backend)
    events = NATIVE_EVENTS if root.backend.is_inotify else None
    try:
        observer.schedule(handler, path, recursive=True, event_filter=events)
        observer.start()
    except BaseException:
        watcher.stop()
        raise
    return watcher


class InotifyListener(logging.Handler):
    """Hears watchdog's inotify warnings: a queue overflow, and a folder left unwatched.

    Attach it only where the backend is inotify: no other backend logs there.
    ``on_refused`` gets the folder and why (the watches ran out).
    """

    def __init__(
        self, on_overflow: Callable[[], None], on_refused: Callable[[str, str], None]
    ) -> None:
        super().__init__(level=logging.WARNING)
        self._on_overflow = on_overflow
        self._on_refused = on_refused

    def emit(self, record: logging.LogRecord) -> None:
        """Report a loss for any overflow warning, a refused folder for an unwatched one."""
        refused = _refused_folder(record)
        if refused is not None:
            self._on_refused(*refused)
        elif "overflow" in record.getMessage().lower():
            self._on_overflow()

    def attach(self) -> None:
        """Start listening to watchdog's inotify logs."""
        for name in (INOTIFY_LOGGER, EMITTER_LOGGER):
            logging.getLogger(name).addHandler(self)

    def detach(self) -> None:
        """Stop listening."""
        for name in (INOTIFY_LOGGER, EMITTER_LOGGER):
            logging.getLogger(name).removeHandler(self)


def _refused_folder(record: logging.LogRecord) -> tuple[str, str] | None:
    """(folder, why) of watchdog's "Unable to watch %r: %s" for lack of watches; else None."""
    args = record.args
    if not isinstance(args, tuple) or len(args) != 2:
        return None
    folder, error = args
    if not isinstance(error, OSError) or error.errno not in OUT_OF_WATCHES:
        return None
    if not isinstance(folder, bytes | str):
        return None
    return os.fsdecode(folder), error.strerror or str(error)
