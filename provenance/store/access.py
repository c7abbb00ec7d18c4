"""What the ledger's facade parts need from the ``Ledger`` they are mixed into.

:class:`~provenance.store.ledger.Ledger` is one facade assembled from parts
(:class:`~provenance.store.lifecycle_facade.LifecycleLedger`,
:class:`~provenance.store.audit_facade.AuditLedger`). Each part reaches the
database only through the transactions declared here, which ``Ledger``
provides: a write that appends to the event chain, a plain write, a read.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from provenance.store.writer import ChainAppender


class LedgerAccess:
    """The identity and transactions a facade part uses; provided by ``Ledger``."""

    actor: str
    host: str

    def _write(self) -> AbstractContextManager[tuple[Connection, ChainAppender]]:
        raise NotImplementedError  # provided by Ledger

    def _write_plain(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by Ledger

    def _read(self) -> AbstractContextManager[Session]:
        raise NotImplementedError  # provided by Ledger
