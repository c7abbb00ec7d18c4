"""Bounded queues between the daemon's threads.

Every hand-over between threads (observer → settler → workers → recorder)
goes through a bounded queue, so that a burst of 100,000 frames or a ledger
outage cannot grow memory without limit. A full queue makes its producer
wait (back-pressure). Only the observer's handler may not wait for long,
because the kernel keeps queueing events behind it; when its wait times
out it reports the loss, and the daemon reconciles the root instead. So a
full queue never loses a change: it turns many hints into one reconcile.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


class BoundedQueue(Generic[T]):
    """A FIFO of at most ``maxsize`` items, safe between threads."""

    def __init__(self, maxsize: int) -> None:
        self._queue: queue.Queue[T] = queue.Queue(maxsize=max(1, maxsize))

    def __len__(self) -> int:
        return self._queue.qsize()

    def put(self, item: T, timeout: float | None = None) -> bool:
        """Add ``item``, waiting up to ``timeout`` seconds for room; False when there was none."""
        try:
            self._queue.put(item, timeout=timeout)
        except queue.Full:
            return False
        return True

    def put_until(self, item: T, stop: threading.Event, step: float = 0.25) -> bool:
        """Add ``item``, waiting as long as it takes unless ``stop`` is set; False if stopped."""
        while not stop.is_set():
            if self.put(item, timeout=step):
                return True
        return False

    def get(self, timeout: float) -> T | None:
        """The next item, or None when none came within ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def get_many(self, timeout: float, limit: int, linger: float = 0.0) -> list[T]:
        """Up to ``limit`` items: wait for the first, then take what comes within ``linger``."""
        first = self.get(timeout)
        if first is None:
            return []
        items, until = [first], time.monotonic() + linger
        while len(items) < limit:
            try:
                items.append(self._queue.get(timeout=max(0.0, until - time.monotonic())))
            except queue.Empty:
                break
        return items
