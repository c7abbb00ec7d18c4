"""Writing approvals, revocations and refused attempts, under the chain lock.

Each function runs inside one write transaction that holds the chain lock
(see :mod:`.writer`): it re-reads the assets it changes, refuses a change
that makes no sense *under that lock* (so two people acting at once cannot
slip past each other), writes the rows, and chains one event per asset.

An asset's status after an approval or a revocation is *settled* by
:func:`settle`: ``approved`` when the :data:`~.lifecycle_records.Clearance`
rule says its approvals clear it for finals, otherwise ``expired`` when its
expiry has passed, else ``temporary``. Statuses that approvals do not govern
(``replaced``, ``quarantined``, ``deleted``) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from provenance.errors import TargetNotFound, TransitionRefused
from provenance.store.lifecycle_records import (
    ApprovalRecord,
    ApprovalRequest,
    Clearance,
    DocumentIn,
    approval_from_row,
    asset_from_row,
)
from provenance.store.models import Approval, Asset, Document
from provenance.store.records import AssetRecord, iso
from provenance.store.writer import ChainAppender, PendingEvent

SETTLED = frozenset({"temporary", "expired", "approved"})  # statuses approvals govern
DOCUMENT_NAME_MAX = 255


def load_assets(conn: Connection, shas: Iterable[str]) -> dict[str, AssetRecord]:
    """The assets with these hashes; a missing one is an error naming it."""
    wanted = sorted(set(shas))
    rows = conn.execute(select(Asset.__table__).where(Asset.sha256.in_(wanted))).all()
    found = {row.sha256: asset_from_row(row) for row in rows}
    for sha in wanted:
        if sha not in found:
            raise TargetNotFound("no asset with this hash in the ledger", where=sha)
    return found


def approvals_of(conn: Connection, sha: str) -> list[ApprovalRecord]:
    """Every approval of one asset, oldest first, revoked ones included."""
    rows = conn.execute(
        select(Approval.__table__).where(Approval.asset_sha256 == sha).order_by(Approval.id)
    ).all()
    return [approval_from_row(row) for row in rows]


def settle(
    conn: Connection, sha: str, now: datetime, cleared: Clearance
) -> tuple[str | None, str | None]:
    """Bring an asset's status in line with its approvals; returns (before, after)."""
    asset = load_assets(conn, [sha])[sha]
    if asset.status not in SETTLED:
        return asset.status, asset.status
    if cleared(asset, approvals_of(conn, sha), now):
        status = "approved"
    else:
        due = asset.expires_at is not None and asset.expires_at <= now
        status = "expired" if due else "temporary"
    set_status(conn, sha, status, now)
    return asset.status, status


def set_status(conn: Connection, sha: str, status: str, now: datetime) -> None:
    """Write an asset's status (and touch ``updated_at``)."""
    conn.execute(update(Asset).where(Asset.sha256 == sha).values(status=status, updated_at=now))


def check_approvable(asset: AssetRecord) -> None:
    """Refuse approving an asset whose state makes an approval meaningless."""
    where = asset.sha256
    if asset.verdict != "genai":
        raise TransitionRefused(
            f"not a generated asset (verdict {asset.verdict}): there is nothing to approve",
            where=where,
            fix="approvals are for generated material only",
        )
    if asset.status == "replaced":
        raise TransitionRefused(
            f"this asset was replaced by {asset.replaced_by}",
            where=where,
            fix="approve the replacement instead, if it needs approval",
        )
    if asset.status in ("quarantined", "deleted"):
        raise TransitionRefused(
            f"this asset is {asset.status}",
            where=where,
            fix="restore it first (`provenance restore`), then approve it",
        )


