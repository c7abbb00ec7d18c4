"""Upgrading a ledger written before its tables were projections of the chain.

Events chained before issue 15 do not carry everything their rows hold (a
``detected`` event had no status, a restore did not say what the asset
became, an audit run had no event), and those chained before migration 0014
not an asset's kind nor the digests of its evidence and prompt (nor do the
baselines recorded then). Their rows cannot be rebuilt from the
events, and guessing would either pass edited rows or flag honest ones.

So ``provenance init`` (:meth:`~provenance.store.Ledger.init`) records, once,
a ``state-baseline`` event for every asset whose events cannot be projected:
its row, its approvals and its quarantine entries as they are when the
owner upgrades, chained, and so attested by whoever ran the upgrade (their
user and host are on the event). Audit rows no event accounts for get one
``state-baseline`` event without an asset. From then on the projection
starts at the baseline and every later change is an event of its own.
Until the upgrade, ``verify`` names each such asset and the audit blocks it.

**Folding only what may need it.** ``init`` runs on every upgrade, and on a
ledger upgraded long ago there is nothing left to record; folding a chain of
millions of events to learn that took minutes inside the write transaction.
So the assets are found first in SQL (:func:`candidates`): those with an
event of a type whose details must carry a status and whose canonical JSON
has no ``"status":`` key, and no baseline after it; and those whose
``detected`` event has no ``"evidence_sha256":`` key, and no baseline after
it that has the row's ``"evidence":``. Only their events are
folded (by the events' asset index), which gives each the fold of the whole
chain would (an asset's legacy is its own events' doing), and the audit rows
are checked against the few events that account for audits. A ledger with
neither folds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from provenance.store.chunks import in_chunks
from provenance.store.models import Approval, Asset, AuditRow, Event, Quarantine
from provenance.store.projection import Projection, Row
from provenance.store.state import asset_rows, events_where, stream_events, table_rows
from provenance.store.writer import ChainAppender, PendingEvent

# The event types whose details carry the asset's status since the projection, and did
# not before (Projection._detected and ._status without a default): their events with
# no status are what makes an asset "legacy".
STATUS_TYPES = (
    "detected", "approved", "revoked", "expiry-set", "approval-lapsed", "expired", "flagged",
    "restored", "deleted-from-quarantine",
)  # fmt: skip
_HAS_STATUS = '%"status":%'  # canonical JSON (no spaces); no nested "status" in these details
_HAS_DIGEST = '%"evidence_sha256":%'  # a detected event's since migration 0014
_COVERS_EVIDENCE = '%"evidence":%'  # a baseline's row since then (its other rows have no such key)
# Candidates beyond which one pass over the chain costs less than reading their events by asset
# (the first upgrade of a ledger older than the projection: most of its assets).
WHOLE_FOLD = 20_000


def record_baseline(conn: Connection, chain: ChainAppender) -> int:
    """Chain a ``state-baseline`` event for each row the events cannot rebuild; returns how many."""
    now, written = datetime.now(UTC), 0
    for chunk in in_chunks(legacy_assets(conn)):
        written += _assets(conn, chain, chunk, now)
    audits = table_rows(conn, AuditRow.__table__)
    accounted = _audits_accounted(conn) if audits else set()
    unaccounted = [{"id": key} | row for key, row in audits.items() if key not in accounted]
    if unaccounted:
        chain.add(PendingEvent("state-baseline", None, None, {"audits": unaccounted}), now)
        written += 1
    chain.flush()
    return written


def legacy_assets(conn: Connection) -> list[str]:
    """The assets whose events cannot be projected and that have no baseline, in sha256 order.

    What ``Projection().fold(every event).legacy`` holds, from the events
    of the :func:`candidates` alone (or, beyond :data:`WHOLE_FOLD` of them,
    from that fold itself).
    """
    found = candidates(conn)
    if len(found) > WHOLE_FOLD:
        return sorted(Projection().fold(stream_events(conn)).legacy)
    legacy: set[str] = set()
    for chunk in in_chunks(found):
        legacy.update(Projection().fold(events_where(conn, Event.asset_sha256.in_(chunk))).legacy)
    return sorted(legacy)


def candidates(conn: Connection) -> list[str]:
    """The assets with an event that says no status, or a ``detected`` event without the digest
    of the evidence, and no baseline after it that says it (see the module docstring), in
    sha256 order: a few on a ledger still to upgrade, none once upgraded."""
    later = aliased(Event)
    baselined = select(later.seq).where(
        later.type == "state-baseline",
        later.asset_sha256 == Event.asset_sha256,
        later.seq > Event.seq,
    )
    no_status = Event.type.in_(STATUS_TYPES) & Event.details.not_like(_HAS_STATUS)
    no_digest = (Event.type == "detected") & Event.details.not_like(_HAS_DIGEST)
    covered = baselined.where(later.details.like(_COVERS_EVIDENCE))
    query = (
        select(Event.asset_sha256)
        .where(Event.asset_sha256.is_not(None))
        .where((no_status & ~baselined.exists()) | (no_digest & ~covered.exists()))
        .distinct()
    )
    return sorted(str(sha) for sha in conn.execute(query).scalars())


def _audits_accounted(conn: Connection) -> set[int]:
    """The audit rows the events account for: each ``audit-recorded``, and the baselines'."""
    recorded = Event.type == "audit-recorded"
    baselines = (Event.type == "state-baseline") & Event.asset_sha256.is_(None)
    return set(Projection().fold(events_where(conn, recorded | baselines)).audits)


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
