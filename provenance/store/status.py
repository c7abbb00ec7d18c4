"""Reading and settling an asset's lifecycle status inside a write transaction.

The parts that change a generated asset (:mod:`.approvals`, :mod:`.genai`,
:mod:`.quarantine`) share these steps. Each runs inside one write transaction
that holds the chain lock (see :mod:`.writer`), so what it reads cannot change
under it before the change is written.

An asset's status is *settled* by :func:`settle`: set to what the
:data:`~.lifecycle_records.StatusRule` the lifecycle passes in says, given its
approvals and the time. Statuses that approvals do not govern
(``replaced``, ``quarantined``, ``deleted``) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from provenance.errors import TargetNotFound
from provenance.store.lifecycle_records import ApprovalRecord, StatusRule, approval_from_row
from provenance.store.models import Approval, Asset
from provenance.store.records import AssetRecord, asset_from_row
from provenance.vocab import OPEN_STATUSES


def load_assets(conn: Connection, shas: Iterable[str]) -> dict[str, AssetRecord]:
    """The assets with these hashes; a missing one is an error naming it."""
    wanted = sorted(set(shas))
    rows = conn.execute(select(Asset.__table__).where(Asset.sha256.in_(wanted))).all()
    found = {row.sha256: asset_from_row(row) for row in rows}
    for sha in wanted:
        if sha not in found:
            raise TargetNotFound(
                "no asset with this hash in the ledger", where=sha, fix="scan the file first"
            )
    return found


def approvals_of(conn: Connection, sha: str) -> list[ApprovalRecord]:
    """Every approval of one asset, oldest first, revoked ones included."""
    rows = conn.execute(
        select(Approval.__table__).where(Approval.asset_sha256 == sha).order_by(Approval.id)
    ).all()
    return [approval_from_row(row) for row in rows]


def settle(
    conn: Connection, sha: str, now: datetime, rule: StatusRule
) -> tuple[str | None, str | None]:
    """Bring an asset's status in line with its approvals; returns (before, after)."""
    asset = load_assets(conn, [sha])[sha]
    if asset.status not in OPEN_STATUSES:
        return asset.status, asset.status
    status = rule(asset, approvals_of(conn, sha), now)
    set_status(conn, sha, status, now)
    return asset.status, status


def set_status(conn: Connection, sha: str, status: str, now: datetime) -> None:
    """Write an asset's status (and touch ``updated_at``)."""
    conn.execute(update(Asset).where(Asset.sha256 == sha).values(status=status, updated_at=now))
