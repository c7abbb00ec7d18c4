"""The ledger's events part: the append-only, hash-chained history.

:class:`EventsPart` is ``ledger.events``. Events are written by the other
parts and by :meth:`~provenance.store.Ledger.record`, never updated or
deleted; this part reads them (``of`` one asset, ``list`` after a
sequence number) and checks the whole chain (``verify``, see :mod:`.chain`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from provenance.store.chain import ChainReport, check_chain
from provenance.store.models import ChainHead, Event
from provenance.store.records import EventRecord
from provenance.store.transactions import Transactions

VERIFY_BATCH = 5_000


class EventsPart:
    """The event log: an asset's history, events in order, the chain's check."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def of(self, sha256: str) -> list[EventRecord]:
        """An asset's events in order, including those where it was replaced at a path."""
        with self._tx.read() as conn:
            rows = conn.scalars(
                select(Event)
                .where(
                    or_(
                        Event.asset_sha256 == sha256,
                        # Only `modified` events name a previous content: looking in those
                        # alone (by the type's index) spares a scan of every event's details.
                        and_(
                            Event.type == "modified",
                            Event.details.contains(f'"previous":"{sha256}"'),
                        ),
                    )
                )
                .order_by(Event.seq)
            ).all()
        return [_event(r) for r in rows]

    def verify(self, progress: Callable[[int], None] | None = None) -> ChainReport:
        """Check the whole event chain, streaming it in batches."""
        with self._tx.read() as conn:
            head_row = conn.execute(
                select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1)
            ).first()
            head = (int(head_row.seq), str(head_row.hash)) if head_row else None
            return check_chain(_stream_events(conn, progress), head)

    def assets_between(
        self, after: int, through: int, types: Iterable[str], mentioning: str | None = None
    ) -> set[str]:
        """The assets of the events of ``types`` with ``after < seq <= through`` (and whose
        details hold the text ``mentioning``, when given)."""
        # From a later seq, the few events since are found by seq: the type's index would
        # have the database read every event of those types first.
        kind = Event.type.concat("") if after else Event.type
        query = select(Event.asset_sha256).distinct().where(
            Event.seq > after, Event.seq <= through, kind.in_(list(types)),
            Event.asset_sha256.is_not(None),
        )  # fmt: skip
        if mentioning is not None:
            query = query.where(Event.details.contains(mentioning))
        with self._tx.read() as conn:
            return {str(sha) for sha in conn.scalars(query)}

    # Last: once `list` names this method, a later `list[...]` annotation would mean it.
    def list(
        self, after: int = 0, limit: int | None = None, types: Iterable[str] | None = None
    ) -> list[EventRecord]:
        """Events with ``seq`` greater than ``after`` (optionally of these types), in order."""
        query = select(Event).where(Event.seq > after).order_by(Event.seq)
        if types is not None:
            query = query.where(Event.type.in_(list(types)))
        if limit is not None:
            query = query.limit(limit)
        with self._tx.read() as conn:
            return [_event(r) for r in conn.scalars(query).all()]


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