def store_document(conn: Connection, document: DocumentIn, now: datetime, actor: str) -> None:
    """Copy a reference document into the ledger unless the same bytes are there already."""
    known = conn.scalar(select(Document.sha256).where(Document.sha256 == document.sha256))
    if known is None:
        conn.execute(
            insert(Document).values(
                sha256=document.sha256,
                name=document.name[:DOCUMENT_NAME_MAX],
                size=document.size,
                content=document.content,
                stored_at=now,
                stored_by=actor,
            )
        )


def approve(
    conn: Connection,
    chain: ChainAppender,
    requests: Sequence[ApprovalRequest],
    document: DocumentIn,
    now: datetime,
    cleared: Clearance,
) -> list[ApprovalRecord]:
    """Record approvals resting on one document; all of them or, on any refusal, none."""
    assets = load_assets(conn, [r.asset_sha256 for r in requests])
    for asset in assets.values():
        check_approvable(asset)
    store_document(conn, document, now, chain.actor)
    records = []
    for request in requests:
        record = _insert(conn, request, document.sha256, now, chain.actor, chain.host)
        before, after = settle(conn, request.asset_sha256, now, cleared)
        details = _approval_details(record) | _status(before, after)
        details["reason"] = (
            f"written approval ({record.category}, {record.scope}) by {record.approver}"
        )
        chain.add(PendingEvent("approved", record.asset_sha256, request.path, details), now)
        records.append(record)
    chain.flush()
    return records


def _insert(
    conn: Connection, request: ApprovalRequest, document: str, now: datetime, actor: str, host: str
) -> ApprovalRecord:
    values = {
        "asset_sha256": request.asset_sha256,
        "category": request.category,
        "scope": request.scope,
        "approver": request.approver,
        "recorded_by": actor,
        "host": host,
        "reference_path": request.reference_path,
        "reference_sha256": document,
        "approved_at": now,
        "expires_at": request.expires_at,
        "note": request.note,
    }
    row = conn.execute(insert(Approval).values(**values).returning(Approval.__table__)).one()
    return approval_from_row(row)


def revoke(
    conn: Connection,
    chain: ChainAppender,
    approval_id: int,
    reason: str,
    now: datetime,
    cleared: Clearance,
) -> ApprovalRecord:
    """Revoke one approval and settle its asset's status."""
    row = conn.execute(select(Approval.__table__).where(Approval.id == approval_id)).first()
    if row is None:
        raise TargetNotFound(
            f"no approval #{approval_id} in the ledger", fix="see `provenance history`"
        )
    if row.revoked_at is not None:
        raise TransitionRefused(
            f"approval #{approval_id} was already revoked on {row.revoked_at:%Y-%m-%d}"
            f" by {row.revoked_by}"
        )
    conn.execute(
        update(Approval)
        .where(Approval.id == approval_id)
        .values(revoked_at=now, revoked_by=chain.actor, revoke_reason=reason)
    )
    before, after = settle(conn, row.asset_sha256, now, cleared)
    details = {"approval": approval_id, "category": row.category, "reason": reason}
    details |= _status(before, after)
    chain.add(PendingEvent("revoked", row.asset_sha256, None, details), now)
    chain.flush()
    query = select(Approval.__table__).where(Approval.id == approval_id)
    return approval_from_row(conn.execute(query).one())


def record_refusal(
    chain: ChainAppender, shas: Sequence[str | None], details: Mapping[str, object], now: datetime
) -> None:
    """Chain one ``approval-refused`` event per asset the refused attempt named."""
    for sha in shas or [None]:
        chain.add(PendingEvent("approval-refused", sha, None, dict(details)), now)
    chain.flush()


def _approval_details(record: ApprovalRecord) -> dict[str, object]:
    return {
        "approval": record.id,
        "category": record.category,
        "scope": record.scope,
        "approver": record.approver,
        "reference": record.reference_path,
        "reference_sha256": record.reference_sha256,
        "expires_at": iso(record.expires_at) if record.expires_at else None,
        "note": record.note,
    }


def _status(before: str | None, after: str | None) -> dict[str, object]:
    return {"status": after, "previous_status": before}
