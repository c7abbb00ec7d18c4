"""``provenance status``: every watch daemon, on every host, as its heartbeats tell.

A daemon's heartbeat is its last word. A daemon that stopped cleanly says
so (phase ``stopped``); one that crashed or lost its way to the ledger
simply stops beating, so a heartbeat older than three intervals is shown as
*stale*: the daemon may be dead, or cut off from the ledger. By default each
host shows its live daemons, or, when none is live, its most recent one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from provenance.store import CheckpointRecord, DaemonRecord, Ledger
from provenance.store.records import iso
from provenance.watchers.state import now_utc

STALE_AFTER_BEATS = 3
DEFAULT_HEARTBEAT = 10.0


@dataclass(frozen=True)
class DaemonStatus:
    """One daemon, with how old its last heartbeat is."""

    record: DaemonRecord
    age: float

    @property
    def heartbeat(self) -> float:
        """The daemon's heartbeat interval, in seconds."""
        value = self.record.state.get("heartbeat_interval", DEFAULT_HEARTBEAT)
        return float(value) if isinstance(value, int | float) else DEFAULT_HEARTBEAT

    @property
    def phase(self) -> str:
        """What the daemon last said it was doing."""
        return str(self.record.state.get("phase", "unknown"))

    @property
    def stale(self) -> bool:
        """True when a daemon that did not say it stopped has missed three heartbeats."""
        return self.phase not in ("stopped", "failed") and self.age > STALE_AFTER_BEATS * max(
            self.heartbeat, 1.0
        )

    @property
    def live(self) -> bool:
        """True for a running daemon with a fresh heartbeat."""
        return self.phase not in ("stopped", "failed") and not self.stale

    @property
    def health(self) -> str:
        """``ok``, ``degraded``, ``stale``, or the phase it ended in."""
        if self.stale:
            return "stale"
        if not self.live:
            return self.phase
        return "degraded" if self.degraded else "ok"

    @property
    def degraded(self) -> list[str]:
        """Why the daemon said it was degraded."""
        value = self.record.state.get("degraded", [])
        return [str(v) for v in value] if isinstance(value, list) else []

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the heartbeat, flattened, with health and age."""
        state = dict(self.record.state)
        return {
            "host": self.record.host,
            "pid": self.record.pid,
            "started": iso(self.record.started),
            "last_beat": iso(self.record.last_beat),
            "age_seconds": round(self.age, 1),
            "health": self.health,
            "stale": self.stale,
            **{k: state.get(k) for k in ("phase", "degraded", "roots", "queue", "counts")},
        }


@dataclass(frozen=True)
class StatusReport:
    """Every daemon shown, and every host's reconcile checkpoints."""

    daemons: Sequence[DaemonStatus]
    checkpoints: Sequence[CheckpointRecord]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``provenance status --json``)."""
        return {
            "daemons": [d.to_dict() for d in self.daemons],
            "checkpoints": [c.to_dict() for c in self.checkpoints],
        }


def watch_status(
    ledger: Ledger, show_all: bool = False, now: datetime | None = None
) -> StatusReport:
    """Read heartbeats and checkpoints from the ledger."""
    moment = now or now_utc()
    found = [DaemonStatus(r, (moment - r.last_beat).total_seconds()) for r in ledger.daemons.list()]
    shown = found if show_all else _per_host(found)
    return StatusReport(shown, ledger.daemons.checkpoints())


def _per_host(daemons: Sequence[DaemonStatus]) -> list[DaemonStatus]:
    by_host: dict[str, list[DaemonStatus]] = {}
    for daemon in daemons:
        by_host.setdefault(daemon.record.host, []).append(daemon)
    shown: list[DaemonStatus] = []
    for group in by_host.values():
        live = [d for d in group if d.live]
        shown.extend(live or [min(group, key=lambda d: d.age)])
    return shown


def root_rows(daemon: DaemonStatus) -> list[Mapping[str, object]]:
    """The roots a daemon reported, as dicts."""
    roots = daemon.record.state.get("roots", [])
    return [r for r in roots if isinstance(r, Mapping)] if isinstance(roots, list) else []
