"""Settling: deciding that a file is complete before it is hashed.

A file appears long before it is finished (a render writing a 2 GB EXR, a
copy from a share), and a hash of a partial file would describe content that
never existed as a whole. So a file is ingested only once it has *settled*:

* **closed after writing** (inotify ``IN_CLOSE_WRITE``, which watchdog
  reports as ``FileClosedEvent`` on Linux only): the writer says it is done.
  The file is taken after a short grace in which it must not change again.
* **written to and not closed yet** (inotify ``IN_MODIFY``, with no
  ``IN_CLOSE_WRITE`` since): the writer still holds it open, however long
  it pauses (a renderer between tiles, a copy from a stalled share). It
  waits for the close; only a writer silent for :data:`OPEN_CEILING` with
  the file unchanged has it taken as it is.
* **otherwise**, its size and mtime are the same in two ``stat`` calls a
  settle window apart. The window is longer on network mounts, whose
  attribute caches can show a stale size or mtime for up to a minute
  (nfs(5); WATCHING.md 1.5, point 5).

A file that keeps changing never settles, however long that takes (a steady
stream of *other* files never delays it: each file has its own deadline).

Deletions wait too (:class:`DeleteBuffer`): a file deleted and re-created
elsewhere with the same content is one move, and the ledger can only record
it as such if the re-created file is recorded before the deletion. So a
deletion is recorded only after ``watch_delete_delay`` seconds *and* once
nothing else is waiting to be ingested (or after ten delays, so that a
never-ending burst cannot hold deletions back forever).
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable
from dataclasses import dataclass

from provenance.files.hashing import FileStamp

# After a close-after-write, the file must stay unchanged this long.
CLOSE_GRACE = 0.2
# A deletion is recorded at the latest after this many delays, even while busy.
DELETE_CEILING = 10
# Seconds a file written to and still open (no close seen) waits, unchanged, before it is
# taken anyway: a writer that holds a file open and silent that long has stalled or is a
# log, and a writer that dies closes its files (the kernel does), which ends the wait.
OPEN_CEILING = 300.0

Stat = Callable[[str], os.stat_result]


@dataclass
class _Pending:
    """A file waiting to settle."""

    stamp: FileStamp
    settle: float
    deadline: float
    open: bool = False  # written to through a descriptor whose close has not come yet

    def window(self) -> float:
        """How long the file must stay unchanged from now on to have settled."""
        return max(self.settle, OPEN_CEILING) if self.open else self.settle


class SettleTracker:
    """Files waiting to settle, each with the deadline of its next check.

    Not thread-safe: one thread (the settler) owns it. ``stat`` is a seam for
    tests.
    """

    def __init__(self, stat: Stat = os.stat, close_grace: float = CLOSE_GRACE) -> None:
        self._stat = stat
        self._grace = close_grace
        self._pending: dict[str, _Pending] = {}
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, path: str) -> bool:
        return path in self._pending

    def changed(self, path: str, settle: float, now: float) -> None:
        """The file was written to: check again ``settle`` seconds from now."""
        pending = self._pending.get(path)
        if pending is None:
            self._track(path, settle, now + settle)
            return
        # Already known: only push the check back (a large write sends thousands of these).
        pending.settle, pending.deadline = settle, now + pending.window()
        heapq.heappush(self._heap, (pending.deadline, path))

    def written(self, path: str, settle: float, now: float) -> None:
        """The file was written through a descriptor still open: wait for its close."""
        pending = self._pending.get(path)
        if pending is None:
            self._track(path, settle, now + max(settle, OPEN_CEILING), open_=True)
            return
        pending.open = True
        self.changed(path, settle, now)

    def closed(self, path: str, settle: float, now: float) -> None:
        """The writer closed the file: take it after a short grace unless it changes."""
        self._track(path, settle, now + min(self._grace, settle))

    def forget(self, path: str) -> None:
        """Stop tracking ``path`` (it was deleted or moved away)."""
        self._pending.pop(path, None)

    def next_deadline(self) -> float | None:
        """When the earliest pending check is due, if any."""
        while self._heap and self._is_stale(self._heap[0]):
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def due(self, now: float) -> list[str]:
        """Files that have settled by ``now``; files that changed again get a new deadline."""
        ready = []
        while self._heap and self._heap[0][0] <= now:
            entry = heapq.heappop(self._heap)
            if self._is_stale(entry):
                continue
            path = entry[1]
            if self._settled(path, self._pending[path], now):
                del self._pending[path]
                ready.append(path)
        return ready

    def _track(self, path: str, settle: float, deadline: float, *, open_: bool = False) -> None:
        stamp = self._stamp(path)
        if stamp is None:
            self.forget(path)
            return
        self._pending[path] = _Pending(stamp, settle, deadline, open_)
        heapq.heappush(self._heap, (deadline, path))

    def _settled(self, path: str, pending: _Pending, now: float) -> bool:
        stamp = self._stamp(path)
        if stamp is None:
            del self._pending[path]
            return False
        if stamp == pending.stamp:
            return True
        pending.stamp, pending.deadline = stamp, now + pending.window()
        heapq.heappush(self._heap, (pending.deadline, path))
        return False

    def _stamp(self, path: str) -> FileStamp | None:
        try:
            return FileStamp.of(self._stat(path))
        except OSError:  # gone, or its root went away: the delete or root hint handles it
            return None

    def _is_stale(self, entry: tuple[float, str]) -> bool:
        pending = self._pending.get(entry[1])
        return pending is None or pending.deadline != entry[0]


class DeleteBuffer:
    """Deleted files and folders waiting to be recorded as removed."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._files: dict[str, float] = {}
        self._folders: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._files) + len(self._folders)

    def file(self, path: str, now: float) -> None:
        """``path`` was deleted (or moved away) at ``now``."""
        self._files.setdefault(path, now)

    def folder(self, path: str, now: float) -> None:
        """The folder ``path`` was deleted (or moved away) at ``now``."""
        self._folders.setdefault(path, now)

    def cancel(self, path: str) -> None:
        """A file appeared again at ``path``: it is not deleted after all."""
        self._files.pop(path, None)

    def due(self, now: float, idle: bool, final: bool = False) -> tuple[list[str], list[str]]:
        """(files, folders) whose delay has passed, if idle or held back too long; all if final."""
        limit = 0.0 if final else self.delay if idle else self.delay * DELETE_CEILING
        return _take(self._files, now, limit), _take(self._folders, now, limit)


def _take(waiting: dict[str, float], now: float, limit: float) -> list[str]:
    ready = [path for path, since in waiting.items() if now - since >= limit]
    for path in ready:
        del waiting[path]
    return ready
