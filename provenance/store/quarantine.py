"""The ledger's quarantine part: copies moved aside, moved back, or deleted for good.

:class:`QuarantinePart` is ``ledger.quarantine``. Moving files is the
lifecycle's job (:mod:`provenance.lifecycle.quarantine`); this part records
what was moved, each write in one transaction under the chain lock, with one
event per copy. A copy moved in closes its location and makes its asset
``quarantined``; once no copy of an asset is left in any host's quarantine,
a restored asset is settled again (:func:`.status.settle`) and a deleted one
is ``deleted``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from provenance.errors import TargetNotFound, TransitionRefused
from provenance.store.lifecycle_records import (
    QuarantineIn,
    QuarantineRecord,
    StatusRule,
    quarantine_from_row,
)
from provenance.store.models import Asset, Location, Quarantine
from provenance.store.records import iso
from provenance.store.status import load_assets, set_status, settle
from provenance.store.transactions import Transactions
from provenance.store.writer import ChainAppender, PendingEvent


class QuarantinePart:
    """Records of copies in the quarantine folder of each host."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def add(
        self, entries: Sequence[QuarantineIn], reason: str, now: datetime
    ) -> list[QuarantineRecord]:
        """Record copies on this host moved into quarantine."""
        with self._tx.write() as (conn, chain):
            return record_quarantined(conn, chain, entries, reason, now)

    def restore(
        self, ids: Sequence[int], now: datetime, rule: StatusRule
    ) -> list[QuarantineRecord]:
        """Record quarantined copies moved back where they were."""
        with self._tx.write() as (conn, chain):
            return record_restored(conn, chain, ids, now, rule)

    def delete(self, ids: Sequence[int], reason: str, now: datetime) -> list[QuarantineRecord]:
        """Record quarantined copies deleted for good."""
        with self._tx.write() as (conn, chain):
            return record_deleted(conn, chain, ids, reason, now)

    # Last: once `list` names this method, a later `list[...]` annotation would mean it.
    def list(
        self, *, sha: str | None = None, host: str | None = None, held_only: bool = True
    ) -> list[QuarantineRecord]:
        """Quarantine entries, optionally of one asset or one host, oldest first."""
        query = select(Quarantine.__table__).order_by(Quarantine.id)
        if sha is not None:
            query = query.where(Quarantine.asset_sha256 == sha)
        if host is not None:
            query = query.where(Quarantine.host == host)
        if held_only:
            query = query.where(Quarantine.restored_at.is_(None), Quarantine.deleted_at.is_(None))
        with self._tx.read() as session:
            return [quarantine_from_row(row) for row in session.connection().execute(query)]


def record_quarantined(
    conn: Connection,
    chain: ChainAppender,
    entries: Sequence[QuarantineIn],
    reason: str,
    now: datetime,
) -> list[QuarantineRecord]:
    """Record copies moved into quarantine: their locations close, their assets are quarantined."""
    records = []
    for entry in entries:
        values = {
            "asset_sha256": entry.asset_sha256,
            "host": chain.host,
            "original_path": entry.original_path,
            "quarantine_path": entry.quarantine_path,
            "quarantined_at": now,
        }
        row = conn.execute(insert(Quarantine).values(values).returning(Quarantine.__table__)).one()
        records.append(quarantine_from_row(row))
        _set_present(conn, entry.asset_sha256, chain.host, entry.original_path, False, now)
        details = {"quarantine": row.id, "quarantine_path": entry.quarantine_path,
                   "reason": reason, "status": "quarantined", "host": chain.host,
                   "quarantined_at": iso(now)}  # fmt: skip
        event = PendingEvent("quarantined", entry.asset_sha256, entry.original_path, details)
        chain.add(event, now)
    for sha in dict.fromkeys(e.asset_sha256 for e in entries):
        set_status(conn, sha, "quarantined", now)
    chain.flush()
    return records


