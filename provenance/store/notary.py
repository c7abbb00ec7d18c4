"""The notary seam: how a write transaction gets its new chain head signed.

The store signs nothing itself and imports no key: a ledger may be given a
:class:`Notary` (this machine's key, :class:`provenance.signing.checkpoints.Notary`),
and then every write transaction that moved the head ends with
:func:`checkpoint_head`, inside the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import insert
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


class Notary(Protocol):
    """Signs chain heads with a machine key and remembers the latest outside the database."""

    def sign(self, seq: int, hash: str, at: str, host: str) -> SignedHead:
        """A checkpoint of this head, signed (and kept until :meth:`committed`)."""

    def committed(self) -> None:
        """The transaction holding the last signed checkpoint committed: keep it as the anchor."""


def checkpoint_head(
    conn: Connection, chain: ChainAppender, start_seq: int, notary: Notary | None
) -> SignedHead | None:
    """Sign and insert the head if this transaction moved it; returns the checkpoint."""
    if notary is None or chain.seq == start_seq:
        return None
    signed = notary.sign(chain.seq, chain.hash, iso(datetime.now(UTC)), chain.host)
    conn.execute(
        insert(CheckpointRow).values(
            seq=signed.seq, hash=signed.hash, at=signed.at, host=signed.host,
            signer=signed.signer, signature=signed.signature,
        )
    )  # fmt: skip
    return signed
