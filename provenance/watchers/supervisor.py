"""The supervisor: keeps every root watched, or knows why it is not.

Called every half second from the daemon's main loop, it checks each root:

* a root without a watcher is probed (with back-off up to 30 s while it
  stays away); once it can be listed, its observer starts and a reconcile is
  asked for. A native watch that the kernel refuses (inotify limits) falls
  back to polling, and says so: at the start, or when a folder created later
  cannot be watched (the observer would go on without it, its files unseen);
* a watcher whose observer, emitter or inotify reader thread died is
  restarted, followed by a reconcile (events were lost meanwhile). A root
  whose observer keeps dying (more than five times in five minutes) is a
  failure the daemon cannot recover from: it raises :class:`WatchFailed`, and
  the service manager restarts the process;
* a watched root is probed every few seconds: one that cannot be listed,
  or answers too slowly, or is no longer the share it was (its mount
  identity changed, or its mount point is empty: see :mod:`.mounts`), is
  *unavailable* (its observer stops; nothing below it is recorded removed);
  a share unplugged *below* a root makes that subtree unavailable, and its
  return is followed by a reconcile; a root whose folder was replaced on the
  same share (renamed away and back) is watched afresh and reconciled.

Losses reported by any thread (queue overflow, inotify overflow, the ledger
coming back) become reconcile requests here, and so do the periodic
reconciles, each ``watch_reconcile_interval`` ±25%.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from provenance.errors import WatchFailed
from provenance.settings import Settings
from provenance.watchers.handler import HintHandler
from provenance.watchers.mounts import MountCheck, MountGuard
from provenance.watchers.observers import Watcher, root_identity, start_watcher
from provenance.watchers.reconcile import probe_in_time
from provenance.watchers.roots import RootSpec
from provenance.watchers.state import DaemonState

log = logging.getLogger(__name__)

PROBE_EVERY = 2.0
PROBE_TIMEOUT = 10.0
MAX_PROBE_BACKOFF = 30.0
MAX_RESTARTS, RESTART_WINDOW = 5, 300.0
JITTER = 0.25
# Stopping waits until the observers have been quiet this long (at most QUIESCE_TIMEOUT).
QUIET_FOR, QUIESCE_TIMEOUT = 0.3, 3.0

HandlerFactory = Callable[[RootSpec], HintHandler]
Request = Callable[[str, str], None]


@dataclass
class _Root:
    """The supervisor's book on one root."""

    spec: RootSpec
    watcher: Watcher | None = None
    next_probe: float = 0.0
    backoff: float = 1.0
    next_reconcile: float | None = None
    restarts: deque[float] = field(default_factory=deque)


