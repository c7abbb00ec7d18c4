"""The pipeline from hints to ledger rows, off the observer's thread.

::

    handler ──hints──▶ settler ──settled paths──▶ workers ──examined──▶ recorder ──▶ Ledger
                        │  (SettleTracker,          (examine: hash +      (batches, retries
                        │   DeleteBuffer)            classify, N threads)  while the ledger
                        └──────────── removals ─────────────────────────▶  is away)

* The **settler** (one thread) owns the settle tracker and the delete
  buffer: it applies hints, and passes on files that have settled and
  deletions whose delay has passed.
* **Workers** (``workers`` threads; hashing releases the GIL) check each
  path is still a regular file and :func:`~provenance.ingest.record.examine` it.
* The **recorder** (one thread) gathers examined files into batches, so that
  the many frames of a render land in a few transactions, and records them
  with :func:`~provenance.ingest.record.record_examined` (see :mod:`.worker`).

Every hand-over is a bounded queue that makes its producer wait when full.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from provenance.files.walk import Skipped, check_file, walk
from provenance.ingest.record import Examined, examine
from provenance.settings import Settings
from provenance.util.guard import WorkerStartFailed
from provenance.watchers.hints import Hint
from provenance.watchers.queue import BoundedQueue
from provenance.watchers.roots import RootSpec
from provenance.watchers.settle import DeleteBuffer, SettleTracker
from provenance.watchers.state import DaemonState
from provenance.watchers.worker import Recorder, Removal

log = logging.getLogger(__name__)

HINTS_PER_STEP = 4096
IDLE_WAIT = 0.5


class Roots(Protocol):
    """What the pipeline needs to know of the watched roots (kept by the supervisor)."""

    def spec(self, root: str) -> RootSpec | None:
        """The root watched at ``root``, if it still is."""

    def root_gone(self, root: str) -> None:
        """The observer saw the root itself vanish."""

    def root_of(self, path: str) -> str | None:
        """The watched root ``path`` is under, if any."""


class Pipeline:
    """Queues, settle tracker and delete buffer, and the steps of the threads that work them."""

    def __init__(
        self, settings: Settings, host: str, roots: Roots, recorder: Recorder, state: DaemonState
    ) -> None:
        self.settings = settings
        self.hints: BoundedQueue[Hint] = BoundedQueue(settings.watch_queue_size)
        self.files: BoundedQueue[str] = BoundedQueue(settings.watch_queue_size)
        self.tracker = SettleTracker()
        self.deletes = DeleteBuffer(settings.watch_delete_delay)
        self._host = host
        self._roots = roots
        self._recorder = recorder
        self._state = state
        self._flight = 0  # paths (and removals) handed on and not yet recorded or dropped
        self.final = threading.Event()  # stopping: record deletions without waiting
        self._lock = threading.Lock()

    # -- state seen by the supervisor ---------------------------------------------

    def idle(self) -> bool:
        """True when nothing is queued, settling, being examined or being recorded."""
        with self._lock:
            flying = self._flight
        return not (flying or len(self.hints) or len(self.tracker) or len(self.files))

    def drained(self) -> bool:
        """Idle, and no deletion waits either."""
        return self.idle() and not len(self.deletes)

    def depth(self) -> dict[str, int]:
        """How much waits at each stage (for heartbeats)."""
        with self._lock:
            flying = self._flight
        return {
            "hints": len(self.hints),
            "settling": len(self.tracker),
            "examining": flying,
            "deletes": len(self.deletes),
        }

    def landed(self, n: int) -> None:
        """``n`` paths left the pipeline (recorded, or dropped with a reason)."""
        with self._lock:
            self._flight -= n

    # -- settler ----------------------------------------------------------------

    def settle_step(self, stop: threading.Event) -> None:
        """Apply waiting hints; pass on settled files and due deletions."""
        for hint in self.hints.get_many(self._wait(), HINTS_PER_STEP):
            self._apply(hint, time.monotonic())
        now = time.monotonic()
        for path in self.tracker.due(now):
            with self._lock:
                self._flight += 1
            if not self.files.put_until(path, stop):
                return
        files, folders = self.deletes.due(now, self.idle(), self.final.is_set())
        if files or folders:
            with self._lock:
                self._flight += 1
            if not self._recorder.put(Removal(tuple(files), tuple(folders)), stop):
                self.landed(1)

    def _wait(self) -> float:
        deadline = self.tracker.next_deadline()
        if deadline is None:
            return 0.05 if len(self.deletes) else IDLE_WAIT
        return min(IDLE_WAIT, max(0.0, deadline - time.monotonic()))

    def _apply(self, hint: Hint, now: float) -> None:
        self._state.count("events")
        root = self._roots.spec(hint.root)
        if root is None:
            return
        if hint.kind in ("changed", "closed", "written"):
            self.deletes.cancel(hint.path)
            track = {
                "changed": self.tracker.changed,
                "closed": self.tracker.closed,
                "written": self.tracker.written,
            }[hint.kind]
            track(hint.path, root.settle, now)
        elif hint.kind == "deleted":
            self.tracker.forget(hint.path)
            self.deletes.file(hint.path, now)
            self._recorder.vanished(hint.path)  # before the move's new name is recorded
        elif hint.kind == "folder_new":
            self._folder_appeared(root, hint.path, now)
        elif hint.kind == "folder_gone":
            self.deletes.folder(hint.path, now)
            self._recorder.vanished_below(hint.path)
        else:
            self._roots.root_gone(hint.root)

    def _folder_appeared(self, root: RootSpec, folder: str, now: float) -> None:
        # inotify(7): files can land in a new folder before its watch exists; look at them all.
        for item in walk([Path(folder)], replace(self.settings, ignore=root.ignore)):
            if not isinstance(item, Skipped) and str(item) not in self.tracker:
                self.deletes.cancel(str(item))
                self.tracker.changed(str(item), root.settle, now)

    # -- workers ----------------------------------------------------------------

    def work_step(self, stop: threading.Event) -> None:
        """Examine one settled file and hand it to the recorder."""
        path = self.files.get(IDLE_WAIT)
        if path is None:
            return
        try:
            examined = self._examine(path)
        except WorkerStartFailed:
            # No fault of the file's: no reader could start (memory, process
            # limits). It settles again and waits its turn; the loop pauses.
            self._again(path)
            self.landed(1)
            raise
        except BaseException:
            self.landed(1)
            raise
        if examined is None or not self._recorder.put(examined, stop):
            self.landed(1)

    def _examine(self, path: str) -> Examined | None:
        checked = check_file(Path(path), self.settings)
        if isinstance(checked, Skipped):
            log.debug("not ingesting %s: %s", path, checked.reason)
            self._state.count("skipped")
            return None
        return examine(checked, self.settings, self._host)

    def _again(self, path: str) -> None:
        root = self._roots.root_of(path)
        if root is None or not self.retry(root, path):
            log.warning("%s waits for the next reconcile: its examination could not start", path)

    def retry(self, root: str, path: str) -> bool:
        """Let a file that could not be read (it changed while hashed) settle again."""
        return self.hints.put(Hint("changed", root, path), timeout=1.0)
