"""The recorder: examined files and deletions into the ledger, whatever the ledger does.

One thread records, in batches: whatever has arrived when it wakes (up to
``batch_size``) goes into one transaction. Two kinds of trouble are told
apart:

* **The ledger is away** (:class:`~provenance.errors.LedgerUnavailable`:
  PostgreSQL restarting, the network cut). The same batch is retried with
  back-off, up to a minute apart; the daemon is ``degraded`` meanwhile, and
  the queues behind the recorder fill and make the watchers wait, then
  reconcile. When the ledger answers again the daemon reconciles every root,
  so nothing that happened meanwhile is lost.
* **One item cannot be recorded** (anything else). The batch is split and
  recorded item by item, so one poison file (say, a name the database cannot
  store) is logged and counted and never blocks the files around it.

The batches are one run of the ledger's for the daemon's life
(:meth:`~provenance.store.Ledger.recording`): a burst of identical frames
over hours of batches loads and looks at each earlier copy once, not once a
batch. That run trusts a copy below a watched root while the daemon's events
say nothing of it; so every deletion and every move's source is told to it
(:meth:`Recorder.vanished`) as the settler takes the hint, before the move's
new name can be recorded, and every reconcile request makes it forget
(:meth:`Recorder.forget_copies`).

Deletions are recorded only where the root is still there: a root that went
away is ``unavailable``, and nothing below it is recorded removed (WATCHING.md
1.5, point 8).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from provenance.errors import LedgerUnavailable
from provenance.ingest.record import Examined, IngestResult, record_examined
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.watchers.queue import BoundedQueue
from provenance.watchers.state import DaemonState

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 60.0
LINGER = 0.05  # wait this long for more files to share a transaction
MAX_RETRIES = 3  # a file that fails to read this often is given up (until it changes)


@dataclass(frozen=True)
class Removal:
    """Deleted files, and folders whose files the ledger may still think present."""

    files: tuple[str, ...]
    folders: tuple[str, ...]


@dataclass(frozen=True)
class RecorderHooks:
    """How the recorder talks back to the daemon."""

    gone: Callable[[str], bool]  # is this path really gone (and its root still there)?
    exists: Callable[[str], bool]  # for the ledger's move detection
    landed: Callable[[int], None]  # n items left the pipeline
    retry: Callable[[str], bool]  # let an unreadable file settle again
    ledger_back: Callable[[], None]  # the ledger answered again after failing
    recorded: Callable[[IngestResult], None] = lambda _result: None
    # Paths whose vanishing the daemon is told of (its roots' events): a copy of a
    # content there that was found at its place is not looked at again (store.copies).
    watched: Callable[[str], bool] = lambda _path: False


class Recorder:
    """Records batches of examined files, and deletions, retrying while the ledger is away."""

    def __init__(
        self, ledger: Ledger, settings: Settings, state: DaemonState, hooks: RecorderHooks
    ) -> None:
        self.queue: BoundedQueue[Examined | Removal] = BoundedQueue(settings.batch_size * 4)
        self._ledger = ledger
        self._run = ledger.recording(hooks.exists, hooks.watched)
        self._batch_size = max(1, settings.batch_size)
        self._state = state
        self.hooks = hooks
        self._down = False
        self._attempts: dict[str, int] = {}

    def put(self, item: Examined | Removal, stop: threading.Event) -> bool:
        """Queue an item for recording (waiting for room); False if stopped first."""
        return self.queue.put_until(item, stop)

    def step(self, stop: threading.Event) -> None:
        """Record what has arrived: files in batches, deletions in order between them."""
        batch: list[Examined] = []
        for item in self.queue.get_many(0.5, self._batch_size, LINGER):
            if isinstance(item, Removal):
                self._files(batch, stop)
                batch = []
                self._removal(item, stop)
            else:
                batch.append(item)
        self._files(batch, stop)

    # -- what the daemon's events say of copies ----------------------------------

    def vanished(self, path: str) -> None:
        """A file was deleted or moved away (from any thread): its copy needs a look again."""
        self._run.vanished(path)

    def vanished_below(self, folder: str) -> None:
        """A folder was deleted or moved away (from any thread)."""
        self._run.vanished_below(folder)

    def forget_copies(self) -> None:
        """Events may have been lost (from any thread): look at every copy again."""
        self._run.forget()

    # -- files ------------------------------------------------------------------

    def _files(self, batch: list[Examined], stop: threading.Event) -> None:
        if not batch:
            return
        results = self._retrying(lambda: self._resilient(batch), stop)
        if results is None:
            log.warning("stopping with %d files unrecorded; the next start reconciles", len(batch))
        for result in results or []:
            self._account(result)
        self.hooks.landed(len(batch))

    def _resilient(self, batch: list[Examined]) -> list[IngestResult]:
        try:
            return record_examined(batch, self._run)
        except LedgerUnavailable:
            raise
        except Exception:  # one poison item must not block the others
            if len(batch) == 1:
                log.exception("cannot record %s; skipped", batch[0].path)
                self._state.count("errors")
                return []
            return [r for item in batch for r in self._resilient([item])]

    def _account(self, result: IngestResult) -> None:
        path = str(result.path)
        if result.outcome == "skipped":
            self._unreadable(path, result.error)
            return
        self._attempts.pop(path, None)
        self._state.count("ingested")
        self._state.count(result.outcome)
        if result.verdict == "unreadable":
            self._state.count("unreadable")
        self.hooks.recorded(result)

    def _unreadable(self, path: str, error: str | None) -> None:
        tries = self._attempts[path] = self._attempts.get(path, 0) + 1
        if tries < MAX_RETRIES and os.path.lexists(path) and self.hooks.retry(path):
            return
        self._attempts.pop(path, None)
        self._state.count("skipped")
        log.warning("not ingested: %s (%s)", path, error or "unreadable")

    # -- deletions ----------------------------------------------------------------

    def _removal(self, removal: Removal, stop: threading.Event) -> None:
        def record() -> int:
            gone = [path for path in removal.files if self.hooks.gone(path)]
            for folder in removal.folders:
                below = self._ledger.locations.under(folder)
                gone += [path for path in below if self.hooks.gone(path)]
            return self._ledger.record_removed(gone) if gone else 0

        removed = self._retrying(record, stop)
        self._state.count("removed", removed or 0)
        self.hooks.landed(1)

    # -- the ledger going away ------------------------------------------------------

    def _retrying(self, action: Callable[[], T], stop: threading.Event) -> T | None:
        delay = FIRST_BACKOFF
        while True:
            try:
                result = action()
            except LedgerUnavailable as exc:
                self._ledger_down(exc)
                if stop.wait(delay):
                    return None
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            self._ledger_up()
            return result

    def _ledger_down(self, exc: LedgerUnavailable) -> None:
        if not self._down:
            log.warning("ledger unreachable, retrying with back-off: %s", exc.message)
        self._down = True
        self._state.degrade("ledger", f"ledger unreachable: {exc.what}")

    def _ledger_up(self) -> None:
        if self._down:
            self._down = False
            self._state.degrade("ledger", None)
            log.warning("ledger reachable again; reconciling every root")
            self.hooks.ledger_back()
