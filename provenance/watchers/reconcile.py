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

Two guards keep trouble from looking like deletion:

* a root that cannot be listed, before or after the walk, is *unavailable*
  (:class:`RootUnavailable`), and nothing below it is called vanished;
* nothing below a folder that could not be listed is called vanished.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from provenance.files.walk import Skipped, walk
from provenance.settings import Settings
from provenance.store import Ledger, PathStamp
from provenance.watchers.roots import RootSpec
from provenance.watchers.state import now_utc


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
    """None when the root is a folder that can be listed; otherwise why it cannot."""
    try:
        if not stat.S_ISDIR(path.stat().st_mode):
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
        if path not in walked and not path.startswith(tuple(unlisted)) and not os.path.lexists(path)
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
