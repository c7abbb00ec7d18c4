"""The write path: one transaction records a batch of observations.

Every write transaction first takes the chain lock (``BEGIN IMMEDIATE`` on
SQLite, ``SELECT ... FOR UPDATE`` of the ``chain_head`` row on PostgreSQL),
then decides, under that lock, what each observation means:

* content never seen → new asset + ``detected`` event;
* content already at this (host, path) → nothing but ``last_seen`` (a re-scan
  adds no event);
* other content already at this path → the old location is closed and a
  ``modified`` event names the asset it replaced;
* known content at a new path, while a place it was at has vanished →
  ``moved`` (a rename, or a delete plus create of the same bytes);
* known content at a new path otherwise → ``seen`` (a copy).

Events are appended with consecutive ``seq`` numbers and chained hashes, and
the head row is updated in the same transaction, so a crash leaves either the
whole batch or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from provenance.store.chain import details_text, event_hash
from provenance.store.models import Asset, ChainHead, Event, Location
from provenance.store.records import AssetFacts, Observation, Outcome, RecordResult, iso

PathExists = Callable[[str], bool]

GENAI_INITIAL_STATUS = "temporary"


@dataclass
class PendingEvent:
    """An event waiting to be chained and appended."""

    type: str
    asset_sha256: str | None
    path: str | None
    details: Mapping[str, object] = field(default_factory=dict)
    host: str | None = None


class ChainAppender:
    """Appends events after the locked chain head, within one transaction."""

    def __init__(self, connection: Connection, actor: str, host: str) -> None:
        self._conn = connection
        self._actor = actor
        self._host = host
        head = connection.execute(
            select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1).with_for_update()
        ).one()
        self.seq, self.hash = int(head.seq), str(head.hash)
        self._rows: list[dict[str, object]] = []

    def add(self, pending: PendingEvent, at: datetime) -> None:
        """Chain one event after the previous one."""
        row: dict[str, object] = {
            "seq": self.seq + 1,
            "at": iso(at),
            "type": pending.type,
            "asset_sha256": pending.asset_sha256,
            "actor": self._actor,
            "host": pending.host or self._host,
            "path": pending.path,
            "details": details_text(pending.details),
            "prev_hash": self.hash,
        }
        row["hash"] = event_hash(**row)  # type: ignore[arg-type]
        self._rows.append(row)
        self.seq, self.hash = int(row["seq"]), str(row["hash"])  # type: ignore[call-overload]

    def flush(self) -> int:
        """Write the chained events and move the head; returns how many were written."""
        if self._rows:
            self._conn.execute(insert(Event), self._rows)
            self._conn.execute(
                update(ChainHead).where(ChainHead.id == 1).values(seq=self.seq, hash=self.hash)
            )
        written, self._rows = len(self._rows), []
        return written


def asset_row(facts: AssetFacts, now: datetime) -> dict[str, object]:
    """The ``assets`` row for newly seen content."""
    return {
        "sha256": facts.sha256,
        "size": facts.size,
        "kind": facts.kind,
        "mime": facts.mime,
        "format": facts.format,
        "width": facts.width,
        "height": facts.height,
        "duration": facts.duration,
        "verdict": facts.verdict,
        "tool": facts.tool,
        "confidence": facts.confidence,
        "evidence": [dict(e) for e in facts.evidence],
        "prompt": facts.prompt,
        "problem": facts.problem,
        "status": GENAI_INITIAL_STATUS if facts.verdict == "genai" else None,
        "first_seen": now,
        "updated_at": now,
    }


@dataclass(frozen=True)
class _Place:
    """A present location: its row id and the asset there."""

    id: int
    asset_sha256: str


class BatchRecorder:
    """Records a batch of observations inside one locked write transaction."""

    def __init__(
        self, connection: Connection, appender: ChainAppender, host: str, exists: PathExists
    ) -> None:
        self._conn = connection
        self._chain = appender
        self._host = host
        self._exists = exists
        self._now = datetime.now(UTC)
        self._known: set[str] = set()

    def record(self, observations: Sequence[Observation]) -> list[RecordResult]:
        """Record every observation; later items see the effect of earlier ones."""
        self._known = self._existing_assets({o.asset.sha256 for o in observations})
        results = [self._record_one(obs) for obs in observations]
        self._chain.flush()
        return results

    def _existing_assets(self, shas: Iterable[str]) -> set[str]:
        wanted = list(shas)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(self._conn.scalars(select(Asset.sha256).where(Asset.sha256.in_(chunk))))
        return found

    def _record_one(self, obs: Observation) -> RecordResult:
        sha = obs.asset.sha256
        is_new = sha not in self._known
        if is_new:
            self._conn.execute(insert(Asset), [asset_row(obs.asset, self._now)])
            self._known.add(sha)
        current = self._present_at(obs.host, obs.path)
        if current is not None and current.asset_sha256 == sha:
            self._refresh(current.id, obs)
            return RecordResult(sha, obs.path, "unchanged")
        outcome = self._place(obs, current, is_new)
        return RecordResult(sha, obs.path, outcome)

    def _place(self, obs: Observation, current: _Place | None, is_new: bool) -> Outcome:
        sha = obs.asset.sha256
        if current is not None:
            self._close(current.id)
        moved_from = None if is_new or current is not None else self._vanished_place(sha, obs.host)
        self._open(obs)
        if is_new:
            self._event("detected", sha, obs, {"verdict": obs.asset.verdict, "tool": obs.asset.tool})
        if current is not None:
            self._event("modified", sha, obs, {"previous": current.asset_sha256})
            return "new" if is_new else "modified"
        if moved_from is not None:
            self._event("moved", sha, obs, {"from": moved_from})
            return "moved"
        if not is_new:
            self._event("seen", sha, obs, {})
            return "seen"
        return "new"

    def _event(self, kind: str, sha: str, obs: Observation, details: Mapping[str, object]) -> None:
        self._chain.add(PendingEvent(kind, sha, obs.path, details, obs.host), self._now)

    def _present_at(self, host: str, path: str) -> _Place | None:
        row = self._conn.execute(
            select(Location.id, Location.asset_sha256).where(
                Location.host == host, Location.path == path, Location.present
            )
        ).first()
        return None if row is None else _Place(int(row.id), str(row.asset_sha256))

    def _vanished_place(self, sha: str, host: str) -> str | None:
        rows = self._conn.execute(
            select(Location.id, Location.path).where(
                Location.asset_sha256 == sha, Location.host == host, Location.present
            )
        ).all()
        for row in rows:
            if not self._exists(row.path):
                self._close(row.id)
                return str(row.path)
        return None

    def _refresh(self, location_id: int, obs: Observation) -> None:
        self._conn.execute(
            update(Location)
            .where(Location.id == location_id)
            .values(last_seen=self._now, size=obs.size, mtime_ns=obs.mtime_ns, inode=obs.inode)
        )

    def _close(self, location_id: int) -> None:
        self._conn.execute(update(Location).where(Location.id == location_id).values(present=False))

    def _open(self, obs: Observation) -> None:
        stamp = {"size": obs.size, "mtime_ns": obs.mtime_ns, "inode": obs.inode, "last_seen": self._now}
        reopened = self._conn.execute(
            update(Location)
            .where(
                Location.asset_sha256 == obs.asset.sha256,
                Location.host == obs.host,
                Location.path == obs.path,
            )
            .values(present=True, **stamp)
        )
        if reopened.rowcount == 0:
            self._conn.execute(
                insert(Location),
                [{"asset_sha256": obs.asset.sha256, "host": obs.host, "path": obs.path,
                  "first_seen": self._now, "present": True, **stamp}],
            )


def record_removed(
    connection: Connection, appender: ChainAppender, host: str, paths: Iterable[str]
) -> int:
    """Close present locations at these paths with ``removed`` events; returns how many."""
    now = datetime.now(UTC)
    count = 0
    for path in paths:
        rows = connection.execute(
            select(Location.id, Location.asset_sha256).where(
                Location.host == host, Location.path == path, Location.present
            )
        ).all()
        for row in rows:
            connection.execute(update(Location).where(Location.id == row.id).values(present=False))
            appender.add(PendingEvent("removed", row.asset_sha256, path, {}, host), now)
            count += 1
    appender.flush()
    return count
