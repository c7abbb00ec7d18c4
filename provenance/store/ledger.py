"""The :class:`Ledger` facade: the only way the rest of provenance reaches the database.

A ledger is opened from a URL. The embedded SQLite default creates its schema
on first use; PostgreSQL is set up by ``provenance init``. Either way a schema
older than the code is refused with a message to run ``provenance init``.

Writes go through :meth:`record` and :meth:`record_removed`, each one locked
transaction (see :mod:`.writer`). Reads return plain records
(:mod:`.records`), never ORM objects. Events are never updated or deleted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from provenance.errors import AmbiguousTarget, LedgerUnavailable, SchemaOutdated, TargetNotFound
from provenance.store import daemons as watch_rows
from provenance.store import schema
from provenance.store.audit_facade import AuditLedger
from provenance.store.chain import ChainReport, check_chain
from provenance.store.daemons import CheckpointRecord, DaemonRecord, PathStamp
from provenance.store.engine import (
    WRITE_OPTION,
    make_engine,
    masked,
    missing_sqlite_file,
    parse_url,
)
from provenance.store.identity import current_actor, current_host
from provenance.store.lifecycle_facade import LifecycleLedger
from provenance.store.lifecycle_records import asset_from_row, record_from
from provenance.store.models import Asset, ChainHead, Event, Location
from provenance.store.records import (
    AssetQuery,
    AssetRecord,
    EventRecord,
    LocationRecord,
    Observation,
    RecordResult,
)
from provenance.store.writer import (
    IN_CHUNK,
    BatchRecorder,
    ChainAppender,
    PathExists,
    in_chunks,
    record_removed,
)

VERIFY_BATCH = 5_000


class Ledger(LifecycleLedger, AuditLedger):
    """The provenance ledger: assets, their locations, and the hash-chained event log.

    Its lifecycle methods (approvals, replacement, expiry, quarantine) are in
    :class:`~provenance.store.lifecycle_facade.LifecycleLedger`.
    """

    def __init__(
        self,
        url: str,
        *,
        actor: str | None = None,
        host: str | None = None,
        auto_create: bool | None = None,
    ) -> None:
        self.url = url
        self.actor = actor or current_actor()
        self.host = host or current_host()
        self._engine: Engine = make_engine(url)
        is_sqlite = parse_url(url).get_backend_name() == "sqlite"
        self._prepare(is_sqlite if auto_create is None else auto_create)

    @property
    def where(self) -> str:
        """The ledger's URL with any password masked."""
        return masked(self.url)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def _prepare(self, auto_create: bool) -> None:
        with self._translate_errors():
            revision = schema.check(self._engine, self.where)
            if revision is None:
                if not auto_create:
                    raise SchemaOutdated(
                        "ledger has no schema yet",
                        where=self.where,
                        fix="run `provenance init` first",
                    )
                schema.create(self._engine)

    @classmethod
    def existing(cls, url: str) -> Ledger:
        """The ledger at ``url``, which must exist already: nothing is created.

        For commands that read or change what is recorded (``history``,
        ``ls``, ``verify``, approvals, reports): on a mistyped ``--db`` they
        say there is no ledger there instead of showing an empty one, and
        ``verify`` never passes a chain that was never written.
        """
        missing = missing_sqlite_file(url)
        if missing is not None:
            raise LedgerUnavailable(
                "no ledger here",
                where=missing,
                fix="check --db or PROVENANCE_DB; a ledger is created by the first"
                " `provenance scan` (or by `provenance init`)",
            )
        return cls(url, auto_create=False)

    @classmethod
    def init(cls, url: str) -> tuple[Ledger, str | None, str]:
        """Create or upgrade the schema at ``url``; returns (ledger, revision before, after)."""
        engine = make_engine(url)
        try:
            with _translate(masked(url)):
                before, after = schema.upgrade(engine)
        finally:
            engine.dispose()
        return cls(url), before, after

    def close(self) -> None:
        """Release all connections."""
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        with _translate(self.where):
            yield

    @contextmanager
    def _write(self) -> Iterator[tuple[Connection, ChainAppender]]:
        with self._translate_errors(), self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn, ChainAppender(conn, self.actor, self.host)

    @contextmanager
    def _write_plain(self) -> Iterator[Connection]:
        # A write that touches no event: the same BEGIN IMMEDIATE on SQLite, no chain lock.
        with self._translate_errors(), self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with (
            self._translate_errors(),
            Session(self._engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    # -- writes ---------------------------------------------------------------

    def record(
        self, observations: Sequence[Observation], exists: PathExists = os.path.lexists
    ) -> list[RecordResult]:
        """Record a batch of observations in one transaction (see :mod:`.writer`)."""
        if not observations:
            return []
        with self._write() as (conn, chain):
            return BatchRecorder(conn, chain, exists).record(observations)

    def record_removed(self, paths: Iterable[str], host: str | None = None) -> int:
        """Record that files at these paths are gone; returns how many locations closed."""
        with self._write() as (conn, chain):
            return record_removed(conn, chain, host or self.host, paths)

    # -- the watch daemon's bookkeeping (see :mod:`.daemons`) -------------------

    def register_daemon(self, pid: int, started: datetime, state: Mapping[str, object]) -> int:
        """Record a watch daemon's first heartbeat on this host; returns its id."""
        with self._write_plain() as conn:
            return watch_rows.register(conn, self.host, pid, started, state)

    def heartbeat(self, daemon_id: int, state: Mapping[str, object]) -> None:
        """Say that daemon ``daemon_id`` is alive now, in this state."""
        with self._write_plain() as conn:
            watch_rows.beat(conn, daemon_id, datetime.now(UTC), state)

    def daemons(self) -> list[DaemonRecord]:
        """Every watch daemon with a heartbeat, on every host."""
        with self._read() as session:
            return watch_rows.daemons(session)

    def save_checkpoint(
        self, root: str, mode: str, completed: datetime, details: Mapping[str, object]
    ) -> None:
        """Record that ``root`` on this host was completely reconciled as of ``completed``."""
        with self._write_plain() as conn:
            watch_rows.save_checkpoint(conn, self.host, root, mode, completed, details)

    def checkpoints(self, host: str | None = None) -> list[CheckpointRecord]:
        """Reconcile checkpoints of one host, or of every host when ``host`` is None."""
        with self._read() as session:
            return watch_rows.checkpoints(session, host)

    def present_stamps_under(self, prefix: str, host: str | None = None) -> dict[str, PathStamp]:
        """Path → (size, mtime, inode) of the files the ledger believes present below ``prefix``."""
        with self._read() as session:
            return watch_rows.present_stamps_under(session.connection(), host or self.host, prefix)

    # -- reads ----------------------------------------------------------------

    def resolve(self, target: str) -> AssetRecord:
        """An asset by full SHA-256 or an unambiguous prefix (at least 4 hex digits)."""
        prefix = target.lower()
        with self._read() as conn:
            rows = conn.execute(
                select(Asset).where(Asset.sha256.startswith(prefix, autoescape=True)).limit(2)
            ).all()
        if not rows:
            raise TargetNotFound(
                "no asset with this hash in the ledger",
                where=target,
                fix="scan the file first, or check the hash",
            )
        if len(rows) > 1:
            raise AmbiguousTarget(
                "hash prefix matches several assets", where=target, fix="give more digits"
            )
        return asset_from_row(rows[0][0])

    def asset_at(self, path: str, host: str | None = None) -> AssetRecord | None:
        """The asset last seen at this path on this host (present or not), if any."""
        with self._read() as conn:
            row = conn.execute(
                select(Asset)
                .join(Location, Location.asset_sha256 == Asset.sha256)
                .where(Location.host == (host or self.host), Location.path == path)
                .order_by(Location.present.desc(), Location.last_seen.desc())
                .limit(1)
            ).first()
        return None if row is None else asset_from_row(row[0])

    def get_asset(self, sha256: str) -> AssetRecord | None:
        """An asset by its exact SHA-256."""
        with self._read() as conn:
            row = conn.execute(select(Asset).where(Asset.sha256 == sha256)).first()
        return None if row is None else asset_from_row(row[0])

    def locations(self, sha256: str) -> list[LocationRecord]:
        """Every place an asset has been seen, oldest first."""
        with self._read() as conn:
            rows = conn.scalars(
                select(Location)
                .where(Location.asset_sha256 == sha256)
                .order_by(Location.first_seen, Location.id)
            ).all()
        return [record_from(LocationRecord, r) for r in rows]

    def present_paths_under(self, prefix: str, host: str | None = None) -> list[str]:
        """Paths on this host below ``prefix`` that the ledger believes are present."""
        pattern = prefix.rstrip("/") + "/"
        with self._read() as conn:
            rows = conn.scalars(
                select(Location.path).where(
                    Location.host == (host or self.host),
                    Location.present,
                    Location.path.startswith(pattern, autoescape=True),
                )
            ).all()
        return list(rows)

    def events_for(self, sha256: str) -> list[EventRecord]:
        """An asset's events in order, including those where it was replaced at a path."""
        with self._read() as conn:
            rows = conn.scalars(
                select(Event)
                .where(
                    or_(
                        Event.asset_sha256 == sha256,
                        Event.details.contains(f'"previous":"{sha256}"'),
                    )
                )
                .order_by(Event.seq)
            ).all()
        return [_event(r) for r in rows]

    def events(
        self, after: int = 0, limit: int | None = None, types: Iterable[str] | None = None
    ) -> list[EventRecord]:
        """Events with ``seq`` greater than ``after`` (optionally of these types), in order."""
        query = select(Event).where(Event.seq > after).order_by(Event.seq)
        if types is not None:
            query = query.where(Event.type.in_(list(types)))
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_event(r) for r in conn.scalars(query).all()]

    def list_assets(self, query: AssetQuery) -> list[AssetRecord]:
        """Assets matching the filters, newest first."""
        if query.shas is not None and len(query.shas) > IN_CHUNK:  # one IN list each slice
            slices = (replace(query, shas=tuple(c), limit=None) for c in in_chunks(query.shas))
            found = sorted(
                (a for q in slices for a in self.list_assets(q)),
                key=lambda a: (-a.first_seen.timestamp(), a.sha256),
            )
            return found if query.limit is None else found[: query.limit]
        stmt = select(Asset).order_by(Asset.first_seen.desc(), Asset.sha256)
        stmt = _filter_assets(stmt, query)
        with self._read() as conn:
            return [asset_from_row(r) for r in conn.scalars(stmt).all()]

    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match the filters (``limit`` aside)."""
        stmt = _filter_assets(select(func.count()).select_from(Asset), replace(query, limit=None))
        with self._read() as conn:
            return int(conn.scalar(stmt) or 0)

    def counts(self) -> dict[str, int]:
        """Number of assets per verdict, plus locations and events."""
        with self._read() as conn:
            by_verdict = dict(
                conn.execute(select(Asset.verdict, func.count()).group_by(Asset.verdict)).all()
            )
            locations = conn.scalar(select(func.count()).select_from(Location)) or 0
            events = conn.scalar(select(func.count()).select_from(Event)) or 0
        return {
            **{str(k): int(v) for k, v in by_verdict.items()},
            "locations": locations,
            "events": events,
        }

    def verify(self, progress: Callable[[int], None] | None = None) -> ChainReport:
        """Check the whole event chain, streaming it in batches."""
        with self._read() as conn:
            head_row = conn.execute(
                select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1)
            ).first()
            head = (int(head_row.seq), str(head_row.hash)) if head_row else None
            return check_chain(_stream_events(conn, progress), head)


def _stream_events(conn: Session, progress: Callable[[int], None] | None) -> Iterator[Event]:
    last = 0
    while True:
        batch = conn.scalars(
            select(Event).where(Event.seq > last).order_by(Event.seq).limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
        if progress is not None:
            progress(len(batch))


def _filter_assets(stmt: Select[Any], query: AssetQuery) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if query.shas is not None:
        conditions.append(Asset.sha256.in_(query.shas))
    if query.verdict:
        conditions.append(Asset.verdict == query.verdict)
    if query.genai is not None:
        conditions.append((Asset.verdict == "genai") if query.genai else (Asset.verdict != "genai"))
    if query.status:
        conditions.append(Asset.status == query.status)
    if query.tool:
        conditions.append(Asset.tool == query.tool)
    if query.since:
        conditions.append(Asset.first_seen >= query.since)
    if query.path_prefix:
        under = select(Location.asset_sha256).where(
            Location.path.startswith(query.path_prefix, autoescape=True)
        )
        conditions.append(Asset.sha256.in_(under))
    if query.roots:
        below = [Location.path.startswith(f"{root.rstrip('/')}/", autoescape=True)
                 for root in query.roots]  # fmt: skip
        below += [Location.path == root for root in query.roots]
        conditions.append(Asset.sha256.in_(select(Location.asset_sha256).where(or_(*below))))
    if query.folder:
        within = select(Location.asset_sha256).where(
            Location.path.contains(f"/{query.folder}/", autoescape=True)
        )
        conditions.append(Asset.sha256.in_(within))
    stmt = stmt.where(*conditions)
    return stmt if query.limit is None else stmt.limit(query.limit)


@contextmanager
def _translate(where: str) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise LedgerUnavailable(
            f"cannot use the ledger ({_first_line(exc)})",
            where=where,
            fix="check the database server is running and the URL, user and permissions are right",
        ) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise LedgerUnavailable(
                f"lost the ledger connection ({_first_line(exc)})",
                where=where,
                fix="check the database server and network",
            ) from exc
        raise


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]


def _event(r: Event) -> EventRecord:
    return EventRecord(
        seq=r.seq,
        at=r.at,
        type=r.type,
        asset_sha256=r.asset_sha256,
        actor=r.actor,
        host=r.host,
        path=r.path,
        details=json.loads(r.details),
        prev_hash=r.prev_hash,
        hash=r.hash,
    )


def parse_since(text: str) -> datetime:
    """Parse an ISO date or datetime for ``--since`` (naive values are UTC)."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
