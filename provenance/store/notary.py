"""The notary seam: how a write transaction gets its new chain head signed.

The store signs nothing itself and imports no key: a ledger may be given a
:class:`Notary` (this machine's key, :class:`provenance.signing.checkpoints.Notary`),
and then every write transaction that moved the head ends with
:func:`checkpoint_head`, inside the transaction.

A checkpoint names the range of events its transaction wrote (``first``
to ``seq``) and ``since``, the event from which the ledger's ranges cover
every event. ``since`` is fixed by the first writer that signed a range and
carried by every checkpoint after: each writer takes it from a checkpoint
it trusts (:meth:`Notary.since`), so an insider who deletes checkpoint rows
cannot move it above the events they appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from provenance.store.models import CheckpointRow
from provenance.store.records import iso
from provenance.store.writer import ChainAppender


class SignedHead(Protocol):
    """What a notary returns: a signed chain head (see ``provenance.signing.checkpoints``)."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def signer(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def first(self) -> int | None: ...
    @property
    def since(self) -> int | None: ...


class Notary(Protocol):
    """Signs chain heads with a machine key and remembers the latest outside the database."""

    def sign(
        self, seq: int, hash: str, at: str, host: str, first: int | None, since: int | None
    ) -> SignedHead:
        """A checkpoint of this head and of events ``first..seq``, signed (and kept until
        :meth:`committed`)."""

    def since(self, ranged: Callable[[], Sequence[SignedHead]], first: int) -> int:
        """Where the ledger's ranges begin: from this machine's anchor or the newest of
        ``ranged`` (the stored checkpoints that carry one) whose signature it trusts, else
        ``first`` (this transaction's first event: the ranges begin with it)."""

    def committed(self) -> None:
        """The transaction holding the last signed checkpoint committed: keep it as the anchor."""


def checkpoint_head(
    conn: Connection, chain: ChainAppender, start_seq: int, notary: Notary | None
) -> SignedHead | None:
    """Sign and insert the head if this transaction moved it; returns the checkpoint."""
    if notary is None or chain.seq == start_seq:
        return None
    first = start_seq + 1  # the chain lock was taken before start_seq was read: all ours
    since = notary.since(lambda: _ranged(conn), first)
    signed = notary.sign(chain.seq, chain.hash, iso(datetime.now(UTC)), chain.host, first, since)
    conn.execute(
        insert(CheckpointRow).values(
            seq=signed.seq, hash=signed.hash, at=signed.at, host=signed.host,
            signer=signed.signer, signature=signed.signature, first_seq=signed.first,
            since=signed.since,
        )
    )  # fmt: skip
    return signed


RANGED_LOOKED_AT = 16
"""How many of the newest ranged checkpoints a writer looks at for ``since``: rows with
bad signatures an insider put on top cannot make it look past many more."""


def _ranged(conn: Connection) -> list[CheckpointRecord]:
    table = CheckpointRow.__table__
    query = (
        select(table)
        .where(table.c.since.is_not(None))
        .order_by(table.c.seq.desc(), table.c.id.desc())
        .limit(RANGED_LOOKED_AT)
    )
    return [CheckpointRecord(**row._mapping) for row in conn.execute(query)]


@dataclass(frozen=True)
class CheckpointRecord:
    """A stored checkpoint row (a :class:`SignedHead`)."""

    id: int
    seq: int
    hash: str
    at: str
    host: str
    signer: str
    signature: str
    first_seq: int | None = None  # the events its transaction wrote, first_seq..seq (0016)
    since: int | None = None  # where the ledger's ranges begin (0016)

    @property
    def first(self) -> int | None:
        """The first event its transaction wrote (None on heads signed before 0016)."""
        return self.first_seq
