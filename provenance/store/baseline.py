"""Upgrading a ledger written before its tables were projections of the chain.

Events chained before issue 15 do not carry everything their rows hold (a
``detected`` event had no status, a restore did not say what the asset
became, an audit run had no event). Their rows cannot be rebuilt from the
events, and guessing would either pass edited rows or flag honest ones.

So ``provenance init`` (:meth:`~provenance.store.Ledger.init`) records, once,
a ``state-baseline`` event for every asset whose events cannot be projected:
its row, its approvals and its quarantine entries as they are when the
owner upgrades, chained, and so attested by whoever ran the upgrade (their
user and host are on the event). Audit rows no event accounts for get one
``state-baseline`` event without an asset. From then on the projection
starts at the baseline and every later change is an event of its own.
Until the upgrade, ``verify`` names each such asset and the audit blocks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.engine import Connection

from provenance.store.models import Approval, Asset, AuditRow, Quarantine
from provenance.store.projection import Projection, Row
from provenance.store.state import asset_rows, stream_events, table_rows
from provenance.store.writer import ChainAppender, PendingEvent, in_chunks


def record_baseline(conn: Connection, chain: ChainAppender) -> int:
    """Chain a ``state-baseline`` event for each row the events cannot rebuild; returns how many."""
    projection = Projection().fold(stream_events(conn))
    now, written = datetime.now(UTC), 0
    for chunk in in_chunks(sorted(projection.legacy)):
        written += _assets(conn, chain, chunk, now)
    audits = table_rows(conn, AuditRow.__table__)
    unaccounted = [{"id": key} | row for key, row in audits.items() if key not in projection.audits]
    if unaccounted:
        chain.add(PendingEvent("state-baseline", None, None, {"audits": unaccounted}), now)
        written += 1
    chain.flush()
    return written


def _assets(conn: Connection, chain: ChainAppender, shas: Sequence[str], now: datetime) -> int:
    assets = asset_rows(conn, Asset.sha256.in_(shas))
    approvals = _by_asset(table_rows(conn, Approval.__table__, Approval.asset_sha256.in_(shas)))
    quarantine = _by_asset(
        table_rows(conn, Quarantine.__table__, Quarantine.asset_sha256.in_(shas))
    )
    for sha, row in sorted(assets.items()):
        details = {"asset": row, "approvals": approvals.get(sha, []),
                   "quarantine": quarantine.get(sha, []),
                   "reason": "ledger upgraded: its rows taken as they were"}  # fmt: skip
        chain.add(PendingEvent("state-baseline", sha, None, details), now)
    return len(assets)


def _by_asset(rows: dict[int, Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for key, row in sorted(rows.items()):
        grouped.setdefault(str(row["asset_sha256"]), []).append({"id": key} | row)
    return grouped
