"""The reconciler thread: runs the reconciles that the supervisor asks for, one at a time.

Requests coalesce: ten losses reported for one root while it is being
reconciled make one more reconcile, not ten. A reconcile (see
:mod:`.reconcile`) ingests settled new files itself, through the same
:func:`~provenance.ingest.record.ingest_many` as ``provenance scan``; files still
being written and files gone from disk go to the pipeline as hints, so they
settle and wait like any other. Only a reconcile that ran to the end writes
the root's checkpoint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from provenance.errors import LedgerUnavailable
from provenance.ingest.record import ingest_many
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.watchers.hints import Hint, HintKind
from provenance.watchers.pipeline import Roots
from provenance.watchers.queue import BoundedQueue
from provenance.watchers.reconcile import ReconcilePlan, RootUnavailable, plan_reconcile
from provenance.watchers.state import DaemonState
from provenance.watchers.worker import FIRST_BACKOFF, MAX_BACKOFF

log = logging.getLogger(__name__)


class Reconciler:
    """Queue of roots to reconcile, and the step of the thread that reconciles them."""

    def __init__(
        self,
        ledger: Ledger,
        settings: Settings,
        state: DaemonState,
        roots: Roots,
        hints: BoundedQueue[Hint],
        on_unavailable: Callable[[str, str], None],
    ) -> None:
        self.settings = settings
        self._ledger = ledger
        self._state = state
        self._roots = roots
        self._hints = hints
        self._on_unavailable = on_unavailable
        self._wanted: dict[str, str] = {}  # root → why, in the order asked
        self._running: str | None = None
        self._ready = threading.Condition()
        self._backoff = FIRST_BACKOFF

    def request(self, root: str, why: str) -> None:
        """Ask for a reconcile of ``root`` (coalesced with any not yet started)."""
        with self._ready:
            if root not in self._wanted:
                log.info("reconcile of %s requested: %s", root, why)
            self._wanted.setdefault(root, why)
            self._ready.notify()

    def busy(self) -> bool:
        """True while a reconcile runs or waits to."""
        with self._ready:
            return bool(self._wanted) or self._running is not None

    def step(self, stop: threading.Event) -> None:
        """Reconcile the next root asked for, if any."""
        with self._ready:
            if not self._wanted:
                self._ready.wait(0.5)
            if not self._wanted or stop.is_set():
                return
            root = next(iter(self._wanted))
            why = self._wanted.pop(root)
            self._running = root
        try:
            self._reconcile(root, why, stop)
        finally:
            with self._ready:
                self._running = None

    def _reconcile(self, root: str, why: str, stop: threading.Event) -> None:
        spec = self._roots.spec(root)
        status = self._state.root(root)
        if spec is None or status is None or status.state == "unavailable":
            return
        try:
            self._run(spec.path, plan_reconcile(spec, self._ledger, self.settings, stop), stop)
        except RootUnavailable as exc:
            self._on_unavailable(root, exc.reason)
        except LedgerUnavailable as exc:
            self._ledger_away(root, why, exc, stop)
        else:
            if self._backoff > FIRST_BACKOFF:
                self._state.degrade("ledger", None)
            self._backoff = FIRST_BACKOFF

    def _run(self, root: Path, plan: ReconcilePlan, stop: threading.Event) -> None:
        began = time.monotonic()
        for result in ingest_many(_until(plan.stable, stop), self._ledger, self.settings):
            self._state.count("ingested" if result.outcome != "skipped" else "skipped")
            self._state.count(result.outcome)
        self._hand_over(plan.recent, "changed", str(root), stop)
        self._hand_over(plan.vanished, "deleted", str(root), stop)
        if stop.is_set():
            return
        summary = plan.summary(time.monotonic() - began)
        self._ledger.daemons.save_checkpoint(str(root), plan.root.mode, plan.started, summary)
        self._state.reconciled(str(root), plan.started)
        self._state.count("reconciles")
        log.info("reconciled %s: %s", root, summary)

    def _hand_over(
        self, paths: Iterable[Path | str], kind: HintKind, root: str, stop: threading.Event
    ) -> None:
        for path in paths:
            if not self._hints.put_until(Hint(kind, root, str(path)), stop):
                return

    def _ledger_away(
        self, root: str, why: str, exc: LedgerUnavailable, stop: threading.Event
    ) -> None:
        log.warning("cannot reconcile %s, ledger unreachable (retrying): %s", root, exc.message)
        self._state.degrade("ledger", f"ledger unreachable: {exc.what}")
        self.request(root, why)
        stop.wait(self._backoff)
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)


def _until(paths: Iterable[Path], stop: threading.Event) -> Iterator[Path]:
    for path in paths:
        if stop.is_set():
            return
        yield path
