"""The ledger's checkpoints part: chain heads signed by the machines that wrote them.

:class:`CheckpointsPart` is ``ledger.checkpoints``. When a ledger has a
notary (:meth:`~provenance.store.Ledger.attach_notary`: this machine's key,
see :mod:`provenance.signing.checkpoints`), every write transaction that
adds events ends by signing the new head and inserting that checkpoint *in
the same transaction* (:func:`.notary.checkpoint_head`), so no event is ever
committed unsigned; after the commit the notary keeps the checkpoint as the
machine's own anchor, outside the database.

The store never checks signatures: it hands the rows to ``verify``
(:mod:`provenance.lifecycle.anchors`), with the event hashes at their seqs.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from provenance.store.models import ChainHead, CheckpointRow, Event
from provenance.store.notary import CheckpointRecord
from provenance.store.transactions import Transactions


class CheckpointsPart:
    """Signed chain heads, and the event hashes they should match."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def all(self) -> list[CheckpointRecord]:
        """Every checkpoint, in the order written."""
        with self._tx.read() as session:
            rows = session.connection().execute(
                select(CheckpointRow.__table__).order_by(CheckpointRow.id)
            )
            return [CheckpointRecord(**row._mapping) for row in rows]

    def ranged_after(self, seq: int) -> list[CheckpointRecord]:
        """The checkpoints that sign a range, of heads after ``seq``, in order."""
        table = CheckpointRow.__table__
        query = (
            select(table)
            .where(table.c.seq > seq, table.c.first_seq.is_not(None))
            .order_by(table.c.seq, table.c.id)
        )
        with self._tx.read() as session:
            return [CheckpointRecord(**row._mapping) for row in session.connection().execute(query)]

    def newest(self) -> CheckpointRecord | None:
        """The checkpoint of the highest seq (the latest written among equals)."""
        query = select(CheckpointRow.__table__).order_by(
            CheckpointRow.seq.desc(), CheckpointRow.id.desc()
        )
        with self._tx.read() as session:
            row = session.connection().execute(query.limit(1)).first()
        return None if row is None else CheckpointRecord(**row._mapping)

    def hashes_at(self, seqs: Iterable[int]) -> dict[int, str]:
        """The hash of the event at each seq (seqs with no event are left out)."""
        found: dict[int, str] = {}
        with self._tx.read() as session:
            wanted = sorted(set(seqs))
            for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
                query = select(Event.seq, Event.hash).where(Event.seq.in_(chunk))
                found.update({int(s): str(h) for s, h in session.connection().execute(query)})
        return found

    def head(self) -> tuple[int, str]:
        """The chain head as the ledger states it (seq, hash)."""
        with self._tx.read() as session:
            row = session.connection().execute(select(ChainHead.seq, ChainHead.hash)).one()
            return int(row.seq), str(row.hash)