class Supervisor:
    """Watches over the roots' observers and availability; turns losses into reconciles."""

    def __init__(
        self,
        settings: Settings,
        state: DaemonState,
        handlers: HandlerFactory,
        request: Request,
        mounts: MountGuard | None = None,
    ) -> None:
        self.settings = settings
        self.mounts = mounts or MountGuard()
        self._state = state
        self._handlers = handlers
        self._request = request
        self._roots: dict[str, _Root] = {}
        self._lock = threading.Lock()
        self._losses: dict[str, str] = {}
        self._away: dict[str, str] = {}  # roots other threads found unavailable, and why
        self._refused: dict[str, str] = {}  # native roots with a folder the kernel refused
        self._random = random.Random()

    # -- what other threads ask -------------------------------------------------------

    def spec(self, root: str) -> RootSpec | None:
        """The root watched at ``root``, if any."""
        entry = self._roots.get(root)
        return None if entry is None else entry.spec

    def specs(self) -> list[RootSpec]:
        """Every root being watched (or waited for)."""
        return [entry.spec for entry in list(self._roots.values())]

    def root_of(self, path: str) -> str | None:
        """The watched root holding ``path``, if any."""
        for root, entry in list(self._roots.items()):
            if entry.spec.contains(path):
                return root
        return None

    def available(self, root: str) -> bool:
        """False while ``root`` is unavailable (or not yet known to be there)."""
        status = self._state.root(root)
        return status is not None and status.state == "watching"

    def loss(self, root: str, why: str) -> None:
        """Events of ``root`` may have been lost: reconcile it (from any thread)."""
        with self._lock:
            self._losses.setdefault(root, why)

    def loss_all(self, why: str, mode: str | None = None) -> None:
        """Events may have been lost everywhere (or in every root of one mode)."""
        for root, entry in list(self._roots.items()):
            if mode is None or entry.spec.mode == mode:
                self.loss(root, why)

    def report_unavailable(self, root: str, problem: str) -> None:
        """Another thread found ``root`` unavailable: mark it so at the next tick."""
        with self._lock:
            self._away.setdefault(root, problem)

    def refused(self, folder: str, why: str) -> None:
        """The kernel refused to watch ``folder`` (from any thread): poll its root instead."""
        root = self.root_of(folder)
        if root is not None:
            with self._lock:
                self._refused.setdefault(root, why)

    def blocked(self, path: str) -> str | None:
        """Why ``path`` must not be called gone now (its root or share unavailable), if so.

        Checks the mounts afresh (see :meth:`.MountGuard.recent`), from any
        thread; a root found unplugged is marked unavailable at the next tick.
        """
        root = self.root_of(path)
        if root is None:
            return None
        if not self.available(root):
            return f"{root} is unavailable"
        check = self.mounts.recent(root)
        if check.root_problem is not None:
            self.report_unavailable(root, check.root_problem)
        return check.blocks(path)

    def root_gone(self, root: str) -> None:
        """The observer saw the root itself vanish: probe it at the next tick."""
        entry = self._roots.get(root)
        if entry is not None:
            entry.next_probe = 0.0

    # -- the main loop's work ------------------------------------------------------------

    def set_roots(self, specs: Sequence[RootSpec]) -> None:
        """Watch these roots from now on (stopping every current watcher)."""
        self.stop_all()
        self._state.set_roots(list(specs))
        self._roots = {str(spec.path): _Root(spec) for spec in specs}
        for spec in specs:
            self._state.root_spec(spec)

    def tick(self, now: float) -> None:
        """Check every root once; turn losses and due schedules into reconcile requests."""
        with self._lock:
            away, self._away = self._away, {}
            refused, self._refused = self._refused, {}
        for root, problem in away.items():
            self.unavailable(root, problem, now)
        for root, why in refused.items():
            self._refused_below(root, why, now)
        for root, entry in list(self._roots.items()):
            self._check(root, entry, now)
        with self._lock:
            losses, self._losses = self._losses, {}
        for root, why in losses.items():
            if root in self._roots and self.available(root):
                self._state.count("losses")
                log.warning("events of %s may be lost (%s): reconciling", root, why)
                self._reconcile(root, self._roots[root], why, now)
        self._periodic(now)

    def quiesce(self, timeout: float = QUIESCE_TIMEOUT) -> None:
        """Before stopping: let the observers hand over the events the kernel already sent."""
        deadline, quiet_since = time.monotonic() + timeout, time.monotonic()
        while time.monotonic() < deadline:
            if not all(watcher.quiet() for watcher in self.watchers()):
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_FOR:
                return
            time.sleep(0.05)

    def stop_all(self) -> None:
        """Stop every watcher."""
        for entry in self._roots.values():
            if entry.watcher is not None:
                entry.watcher.stop()
                entry.watcher = None

    def watchers(self) -> list[Watcher]:
        """The running watchers."""
        return [e.watcher for e in self._roots.values() if e.watcher is not None]

    # -- one root -----------------------------------------------------------------------

    def _check(self, root: str, entry: _Root, now: float) -> None:
        if entry.watcher is None:
            if now >= entry.next_probe:
                self._start(root, entry, now)
        elif not entry.watcher.alive():
            self._died(root, entry, now)
        elif now >= entry.next_probe:
            self._probe(root, entry, now)

    def _start(self, root: str, entry: _Root, now: float, why: str = "start") -> None:
        problem, check = self._examine(root, entry)
        if problem is not None:
            self.unavailable(root, problem, now)
            return
        try:
            entry.watcher = start_watcher(self._handlers(entry.spec))
        except OSError as exc:
            self._cannot_watch(root, entry, exc, now)
            return
        status = self._state.root(root)
        back = status is not None and status.state == "unavailable"  # read before it changes
        self._state.root_state(root, "watching")
        self._below(root, check, now, announce=False)
        level = logging.WARNING if "fallback" in entry.spec.reason else logging.INFO
        log.log(level, "watching %s: %s", root, entry.spec.reason)
        entry.backoff, entry.next_probe = 1.0, now + PROBE_EVERY
        self._reconcile(root, entry, "root available again" if back else why, now)

    def _cannot_watch(self, root: str, entry: _Root, exc: OSError, now: float) -> None:
        if entry.spec.mode != "native":
            self.unavailable(root, f"cannot watch: {exc.strerror or exc}", now)
            return
        self._poll_instead(root, entry, f"native watch refused: {exc.strerror or exc}")
        self._start(root, entry, now)

    def _refused_below(self, root: str, why: str, now: float) -> None:
        """A folder created below a native root could not be watched: poll the whole root."""
        entry = self._roots.get(root)
        if entry is None or entry.spec.mode != "native":
            return
        if entry.watcher is not None:
            entry.watcher.stop()
            entry.watcher = None
        self._poll_instead(root, entry, f"native watch refused below the root: {why}")
        self._start(root, entry, now, "a folder could not be watched natively")

    def _poll_instead(self, root: str, entry: _Root, why: str) -> None:
        reason = f"polling (fallback: {why})"
        log.warning("%s: %s", root, reason)
        entry.spec = entry.spec.polled(reason)
        self._state.root_spec(entry.spec)

    def _died(self, root: str, entry: _Root, now: float) -> None:
        assert entry.watcher is not None
        entry.watcher.stop()
        entry.watcher = None
        problem = probe_in_time(entry.spec.path, PROBE_TIMEOUT)
        if problem is not None:
            self.unavailable(root, problem, now)
            return
        self._count_restart(root, entry, now)
        log.warning("the observer of %s stopped; restarting it", root)
        self._start(root, entry, now)

    def _count_restart(self, root: str, entry: _Root, now: float) -> None:
        self._state.count("observer_restarts")
        entry.restarts.append(now)
        while entry.restarts and now - entry.restarts[0] > RESTART_WINDOW:
            entry.restarts.popleft()
        if len(entry.restarts) > MAX_RESTARTS:
            raise WatchFailed(
                f"the observer of this root died {len(entry.restarts)} times in "
                f"{RESTART_WINDOW:g} s",
                where=root,
                fix="see the log for the errors; the service manager will restart the daemon",
            )

    def _probe(self, root: str, entry: _Root, now: float) -> None:
        assert entry.watcher is not None
        entry.next_probe = now + PROBE_EVERY
        problem, check = self._examine(root, entry)
        if problem is not None:
            self.unavailable(root, problem, now)
            return
        self._below(root, check, now)
        try:
            same = root_identity(root) == entry.watcher.identity
        except OSError as exc:
            self.unavailable(root, exc.strerror or str(exc), now)
            return
        if not same:
            log.warning("%s was replaced (remounted or moved); watching it afresh", root)
            entry.watcher.stop()
            entry.watcher = None
            self._start(root, entry, now)

    def _examine(self, root: str, entry: _Root) -> tuple[str | None, MountCheck]:
        """Why the root is unavailable (None if it is not), and its mounts now."""
        problem = probe_in_time(entry.spec.path, PROBE_TIMEOUT)
        if problem is not None:  # a root that hangs is not stat'ed again here
            return problem, MountCheck()
        try:
            check = self.mounts.check(root)
        except OSError as exc:
            return exc.strerror or str(exc), MountCheck()
        return check.root_problem, check

    def _below(self, root: str, check: MountCheck, now: float, *, announce: bool = True) -> None:
        """Record unplugged shares below ``root``; reconcile a subtree whose share came back."""
        status = self._state.root(root)
        before = dict(status.below) if status is not None else {}
        if before == dict(check.below):
            return
        for point, problem in check.below.items():
            if point not in before:
                log.warning("%s is unavailable (%s); nothing below it is removed", point, problem)
        back = [point for point in before if point not in check.below]
        self._state.root_below(root, check.below)
        for point in back:
            log.warning("%s is available again: reconciling %s", point, root)
        if back and announce:
            self._reconcile(root, self._roots[root], f"share back at {back[0]}", now)

    def unavailable(self, root: str, problem: str, now: float) -> None:
        """Mark ``root`` unavailable: stop its observer and probe it with back-off (main loop)."""
        entry = self._roots.get(root)
        if entry is None:
            return
        status = self._state.root(root)
        if status is None or status.state != "unavailable":
            log.warning("%s is unavailable (%s); nothing below it is removed", root, problem)
        if entry.watcher is not None:
            entry.watcher.stop()
            entry.watcher = None
        self._state.root_state(root, "unavailable", problem)
        entry.next_probe = now + entry.backoff
        entry.backoff = min(entry.backoff * 2, MAX_PROBE_BACKOFF)

    # -- reconcile schedules ---------------------------------------------------------------

    def _reconcile(self, root: str, entry: _Root, why: str, now: float) -> None:
        self._request(root, why)
        entry.next_reconcile = self._next(now)

    def _periodic(self, now: float) -> None:
        for root, entry in list(self._roots.items()):
            due = entry.next_reconcile
            if due is not None and now >= due and self.available(root):
                self._reconcile(root, entry, "periodic", now)

    def _next(self, now: float) -> float | None:
        interval = self.settings.watch_reconcile_interval
        if interval <= 0:
            return None
        return now + interval * self._random.uniform(1 - JITTER, 1 + JITTER)
