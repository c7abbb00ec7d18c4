"""The watch daemon: every finished file in the watched roots tagged, nothing missed.

The daemon's work, in the order it happens (each part has its own module)::

    start     choose the platform's backend; resolve roots (mode from   backends, roots,
              the mount table, inotify budget)                            limits
              register in the ledger's heartbeats                         store.daemons
              start threads: settler, workers, recorder, reconciler,      pipeline, worker,
              heartbeat, fingerprints, expiry                             reconcile, chores
    run       every 0.5 s: supervise roots and threads, turn losses and   supervisor
              schedules into reconciles; SIGHUP reloads settings          signals
              a file not found is removed only if its root vouches        presence
    stop      stop observers, drain what is queued and settled, stop
              threads, publish the final heartbeat

:meth:`WatchDaemon.run` blocks the calling thread (the CLI's main thread,
which also receives the signals; see :mod:`.signals`) and
raises :class:`~provenance.errors.WatchFailed` when the daemon cannot
recover, so that ``provenance watch`` exits non-zero and its service
manager restarts it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from provenance.errors import LedgerUnavailable, WatchFailed
from provenance.ingest.record import IngestResult
from provenance.settings import Settings, WatchRootConfig
from provenance.store import Ledger
from provenance.watchers.backends import Backend, native_backend
from provenance.watchers.chores import Chores
from provenance.watchers.handler import HintHandler
from provenance.watchers.limits import Budget, fit_to_budget, read_budget
from provenance.watchers.mounts import MountEntry, MountGuard, MountIdentity, read_mount_entries
from provenance.watchers.observers import InotifyListener
from provenance.watchers.pipeline import Pipeline
from provenance.watchers.presence import Presence
from provenance.watchers.reconcile import Reconciler
from provenance.watchers.roots import Mount, RootSpec, read_mounts, resolve_root
from provenance.watchers.state import DaemonState, now_utc
from provenance.watchers.supervisor import Supervisor
from provenance.watchers.threads import Loop
from provenance.watchers.worker import Recorder, RecorderHooks

log = logging.getLogger(__name__)

TICK = 0.5
COUNTS_EVERY = 2.0  # seconds: the soonest files counted are published after a heartbeat
RECONCILER = "provenance-reconciler"
MAX_DRAIN = 60.0
# Stopping waits this long for all the threads together, then this long for the last
# heartbeat: a ledger another program holds locked makes every write wait SQLite's busy
# timeout (a minute), and the stop must end before the service manager kills the daemon
# (TimeoutStopSec=90 in the unit).
JOIN_ALL, LAST_BEAT_WAIT = 10.0, 5.0

Reload = Callable[[], tuple[Settings, list[WatchRootConfig]]]


@dataclass(frozen=True)
class Environment:
    """What the daemon reads from the machine; tests replace it."""

    mounts: Callable[[], Sequence[Mount]] = read_mounts
    mount_entries: Callable[[], Sequence[MountEntry]] = read_mount_entries
    budget: Callable[[], Budget] = read_budget
    backend: Callable[[], Backend | None] = native_backend


class WatchDaemon:
    """Watches roots, ingests settled files, reconciles, and reports through heartbeats."""

    def __init__(
        self,
        ledger: Ledger,
        settings: Settings,
        roots: Sequence[WatchRootConfig],
        *,
        reload: Reload | None = None,
        environment: Environment | None = None,
        on_recorded: Callable[[IngestResult], None] | None = None,
    ) -> None:
        self.ledger, self.settings, self._configs = ledger, settings, list(roots)
        self._reload_settings = reload
        self._env = environment or Environment()
        self.native = self._env.backend()
        self.state = DaemonState(settings.watch_heartbeat)
        self.mounts = MountGuard(self._env.mount_entries)
        self.supervisor = Supervisor(
            settings, self.state, self._handler, self._request, self.mounts
        )
        self.presence = Presence(self.supervisor)
        self.chores = Chores(ledger, settings, self.state)
        self.recorder = Recorder(ledger, settings, self.state, self._hooks(on_recorded))
        self.pipeline = Pipeline(settings, ledger.host, self.supervisor, self.recorder, self.state)
        self.reconciler = Reconciler(
            ledger, settings, self.state, self.supervisor, self.pipeline.hints,
            self.supervisor.report_unavailable, self.mounts,
        )  # fmt: skip
        self._inotify = InotifyListener(self._inotify_overflow, self.supervisor.refused)
        self._loops: list[Loop] = []
        self._stop = threading.Event()
        self._reload = threading.Event()
        # The snapshot and its write are one step: two threads beating at once
        # must not let the older snapshot land last.
        self._beating = threading.Lock()
        self._daemon_id: int | None = None
        self._started = now_utc()

    # -- wiring ---------------------------------------------------------------------

    def _handler(self, spec: RootSpec) -> HintHandler:
        def count_error() -> None:
            self.state.count("handler_errors")

        return HintHandler(spec, self.pipeline.hints, self.supervisor.loss, count_error)

    def _request(self, root: str, why: str) -> None:
        # A reconcile is asked for when events may have been lost (and hourly, because
        # they can be lost silently): the copies trusted on their word are looked at again.
        self.recorder.forget_copies()
        self.reconciler.request(root, why)

    def _hooks(self, on_recorded: Callable[[IngestResult], None] | None) -> RecorderHooks:
        return RecorderHooks(
            gone=self.presence.gone,
            exists=self.presence.exists,
            watched=self.presence.watched,
            landed=self._landed,
            retry=self._retry,
            ledger_back=lambda: self.supervisor.loss_all("ledger reachable again"),
            recorded=partial(self._recorded, on_recorded or (lambda _result: None)),
        )

    def _recorded(self, then: Callable[[IngestResult], None], result: IngestResult) -> None:
        if result.outcome not in ("unchanged", "skipped"):
            self.chores.fingerprints.want()
        _log_recorded(result)
        then(result)

    def _landed(self, n: int) -> None:
        self.pipeline.landed(n)

    def _retry(self, path: str) -> bool:
        root = self.supervisor.root_of(path)
        return root is not None and self.pipeline.retry(root, path)

    def _inotify_overflow(self) -> None:
        self.supervisor.loss_all("inotify queue overflow", mode="native")

    # -- lifecycle ------------------------------------------------------------------

    def run(self) -> None:
        """Start, supervise until asked to stop, then stop. Raises WatchFailed when it cannot."""
        try:
            self.start()
            while not self._stop.wait(TICK):
                self.tick()
        except BaseException:
            self.state.phase = "failed"
            raise
        finally:
            self.shutdown()

    def start(self) -> None:
        """Resolve roots, register, start every thread; roots start watching at the first tick."""
        if self.native is not None and self.native.is_inotify:
            self._inotify.attach()
        self.supervisor.set_roots(self.resolve(self._configs, self.settings))
        self._load_checkpoints()
        self._register()
        self._loops = self._make_loops()
        for loop in self._loops:
            loop.start()
        self.tick()
        self.state.phase = "running"

    def tick(self) -> None:
        """One round of supervision (the main loop calls it every half second)."""
        if self._reload.is_set():
            self._reload.clear()
            self.reload()
        self.supervisor.tick(time.monotonic())
        dead = [loop.name for loop in self._loops if not loop.is_alive()]
        if dead:
            raise WatchFailed(f"daemon thread {dead[0]} stopped", fix="see the log for the error")
        self._check_ledger_file()

    def _check_ledger_file(self) -> None:
        # Writes into a deleted ledger file are lost without an error: stop at once, and let
        # the next start (into the ledger put back, or a new one) reconcile what it missed.
        problem = self.ledger.file_problem()
        if problem is not None:
            raise WatchFailed(
                f"{problem}; what was recorded since went with it",
                where=self.ledger.where,
                fix="put the ledger back (or let a new one be made there) and start the daemon"
                " again: it reconciles every root",
            )

    def request_stop(self) -> None:
        """Ask :meth:`run` to drain and stop (safe from a signal handler)."""
        self._stop.set()

    def request_reload(self) -> None:
        """Ask :meth:`run` to reload settings at its next tick (safe from a signal handler)."""
        self._reload.set()

    def shutdown(self, drain: float | None = None) -> None:
        """Stop observers, drain what is queued (at most ``drain`` seconds), stop threads."""
        if self.state.phase != "failed":
            self.state.phase = "stopping"
        self.supervisor.quiesce()
        self.supervisor.stop_all()
        for loop in self._loops:
            if loop.name == RECONCILER:
                loop.stop()  # a reconcile cut short writes no checkpoint; the next start redoes it
        self._drain(self._drain_time() if drain is None else drain)
        for loop in self._loops:
            loop.stop()
        deadline = time.monotonic() + JOIN_ALL
        for loop in self._loops:
            loop.join(max(0.0, deadline - time.monotonic()))
        if self.state.phase != "failed":
            self.state.phase = "stopped"
        self.state.roots_stopped()
        self._inotify.detach()
        self._last_beat()

    def _last_beat(self) -> None:
        failed: list[BaseException] = []  # raised here, as a beat on this thread would

        def beat() -> None:
            try:
                self.beat()
            except BaseException as exc:  # noqa: BLE001 - handed to the stopping thread
                failed.append(exc)

        beating = threading.Thread(target=beat, name="provenance-last-beat", daemon=True)
        beating.start()
        beating.join(LAST_BEAT_WAIT)
        if beating.is_alive():
            log.warning("stopping without a last heartbeat: the ledger did not answer in %g s",
                        LAST_BEAT_WAIT)  # fmt: skip
        elif failed:
            raise failed[0]

    def _drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.pipeline.idle():
            time.sleep(0.05)
        self.pipeline.final.set()  # the files are in: deletions need not wait for moves now
        while time.monotonic() < deadline and not self.pipeline.drained():
            time.sleep(0.05)
        if not self.pipeline.drained():
            log.warning("stopping with work left (%s); the next start reconciles it",
                        self.pipeline.depth())  # fmt: skip

    def _drain_time(self) -> float:
        settles = [spec.settle for spec in self.supervisor.specs()] or [0.0]
        return min(MAX_DRAIN, max(settles) + 5.0)

    def reload(self) -> None:
        """Re-read settings and roots, and watch them afresh (SIGHUP)."""
        if self._reload_settings is None:
            return
        settings, configs = self._reload_settings()
        log.info("reloading settings: %d roots (workers, queue sizes and the ledger URL "
                    "change only on restart)", len(configs))  # fmt: skip
        self.settings, self._configs = settings, configs
        for part in (self.supervisor, self.pipeline, self.reconciler, self.chores):
            part.settings = settings
        self.pipeline.deletes.delay = settings.watch_delete_delay
        self.recorder.forget_copies()  # roots given up no longer vouch for their copies
        self.supervisor.set_roots(self.resolve(configs, settings))

    def resolve(self, configs: Sequence[WatchRootConfig], settings: Settings) -> list[RootSpec]:
        """Root configs → root specs: modes from the mount table, then the inotify budget."""
        mounts = self._env.mounts()
        specs = [resolve_root(config, settings, mounts, self.native) for config in configs]
        return fit_to_budget(specs, self._env.budget())

    def _make_loops(self) -> list[Loop]:
        errors = lambda: self.state.count("errors")  # noqa: E731
        workers = [
            Loop(f"provenance-worker-{i}", self.pipeline.work_step, errors)
            for i in range(self.settings.effective_workers())
        ]
        return [
            Loop("provenance-settler", self.pipeline.settle_step, errors),
            *workers,
            Loop("provenance-recorder", self.recorder.step, errors),
            Loop(RECONCILER, self.reconciler.step, errors),
            Loop("provenance-heartbeat", self._heartbeat_step, errors),
            Loop("provenance-fingerprints", self.chores.fingerprint_step, errors),
            Loop("provenance-expiry", self.chores.expiry_step, errors),
        ]

    # -- heartbeats -------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """The state a heartbeat publishes."""
        retries = self.chores.fingerprints.retry.waiting()
        depth = {**self.pipeline.depth(), "fingerprint_retries": retries}
        return self.state.snapshot(depth)

    def idle(self) -> bool:
        """True when nothing waits to be settled, examined, recorded or reconciled."""
        return self.pipeline.drained() and not self.reconciler.busy()

    def _register(self) -> None:
        try:
            snapshot = self.snapshot()
            self._daemon_id = self.ledger.daemons.register(os.getpid(), self._started, snapshot)
        except LedgerUnavailable as exc:
            log.warning("cannot register a heartbeat yet: %s", exc.message)

    def _heartbeat_step(self, stop: threading.Event) -> None:
        # News is published at once, not at the next beat: a root now watched, unavailable or
        # back is what a wrangler looks for in `provenance status` after a start or a replug.
        # Files counted are published within COUNTS_EVERY: soon enough for whoever just
        # copied a file in, and at most one write of the row that often on a busy share.
        started = time.monotonic()
        due = started + self.settings.watch_heartbeat
        while not stop.wait(min(TICK, max(0.0, due - time.monotonic()))):
            now = time.monotonic()
            counted = now >= started + COUNTS_EVERY and self.state.counts_moved()
            if now >= due or counted or self.state.has_news():
                self.beat()
                return

    def beat(self) -> None:
        """Publish one heartbeat (registering first if that failed before)."""
        with self._beating:
            self._beat()

    def _beat(self) -> None:
        try:
            if self._daemon_id is None:
                self._register()
            else:
                self.ledger.daemons.beat(self._daemon_id, self.snapshot())
        except LedgerUnavailable as exc:
            log.debug("heartbeat not published: %s", exc.message)

    def _load_checkpoints(self) -> None:
        try:
            for checkpoint in self.ledger.daemons.checkpoints(self.ledger.host):
                self.state.reconciled(checkpoint.root, checkpoint.last_reconcile)
                self._expect_mounts(checkpoint.root, checkpoint.details.get("mounts"))
        except LedgerUnavailable as exc:
            log.warning("cannot read checkpoints: %s", exc.message)

    def _expect_mounts(self, root: str, kept: object) -> None:
        # The shares a root held at its last complete reconcile: a daemon that
        # starts while one is unplugged must not take the empty folder for it.
        if self.supervisor.spec(root) is None or not isinstance(kept, list):
            return
        found = [MountIdentity.from_dict(d) for d in kept if isinstance(d, dict)]
        identities = [i for i in found if i is not None]
        if identities and identities[0].path == root:
            self.mounts.expect(root, identities)


def _log_recorded(result: IngestResult) -> None:
    """One INFO line per file recorded: what a person tailing the log wants to see."""
    if result.outcome == "unchanged":
        return
    if result.error is not None:
        log.info("%s %s: %s", result.outcome, result.path, result.error)
        return
    why = f" ({result.tool})" if result.tool else ""
    why += f" ({result.reason})" if result.reason else ""
    log.info("%s %s: %s%s", result.outcome, result.path, result.verdict or "unknown", why)
