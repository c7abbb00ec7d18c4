"""What the daemon knows about itself: roots, counts, and why it is degraded.

Every thread writes here (under one lock) and the heartbeat publishes a
snapshot of it to the ledger, where ``provenance status`` reads it. A
daemon is *degraded* while any reason is recorded: a root unavailable (or a
share mounted below it unplugged), a root polled because inotify had no room
for it, the ledger unreachable.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from provenance.store.records import iso
from provenance.watchers.roots import RootSpec

RootState = Literal["starting", "watching", "unavailable", "stopped"]
Phase = Literal["starting", "running", "stopping", "stopped", "failed"]
ROOT_KEYS = ("root ", "mode ")  # degraded reasons that belong to one root

COUNT_KEYS = (
    "events", "ingested", "new", "unchanged", "seen", "modified", "moved", "removed",
    "unreadable", "skipped", "errors", "handler_errors", "losses", "observer_restarts",
    "reconciles",
)  # fmt: skip


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class RootStatus:
    """One root as the daemon currently watches it."""

    spec: RootSpec
    state: RootState = "starting"
    problem: str | None = None
    last_reconcile: datetime | None = None
    since: datetime = field(default_factory=now_utc)
    below: dict[str, str] = field(default_factory=dict)  # unavailable mount point -> why

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            **self.spec.to_dict(),
            "state": self.state,
            "problem": self.problem,
            "since": iso(self.since),
            "last_reconcile": iso(self.last_reconcile) if self.last_reconcile else None,
            "unavailable_below": [{"path": p, "problem": w} for p, w in self.below.items()],
        }


class DaemonState:
    """Counters, root states and degraded reasons, shared by the daemon's threads."""

    def __init__(self, heartbeat: float) -> None:
        self.heartbeat = heartbeat
        self.phase: Phase = "starting"
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter({key: 0 for key in COUNT_KEYS})
        self._roots: dict[str, RootStatus] = {}
        self._degraded: dict[str, str] = {}
        self._published: tuple[object, ...] = ()  # the face of the last snapshot
        self._published_counts: dict[str, int] = {}

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to a counter."""
        with self._lock:
            self._counts[key] += n

    def counts(self) -> dict[str, int]:
        """A copy of the counters."""
        with self._lock:
            return dict(self._counts)

    def set_roots(self, specs: list[RootSpec]) -> None:
        """Start tracking these roots (forgetting others), keeping known reconcile times."""
        with self._lock:
            old = self._roots
            self._roots = {str(s.path): RootStatus(s) for s in specs}
            for path, status in self._roots.items():
                if path in old:
                    status.last_reconcile = old[path].last_reconcile
            self._degraded = {
                key: why for key, why in self._degraded.items() if not key.startswith(ROOT_KEYS)
            }

    def root(self, path: str) -> RootStatus | None:
        """The status of one root."""
        with self._lock:
            return self._roots.get(path)

    def root_state(self, path: str, state: RootState, problem: str | None = None) -> None:
        """Record a root's state; an unavailable root makes the daemon degraded."""
        with self._lock:
            status = self._roots.get(path)
            if status is None:
                return
            if status.state != state:
                status.state, status.since = state, now_utc()
            status.problem = problem
            self._set_reason(f"root {path}", f"{path}: {problem}" if problem else None)

    def root_below(self, path: str, below: Mapping[str, str]) -> None:
        """Record which subtrees of a root are unavailable (unplugged shares below it)."""
        with self._lock:
            status = self._roots.get(path)
            if status is None:
                return
            for point in status.below:
                self._set_reason(f"root {path} below {point}", None)
            status.below = dict(below)
            for point, problem in below.items():
                self._set_reason(f"root {path} below {point}", problem)

    def root_spec(self, spec: RootSpec) -> None:
        """Record a root's (new) mode; a polling fallback makes the daemon degraded."""
        with self._lock:
            status = self._roots.get(str(spec.path))
            if status is not None:
                status.spec = spec
            fallback = "fallback" in spec.reason
            reason = f"{spec.path}: {spec.reason}" if fallback else None
            self._set_reason(f"mode {spec.path}", reason)

    def roots_stopped(self) -> None:
        """The daemon stopped watching every root."""
        with self._lock:
            for path, status in self._roots.items():
                status.state, status.problem = "stopped", None
                self._set_reason(f"root {path}", None)
                for point in status.below:
                    self._set_reason(f"root {path} below {point}", None)
                status.below = {}

    def reconciled(self, path: str, at: datetime) -> None:
        """A root was completely reconciled as of ``at``."""
        with self._lock:
            if path in self._roots:
                self._roots[path].last_reconcile = at

    def degrade(self, key: str, reason: str | None) -> None:
        """Record (or, with None, clear) one reason the daemon is degraded."""
        with self._lock:
            self._set_reason(key, reason)

    def reasons(self) -> list[str]:
        """Why the daemon is degraded (empty when it is not)."""
        with self._lock:
            return list(self._degraded.values())

    def has_news(self) -> bool:
        """Whether a root changed state or was reconciled, or a degraded reason came or went,
        since the last snapshot: what ``provenance status`` should show at once."""
        with self._lock:
            return self._face() != self._published

    def counts_moved(self) -> bool:
        """Whether a file was counted (ingested, moved, removed...) since the last snapshot."""
        with self._lock:
            return self._counts != self._published_counts

    def _face(self) -> tuple[object, ...]:
        """What a person reads in ``provenance status``, apart from counts and queues."""
        roots = tuple(
            (path, s.state, s.problem, tuple(s.below.items()), s.last_reconcile)
            for path, s in self._roots.items()
        )
        return (self.phase, roots, tuple(self._degraded.items()))

    def _set_reason(self, key: str, reason: str | None) -> None:
        if reason is None:
            self._degraded.pop(key, None)
        else:
            self._degraded[key] = reason

    def snapshot(self, depth: Mapping[str, int]) -> dict[str, object]:
        """Everything a heartbeat publishes."""
        with self._lock:
            self._published = self._face()
            self._published_counts = dict(self._counts)
            return {
                "phase": self.phase,
                "degraded": list(self._degraded.values()),
                "roots": [status.to_dict() for status in self._roots.values()],
                "queue": dict(depth),
                "counts": dict(self._counts),
                "heartbeat_interval": self.heartbeat,
            }
