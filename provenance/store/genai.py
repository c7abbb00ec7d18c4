"""The ledger's part for generated assets: replace, expiry, flags added, screening again.

:class:`GenaiPart` is ``ledger.genai``: the lifecycle's writes on generated
assets other than approvals (:mod:`.approvals`) and quarantine
(:mod:`.quarantine`). Like those, every write runs in one transaction under
the chain lock, re-reads what it changes, refuses what makes no sense, and
chains one event per change with a ``reason`` in its details.

The statuses of a generated asset::

    temporary ──approve──▶ approved ──approval lapses/revoked──▶ temporary
        │                                                           │
        └──past expiry──▶ expired ──purge──▶ quarantined ──delete──▶ deleted
                             ▲                  │
                             └─────restore──────┘
    any of them (but replaced) ──replace──▶ replaced

Flags added after detection (``provenance rescreen``) only ever grow an
asset's ``flags`` (a term taken off a watchlist does not quietly clear an
asset that matched it); its status is settled against its approvals, so an
``approved`` asset that now needs another category's approval is
``temporary`` again (or ``expired``) until it gets one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from provenance.errors import TransitionRefused
from provenance.store.chunks import in_chunks
from provenance.store.lifecycle_records import ExpiredAsset, FlagsAdded, Screenable, StatusRule
from provenance.store.locations import present_locations
from provenance.store.models import Approval, Asset
from provenance.store.records import AssetRecord, iso
from provenance.store.status import approvals_of, load_assets, set_status, settle
from provenance.store.transactions import Transactions
from provenance.store.writer import ChainAppender, PendingEvent

FIXED = frozenset({"replaced", "quarantined", "deleted"})  # an expiry no longer applies

FlagDict = Mapping[str, object]


class GenaiPart:
    """Changes to generated assets: replaced, given an expiry, expired, flagged."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def replace(self, pairs: Sequence[tuple[str, str]], reason: str, now: datetime) -> None:
        """Record that each generated asset ``old`` of ``(old, new)`` was replaced by ``new``."""
        with self._tx.write() as (conn, chain):
            replace(conn, chain, pairs, reason, now)

    def set_expiry(
        self, shas: Sequence[str], expires_at: datetime, reason: str, now: datetime
    ) -> list[AssetRecord]:
        """Give generated assets a new expiry date."""
        with self._tx.write() as (conn, chain):
            return set_expiry(conn, chain, shas, expires_at, reason, now)

    def expire_due(self, now: datetime, rule: StatusRule) -> list[ExpiredAsset]:
        """Mark assets past their expiry (or whose approval lapsed) and say where they are."""
        with self._tx.write() as (conn, chain):
            changed = expire_due(conn, chain, now, rule)
            assets = load_assets(conn, [sha for sha, _ in changed])
            return [
                ExpiredAsset(assets[sha], present_locations(conn, sha), lapsed)
                for sha, lapsed in changed
            ]

    def add_flags(
        self,
        additions: Mapping[str, Sequence[FlagDict]],
        reason: str,
        now: datetime,
        rule: StatusRule,
    ) -> list[FlagsAdded]:
        """Add the flags assets lack, settling their status."""
        with self._tx.write() as (conn, chain):
            return add_flags(conn, chain, additions, reason, now, rule)

    def screenable(self, after: str | None = None, limit: int = 1_000) -> list[Screenable]:
        """A page of generated assets to screen again, in sha256 order after ``after``."""
        columns = (Asset.sha256, Asset.prompt, Asset.tool, Asset.flags, Asset.status)
        query = select(*columns).where(Asset.verdict == "genai").order_by(Asset.sha256)
        if after is not None:
            query = query.where(Asset.sha256 > after)
        with self._tx.read() as session:
            rows = session.execute(query.limit(limit))
            return [Screenable(r.sha256, r.prompt, r.tool, r.flags or [], r.status) for r in rows]


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
            fix="name the generated asset as OLD (`provenance history` shows a file's verdict)",
        )
    if old.status == "replaced":
        raise TransitionRefused(
            f"already replaced by {old.replaced_by}",
            where=old.sha256,
            fix="nothing to do; `provenance history` shows the replacement",
        )
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
            f"not a generated asset (verdict {asset.verdict}): it has no expiry",
            where=asset.sha256,
            fix="name generated assets only (`provenance ls --verdict genai` lists them)",
        )
    if asset.status in FIXED:
        raise TransitionRefused(
            f"this asset is {asset.status}; an expiry no longer applies",
            where=asset.sha256,
            fix="nothing to do (a quarantined asset's copies come back with `provenance restore`)",
        )


def expire_due(
    conn: Connection, chain: ChainAppender, now: datetime, rule: StatusRule
) -> list[tuple[str, bool]]:
    """Mark assets past their expiry ``expired``; (sha, lost its approval) for each change.

    Approved assets whose approvals lapsed by ``now`` first become temporary
    again (``approval-lapsed``), and then expire like any other if due.
    """
    changed: dict[str, bool] = {}
    for sha in _lapsing(conn, now):
        if rule(load_assets(conn, [sha])[sha], approvals_of(conn, sha), now) != "approved":
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


def add_flags(
    conn: Connection,
    chain: ChainAppender,
    additions: Mapping[str, Sequence[FlagDict]],
    reason: str,
    now: datetime,
    rule: StatusRule,
) -> list[FlagsAdded]:
    """Add flags to assets (those they lack), settle their status, chain ``flagged`` events."""
    changes: list[FlagsAdded] = []
    for chunk in in_chunks(sorted(additions)):
        assets = load_assets(conn, chunk)
        for sha in chunk:
            have = [dict(f) for f in assets[sha].flags]
            new = _unique([dict(f) for f in additions[sha] if dict(f) not in have])
            if not new:
                continue
            conn.execute(
                update(Asset).where(Asset.sha256 == sha).values(flags=have + new, updated_at=now)
            )
            before, after = settle(conn, sha, now, rule)
            details = {"flags": new, "reason": reason, "status": after, "previous_status": before}
            chain.add(PendingEvent("flagged", sha, None, details), now)
            changes.append(FlagsAdded(sha, new, before, after))
    chain.flush()
    return changes


def _unique(flags: list[dict[str, object]]) -> list[dict[str, object]]:
    kept: list[dict[str, object]] = []
    for flag in flags:
        if flag not in kept:
            kept.append(flag)
    return kept
