"""Reconciling: the truth, where events are only hints.

A reconcile walks a root and compares every file with what the ledger holds
for that path on this host (size, mtime, inode). A file that is new or
differs is ingested, at once if it has not been written to for the root's
settle window, otherwise through the settle tracker like any event. A file
the ledger believes present but that is gone from disk is handed to the
delete buffer. Unchanged files cost one ``stat`` each: no hashing.

It runs at start (events missed while the daemon was down: watchdog #859),
periodically (hourly ±25% by default, as Syncthing does, because inotify
loses events silently and network shares send none), and at once after any
sign of loss: an event-queue overflow, an observer restart, a root coming
back, the ledger coming back (WATCHING.md 1.5, points 1-2).

Three guards keep trouble from looking like deletion:

* a root that cannot be listed, or is not the share it was (see
  :mod:`.mounts`), before or after the walk, is *unavailable*
  (:class:`RootUnavailable`), and nothing below it is called vanished;
* nothing below a share unplugged below the root is called vanished;
* nothing below a folder that could not be listed is called vanished.

The checkpoint keeps the mount identities the root had, so that a daemon
starting while a share is unplugged knows the empty folder is not the share.

The reconciler thread (:class:`Reconciler`) runs the reconciles that the
supervisor asks for, one at a time. Requests coalesce: ten losses reported
for one root while it is being reconciled make one more reconcile, not ten.
Settled files are ingested through the same
:func:`~provenance.ingest.record.ingest_many` as ``provenance scan``; the
others go to the pipeline as hints. Only a reconcile that ran to the end
writes the root's checkpoint.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from provenance.errors import LedgerUnavailable
from provenance.files.walk import Skipped, walk
from provenance.ingest.record import ingest_many
from provenance.settings import Settings
from provenance.store import Ledger, PathStamp
from provenance.util.file_kinds import may_exist
from provenance.watchers.hints import Hint, HintKind
from provenance.watchers.mounts import MountCheck, MountGuard
from provenance.watchers.pipeline import Roots
from provenance.watchers.queue import BoundedQueue
from provenance.watchers.roots import RootSpec
from provenance.watchers.state import DaemonState, now_utc
from provenance.watchers.worker import FIRST_BACKOFF, MAX_BACKOFF

log = logging.getLogger(__name__)


# -- the walk and the diff -------------------------------------------------------------------------


class RootUnavailable(Exception):
    """A root cannot be listed: unmounted, renamed away, not answering."""

    def __init__(self, root: Path, reason: str) -> None:
        super().__init__(f"{root}: {reason}")
        self.root = root
        self.reason = reason


@dataclass(frozen=True)
class ReconcilePlan:
    """What a walk of a root found that the ledger does not know yet."""

    root: RootSpec
    started: datetime
    walked: int
    stable: list[Path] = field(default_factory=list)  # new or changed, settled: ingest now
    recent: list[Path] = field(default_factory=list)  # new or changed, still being written?
    vanished: list[str] = field(default_factory=list)  # in the ledger, gone from disk

    def summary(self, seconds: float) -> dict[str, object]:
        """The checkpoint's details."""
        return {
            "files": self.walked,
            "ingested": len(self.stable),
            "settling": len(self.recent),
            "vanished": len(self.vanished),
            "seconds": round(seconds, 3),
        }


def probe_root(path: Path) -> str | None:
    """None when the root is a folder that can be listed; otherwise why it cannot.

    A root that is a symbolic link is not one: a walk follows no link (see
    :mod:`provenance.files.walk`), so nothing below it would ever be recorded
    while the root looked watched.
    """
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            return f"a symbolic link to {path.readlink()}, not followed: watch that folder"
        if not stat.S_ISDIR(info.st_mode):
            return "not a folder"
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def probe_in_time(path: Path, timeout: float) -> str | None:
    """:func:`probe_root`, but a mount that hangs (a hard NFS mount) counts as unavailable."""
    answer: list[str | None] = []
    probe = threading.Thread(
        target=lambda: answer.append(probe_root(path)), name="provenance-probe", daemon=True
    )
    probe.start()
    probe.join(timeout)
    return answer[0] if answer else f"not answering within {timeout:g} s"


def plan_reconcile(
    root: RootSpec, ledger: Ledger, settings: Settings, stop: threading.Event | None = None
) -> ReconcilePlan:
    """Walk ``root`` and compare it with the ledger. Raises :class:`RootUnavailable`."""
    _require(root.path)
    started, now = now_utc(), time.time()
    known = ledger.locations.stamps_under(str(root.path))
    walked: set[str] = set()
    unlisted: list[str] = []
    plan = ReconcilePlan(root, started, 0)
    for item in walk([root.path], replace(settings, ignore=root.ignore)):
        if stop is not None and stop.is_set():
            break
        if isinstance(item, Skipped):
            if item.path.is_dir():
                unlisted.append(str(item.path).rstrip("/") + "/")
            continue
        _compare(item, known, root.settle, now, plan, walked)
    _require(root.path)
    plan.vanished.extend(
        path
        for path in known
        if path not in walked and not path.startswith(tuple(unlisted)) and not may_exist(path)
    )
    return replace(plan, walked=len(walked))


def _require(path: Path) -> None:
    problem = probe_root(path)
    if problem is not None:
        raise RootUnavailable(path, problem)


def _compare(
    path: Path,
    known: dict[str, PathStamp],
    settle: float,
    now: float,
    plan: ReconcilePlan,
    walked: set[str],
) -> None:
    try:
        info = path.stat()
    except OSError:
        return
    text = str(path)
    walked.add(text)
    seen = known.get(text)
    if seen is not None and (seen.size, seen.mtime_ns, seen.inode) == (
        info.st_size,
        info.st_mtime_ns,
        info.st_ino,
    ):
        return
    (plan.stable if now - info.st_mtime >= settle else plan.recent).append(path)


# -- the reconciler thread -------------------------------------------------------------------------


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
        mounts: MountGuard | None = None,
    ) -> None:
        self.settings = settings
        self._mounts = mounts or MountGuard()
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
            self._run(spec.path, self._plan(spec, stop), stop)
        except RootUnavailable as exc:
            self._on_unavailable(root, exc.reason)
        except LedgerUnavailable as exc:
            self._ledger_away(root, why, exc, stop)
        else:
            if self._backoff > FIRST_BACKOFF:
                self._state.degrade("ledger", None)
            self._backoff = FIRST_BACKOFF

    def _plan(self, spec: RootSpec, stop: threading.Event) -> ReconcilePlan:
        """:func:`plan_reconcile`, between two mount checks: unplugged shares lose nothing."""
        before = self._check_mounts(spec.path)
        plan = plan_reconcile(spec, self._ledger, self.settings, stop)
        after = self._check_mounts(spec.path)
        spared = before.spared() + after.spared()
        if not spared:
            return plan
        kept = [path for path in plan.vanished if not path.startswith(spared)]
        return replace(plan, vanished=kept)

    def _check_mounts(self, root: Path) -> MountCheck:
        try:
            check = self._mounts.check(str(root))
        except OSError as exc:
            raise RootUnavailable(root, exc.strerror or str(exc)) from exc
        if check.root_problem is not None:
            raise RootUnavailable(root, check.root_problem)
        return check

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
        summary["mounts"] = [i.to_dict() for i in self._mounts.expected(str(root))]
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