def record_restored(
    conn: Connection, chain: ChainAppender, ids: Sequence[int], now: datetime, rule: StatusRule
) -> list[QuarantineRecord]:
    """Record quarantined copies moved back; an asset with none left in quarantine is settled."""
    held = _held(conn, ids)
    conn.execute(update(Quarantine).where(Quarantine.id.in_(ids)).values(restored_at=now))
    for record in held:
        _set_present(conn, record.asset_sha256, record.host, record.original_path, True, now)
    for sha in _emptied(conn, held):
        set_status(conn, sha, "temporary", now)
        settle(conn, sha, now, rule)
    status = _statuses(conn, held)
    for record in held:
        details = {
            "quarantine": record.id,
            "quarantine_path": record.quarantine_path,
            "reason": "restored from quarantine",
            "status": status[record.asset_sha256],
            "restored_at": iso(now),
        }
        chain.add(PendingEvent("restored", record.asset_sha256, record.original_path, details), now)
    chain.flush()
    return _rows(conn, ids)


def record_deleted(
    conn: Connection, chain: ChainAppender, ids: Sequence[int], reason: str, now: datetime
) -> list[QuarantineRecord]:
    """Record quarantined copies deleted; an asset with none left in quarantine is ``deleted``."""
    held = _held(conn, ids)
    conn.execute(update(Quarantine).where(Quarantine.id.in_(ids)).values(deleted_at=now))
    for sha in _emptied(conn, held):
        set_status(conn, sha, "deleted", now)
    status = _statuses(conn, held)
    for record in held:
        details = {"quarantine": record.id, "original_path": record.original_path,
                   "reason": reason, "status": status[record.asset_sha256],
                   "deleted_at": iso(now)}  # fmt: skip
        event = PendingEvent("deleted-from-quarantine", record.asset_sha256,
                             record.quarantine_path, details, record.host)  # fmt: skip
        chain.add(event, now)
    chain.flush()
    return _rows(conn, ids)


def _statuses(conn: Connection, records: Sequence[QuarantineRecord]) -> dict[str, str | None]:
    """The status each record's asset has now: what its events carry (see :mod:`.projection`)."""
    shas = sorted({r.asset_sha256 for r in records})
    return {sha: asset.status for sha, asset in load_assets(conn, shas).items()}


def _held(conn: Connection, ids: Sequence[int]) -> list[QuarantineRecord]:
    records = _rows(conn, ids)
    known = {r.id for r in records}
    for missing in [i for i in ids if i not in known]:
        raise TargetNotFound(
            f"no quarantine entry #{missing}", fix="`provenance ls --status quarantined` lists them"
        )
    for record in records:
        if not record.held:
            done = "restored" if record.restored_at else "deleted"
            raise TransitionRefused(
                f"quarantine entry #{record.id} was already {done} (by another command?)",
                where=record.quarantine_path,
                fix="nothing to do; `provenance history` shows what became of it",
            )
    return records


def _rows(conn: Connection, ids: Sequence[int]) -> list[QuarantineRecord]:
    query = select(Quarantine.__table__).where(Quarantine.id.in_(ids)).order_by(Quarantine.id)
    return [quarantine_from_row(row) for row in conn.execute(query)]


def _emptied(conn: Connection, records: Sequence[QuarantineRecord]) -> list[str]:
    """Quarantined assets among ``records`` with no copy left in any host's quarantine."""
    shas = sorted({r.asset_sha256 for r in records})
    still = select(Quarantine.asset_sha256).where(
        Quarantine.restored_at.is_(None), Quarantine.deleted_at.is_(None)
    )
    query = select(Asset.sha256).where(
        and_(Asset.sha256.in_(shas), Asset.status == "quarantined", Asset.sha256.not_in(still))
    )
    return list(conn.scalars(query))


def _set_present(
    conn: Connection, sha: str, host: str, path: str, present: bool, now: datetime
) -> None:
    conn.execute(
        update(Location)
        .where(Location.asset_sha256 == sha, Location.host == host, Location.path == path)
        .values(present=present, last_seen=now)
    )
