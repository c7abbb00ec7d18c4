"""Flags added to generated assets after their detection (``provenance rescreen``).

An asset's flags are set when it is detected (:mod:`provenance.rules.flagging`).
When a show's watchlists, tool registry or folder rules change, assets
already in the ledger are screened again, and any flag they now raise is
added here, inside one locked write transaction:

* the asset's ``flags`` grow (flags are never removed this way: a term taken
  off a watchlist does not quietly clear an asset that matched it);
* its status is settled against its approvals, so an ``approved`` asset
  that now needs another category's approval is ``temporary`` again (or
  ``expired``) until it gets one;
* one ``flagged`` event per asset chains the added flags and the change of
  status, so ``history`` says when, why and by whom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Connection

from provenance.store.approvals import load_assets, settle
from provenance.store.lifecycle_records import Clearance, FlagsAdded
from provenance.store.models import Asset
from provenance.store.writer import ChainAppender, PendingEvent, in_chunks

FlagDict = Mapping[str, object]


def add_flags(
    conn: Connection,
    chain: ChainAppender,
    additions: Mapping[str, Sequence[FlagDict]],
    reason: str,
    now: datetime,
    cleared: Clearance,
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
            before, after = settle(conn, sha, now, cleared)
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
