"""The event handler: turns watchdog's events into hints, and does nothing else.

It runs on watchdog's dispatch thread, so it must be quick and must never
raise: an exception there kills event delivery for good (watchdog #427,
#793). It filters ignored names, translates each event into one or two
:class:`~provenance.watchers.hints.Hint` items, and puts them on the bounded
hint queue. When that queue stays full it reports a loss instead of waiting
forever, and the daemon reconciles the root (see :mod:`.queue`).

How events map to hints:

* created → ``changed``; closed after writing → ``closed``; modified →
  ``written`` where the backend is inotify (the writer holds the file open,
  and its close will come: see :mod:`.settle`), ``changed`` elsewhere;
* moved → ``deleted`` for the source and ``closed`` for the destination (a
  finished temp-then-rename save is complete under its final name; the
  ledger records the pair as one ``moved`` event);
* deleted → ``deleted``; folder created or moved in → ``folder_new``;
  folder deleted or moved out → ``folder_gone``; the root itself deleted →
  ``root_gone``;
* opened, closed without writing, attribute changes → nothing (reading a
  file to hash it must not make it look changed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

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
    FileSystemEventHandler,
)

from provenance.watchers.hints import Hint, HintKind
from provenance.watchers.queue import BoundedQueue
from provenance.watchers.roots import RootSpec

log = logging.getLogger(__name__)

# How long the handler waits for room in a full queue before it reports a loss.
PUT_TIMEOUT = 1.0

LossCallback = Callable[[str, str], None]  # (root, why)


class HintHandler(FileSystemEventHandler):
    """Puts hints about one root's events on the daemon's hint queue."""

    def __init__(
        self,
        root: RootSpec,
        hints: BoundedQueue[Hint],
        on_loss: LossCallback,
        on_error: Callable[[], None],
    ) -> None:
        self.root = root
        self._hints = hints
        self._on_loss = on_loss
        self._on_error = on_error
        self._root_path = str(root.path)
        self._closes = root.backend.is_inotify  # only inotify says when a writer closes

    def dispatch(self, event: FileSystemEvent) -> None:
        """Translate and enqueue; log and count any error, never raise."""
        try:
            for hint in self.hints_for(event):
                if not self._hints.put(hint, timeout=PUT_TIMEOUT):
                    self._on_loss(self._root_path, "event queue full")
                    return
        except Exception:  # an escaping error would stop all event delivery
            log.exception("error handling %r; delivery continues", event)
            self._on_error()

    def hints_for(self, event: FileSystemEvent) -> Iterator[Hint]:
        """The hints one event gives (none for events that say nothing about content)."""
        src = _text(event.src_path)
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            yield from self._moved(event, src, _text(event.dest_path))
        elif isinstance(event, FileClosedEvent):
            yield from self._hint("closed", src)
        elif isinstance(event, FileModifiedEvent):
            yield from self._hint("written" if self._closes else "changed", src)
        elif isinstance(event, FileCreatedEvent):
            yield from self._hint("changed", src)
        elif isinstance(event, FileDeletedEvent):
            yield from self._hint("deleted", src)
        elif isinstance(event, DirCreatedEvent):
            yield from self._hint("folder_new", src)
        elif isinstance(event, DirDeletedEvent):
            yield from self._hint("root_gone" if src == self._root_path else "folder_gone", src)

    def _moved(self, event: FileSystemEvent, src: str, dest: str) -> Iterator[Hint]:
        folder = event.is_directory
        if src:
            yield from self._hint("folder_gone" if folder else "deleted", src)
        if dest:
            yield from self._hint("folder_new" if folder else "closed", dest)

    def _hint(self, kind: HintKind, path: str) -> Iterator[Hint]:
        if kind == "root_gone" or not self.root.ignores(path):
            yield Hint(kind, self._root_path, path)


def _text(path: bytes | str) -> str:
    return os.fsdecode(path) if isinstance(path, bytes) else path
