"""The ledger's daemons part: the watch daemon's heartbeats and per-root checkpoints.

Neither is part of the hash-chained history. A heartbeat says "this daemon
on this host is alive, and this is its state" and is overwritten every few
seconds; a checkpoint says "this root on this host was last reconciled
completely at this time, in this mode". Both are written in short
transactions of their own that never take the chain lock, so a heartbeat
never waits behind a large batch of events on PostgreSQL.

:class:`DaemonsPart` is ``ledger.daemons``; the functions below it take a
connection (or, to read models, a session) and are its steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from provenance.store.models import WatchCheckpoint, WatchDaemon
from provenance.store.records import iso
from provenance.store.transactions import Transactions

# Heartbeat rows of a host older than this are forgotten when a daemon starts there.
FORGET_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class DaemonRecord:
    """A watch daemon as its heartbeats describe it."""

    id: int
    host: str
    pid: int
    started: datetime
    last_beat: datetime
    state: Mapping[str, object]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "host": self.host,
            "pid": self.pid,
            "started": iso(self.started),
            "last_beat": iso(self.last_beat),
            "state": dict(self.state),
        }


@dataclass(frozen=True)
class CheckpointRecord:
    """The last complete reconcile of one watched root on one host."""

    host: str
    root: str
    mode: str
    last_reconcile: datetime
    details: Mapping[str, object]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "host": self.host,
            "root": self.root,
            "mode": self.mode,
            "last_reconcile": iso(self.last_reconcile),
            "details": dict(self.details),
        }


class DaemonsPart:
    """Heartbeats of watch daemons and the checkpoints of their reconciles."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def register(self, pid: int, started: datetime, state: Mapping[str, object]) -> int:
        """Record a watch daemon's first heartbeat on this host; returns its id."""
        with self._tx.write_plain() as conn:
            return register(conn, self._tx.host, pid, started, state)

    def beat(self, daemon_id: int, state: Mapping[str, object]) -> None:
        """Say that daemon ``daemon_id`` is alive now, in this state."""
        with self._tx.write_plain() as conn:
            beat(conn, daemon_id, datetime.now(UTC), state)

    def save_checkpoint(
        self, root: str, mode: str, completed: datetime, details: Mapping[str, object]
    ) -> None:
        """Record that ``root`` on this host was completely reconciled as of ``completed``."""
        with self._tx.write_plain() as conn:
            save_checkpoint(conn, self._tx.host, root, mode, completed, details)

    def checkpoints(self, host: str | None = None) -> list[CheckpointRecord]:
        """Reconcile checkpoints of one host, or of every host when ``host`` is None."""
        with self._tx.read() as session:
            return checkpoints(session, host)

    # Last: once `list` names this method, a later `list[...]` annotation would mean it.
    def list(self) -> list[DaemonRecord]:
        """Every watch daemon with a heartbeat, on every host."""
        with self._tx.read() as session:
            return daemons(session)


def register(
    conn: Connection, host: str, pid: int, started: datetime, state: Mapping[str, object]
) -> int:
    """Insert a daemon's first heartbeat (forgetting this host's long-dead ones); its id."""
    conn.execute(
        delete(WatchDaemon).where(
            WatchDaemon.host == host, WatchDaemon.last_beat < started - FORGET_AFTER
        )
    )
    row = {"host": host, "pid": pid, "started": started, "last_beat": started, "state": dict(state)}
    return int(conn.execute(insert(WatchDaemon).returning(WatchDaemon.id), row).scalar_one())


def beat(conn: Connection, daemon_id: int, at: datetime, state: Mapping[str, object]) -> None:
    """Overwrite a daemon's heartbeat time and state."""
    conn.execute(
        update(WatchDaemon)
        .where(WatchDaemon.id == daemon_id)
        .values(last_beat=at, state=dict(state))
    )


def daemons(session: Session) -> list[DaemonRecord]:
    """Every daemon with a heartbeat, by host, newest first."""
    rows = session.scalars(
        select(WatchDaemon).order_by(WatchDaemon.host, WatchDaemon.last_beat.desc())
    ).all()
    return [
        DaemonRecord(r.id, r.host, r.pid, r.started, r.last_beat, dict(r.state or {})) for r in rows
    ]


def save_checkpoint(
    conn: Connection,
    host: str,
    root: str,
    mode: str,
    at: datetime,
    details: Mapping[str, object],
) -> None:
    """Insert or overwrite the checkpoint of (host, root)."""
    values = {"mode": mode, "last_reconcile": at, "details": dict(details)}
    where = (WatchCheckpoint.host == host, WatchCheckpoint.root == root)
    if conn.execute(update(WatchCheckpoint).where(*where).values(**values)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(WatchCheckpoint), {"host": host, "root": root, **values})
    except IntegrityError:  # another daemon inserted it between our update and insert
        conn.execute(update(WatchCheckpoint).where(*where).values(**values))


def checkpoints(session: Session, host: str | None) -> list[CheckpointRecord]:
    """The checkpoints of one host (or all hosts), by host and root."""
    query = select(WatchCheckpoint).order_by(WatchCheckpoint.host, WatchCheckpoint.root)
    if host is not None:
        query = query.where(WatchCheckpoint.host == host)
    return [
        CheckpointRecord(r.host, r.root, r.mode, r.last_reconcile, dict(r.details or {}))
        for r in session.scalars(query).all()
    ]
