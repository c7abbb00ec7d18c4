"""Lifecycle transitions other than approvals: replace, expiry, quarantine.

Like :mod:`.approvals`, every function runs inside one locked write
transaction, re-reads what it changes, refuses what makes no sense, and
chains one event per change with a ``reason`` in its details.

The statuses of a generated asset::

    temporary ──approve──▶ approved ──approval lapses/revoked──▶ temporary
        │                                                           │
        └──past expiry──▶ expired ──purge──▶ quarantined ──delete──▶ deleted
                             ▲                  │
                             └─────restore──────┘
    any of them (but replaced) ──replace──▶ replaced
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from provenance.errors import TargetNotFound, TransitionRefused
from provenance.store.approvals import approvals_of, load_assets, set_status, settle
from provenance.store.lifecycle_records import (
    Clearance,
    QuarantineIn,
    QuarantineRecord,
    quarantine_from_row,
)
from provenance.store.models import Approval, Asset, Location, Quarantine
from provenance.store.records import AssetRecord, iso
from provenance.store.writer import ChainAppender, PendingEvent

FIXED = frozenset({"replaced", "quarantined", "deleted"})  # an expiry no longer applies


def replace(
    conn: Connection,
    chain: ChainAppender,
    pairs: Sequence[tuple[str, str]],
    reason: str,
    now: datetime,
) -> None:
    """Mark each generated asset ``old`` replaced by its ``new``, with an event on each."""
    for old, new in pairs:
        _replace(conn, chain, old, new, reason, now)
    chain.flush()


def _replace(
    conn: Connection, chain: ChainAppender, old: str, new: str, reason: str, now: datetime
) -> None:
    if old == new:
        raise TransitionRefused(
            "an asset cannot replace itself",
            where=old,
            fix="name the new shot, painting or comp as NEW",
        )
    assets = load_assets(conn, [old, new])
    _check_replaceable(assets[old], assets[new])
    conn.execute(
        update(Asset)
        .where(Asset.sha256 == old)
        .values(status="replaced", replaced_by=new, updated_at=now)
    )
    before = assets[old].status
    details = {"by": new, "reason": reason, "status": "replaced", "previous_status": before}
    chain.add(PendingEvent("replaced", old, None, details), now)
    chain.add(PendingEvent("replaces", new, None, {"replaces": old, "reason": reason}), now)


def _check_replaceable(old: AssetRecord, new: AssetRecord) -> None:
    if old.verdict != "genai":
        raise TransitionRefused(
            f"not a generated asset (verdict {old.verdict}): only generated material is replaced",
            where=old.sha256,
        )
    if old.status == "replaced":
        raise TransitionRefused(f"already replaced by {old.replaced_by}", where=old.sha256)
    if new.status == "replaced":
        raise TransitionRefused(
            f"the replacement was itself replaced by {new.replaced_by}",
            where=new.sha256,
            fix="name the newest version as NEW",
        )


def set_expiry(
    conn: Connection,
    chain: ChainAppender,
    shas: Sequence[str],
    expires_at: datetime,
    reason: str,
    now: datetime,
) -> list[AssetRecord]:
    """Give generated assets a new expiry; an expired one given a future date is temporary again."""
    assets = load_assets(conn, shas)
    for asset in assets.values():
        _check_expirable(asset)
    for sha in dict.fromkeys(shas):
        asset = assets[sha]
        status = asset.status
        if status == "expired" and expires_at > now:
            status = "temporary"  # given more time; a date already past waits for expire_due
        conn.execute(
            update(Asset)
            .where(Asset.sha256 == sha)
            .values(expires_at=expires_at, status=status, updated_at=now)
        )
        details = {
            "expires_at": iso(expires_at),
            "reason": reason,
            "status": status,
            "previous_expires_at": iso(asset.expires_at) if asset.expires_at else None,
            "previous_status": asset.status,
        }
        chain.add(PendingEvent("expiry-set", sha, None, details), now)
    chain.flush()
    return list(load_assets(conn, shas).values())


def _check_expirable(asset: AssetRecord) -> None:
    if asset.verdict != "genai":
        raise TransitionRefused(
            f"not a generated asset (verdict {asset.verdict}): it has no expiry", where=asset.sha256
        )
    if asset.status in FIXED:
        raise TransitionRefused(
            f"this asset is {asset.status}; an expiry no longer applies", where=asset.sha256
        )


def expire_due(
    conn: Connection, chain: ChainAppender, now: datetime, cleared: Clearance
) -> list[tuple[str, bool]]:
    """Mark assets past their expiry ``expired``; (sha, lost its approval) for each change.

    Approved assets whose approvals lapsed by ``now`` first become temporary
    again (``approval-lapsed``), and then expire like any other if due.
    """
    changed: dict[str, bool] = {}
    for sha in _lapsing(conn, now):
        if not cleared(load_assets(conn, [sha])[sha], approvals_of(conn, sha), now):
            set_status(conn, sha, "temporary", now)
            details = {
                "reason": "an approval it relied on lapsed",
                "status": "temporary",
                "previous_status": "approved",
            }
            chain.add(PendingEvent("approval-lapsed", sha, None, details), now)
            changed[sha] = True
    for sha, expires_at in _due(conn, now):
        set_status(conn, sha, "expired", now)
        details = {
            "reason": f"past its expiry ({iso(expires_at)}) without approval or replacement",
            "expires_at": iso(expires_at),
            "status": "expired",
            "previous_status": "temporary",
        }
        chain.add(PendingEvent("expired", sha, None, details), now)
        changed.setdefault(sha, False)
    chain.flush()
    return list(changed.items())


def _lapsing(conn: Connection, now: datetime) -> list[str]:
    lapsed = select(Approval.asset_sha256).where(
        Approval.revoked_at.is_(None), Approval.expires_at <= now
    )
    query = select(Asset.sha256).where(Asset.status == "approved", Asset.sha256.in_(lapsed))
    return list(conn.scalars(query.order_by(Asset.sha256)))


def _due(conn: Connection, now: datetime) -> list[tuple[str, datetime]]:
    rows = conn.execute(
        select(Asset.sha256, Asset.expires_at)
        .where(Asset.status == "temporary", Asset.expires_at <= now)
        .order_by(Asset.expires_at, Asset.sha256)
    ).all()
    return [(row.sha256, row.expires_at) for row in rows]


# -- quarantine ------------------------------------------------------------------------


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
        details = {"quarantine": row.id, "quarantine_path": entry.quarantine_path, "reason": reason}
        event = PendingEvent("quarantined", entry.asset_sha256, entry.original_path, details)
        chain.add(event, now)
    for sha in dict.fromkeys(e.asset_sha256 for e in entries):
        set_status(conn, sha, "quarantined", now)
    chain.flush()
    return records


def record_restored(
    conn: Connection, chain: ChainAppender, ids: Sequence[int], now: datetime, cleared: Clearance
) -> list[QuarantineRecord]:
    """Record quarantined copies moved back; an asset with none left in quarantine is settled."""
    held = _held(conn, ids)
    conn.execute(update(Quarantine).where(Quarantine.id.in_(ids)).values(restored_at=now))
    for record in held:
        _set_present(conn, record.asset_sha256, record.host, record.original_path, True, now)
        details = {
            "quarantine": record.id,
            "quarantine_path": record.quarantine_path,
            "reason": "restored from quarantine",
        }
        chain.add(PendingEvent("restored", record.asset_sha256, record.original_path, details), now)
    for sha in _emptied(conn, held):
        set_status(conn, sha, "temporary", now)
        settle(conn, sha, now, cleared)
    chain.flush()
    return _rows(conn, ids)


def record_deleted(
    conn: Connection, chain: ChainAppender, ids: Sequence[int], reason: str, now: datetime
) -> list[QuarantineRecord]:
    """Record quarantined copies deleted; an asset with none left in quarantine is ``deleted``."""
    held = _held(conn, ids)
    conn.execute(update(Quarantine).where(Quarantine.id.in_(ids)).values(deleted_at=now))
    for record in held:
        details = {"quarantine": record.id, "original_path": record.original_path, "reason": reason}
        chain.add(
            PendingEvent(
                "deleted-from-quarantine",
                record.asset_sha256,
                record.quarantine_path,
                details,
                record.host,
            ),
            now,
        )
    for sha in _emptied(conn, held):
        set_status(conn, sha, "deleted", now)
    chain.flush()
    return _rows(conn, ids)


def _held(conn: Connection, ids: Sequence[int]) -> list[QuarantineRecord]:
    records = _rows(conn, ids)
    known = {r.id for r in records}
    for missing in [i for i in ids if i not in known]:
        raise TargetNotFound(f"no quarantine entry #{missing}")
    for record in records:
        if not record.held:
            done = "restored" if record.restored_at else "deleted"
            raise TransitionRefused(
                f"quarantine entry #{record.id} was already {done}", where=record.quarantine_path
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
