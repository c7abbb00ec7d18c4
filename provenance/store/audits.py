"""The ledger's audits part: each audit run, and the deliveries an asset went out in.

:class:`AuditsPart` is ``ledger.audits``. Audits are history: each run is a
row (who, when, which package, counts, the report's hash), chained as an
``audit-recorded`` event carrying the row, and every matched asset gets an
``audited`` event in the chain, so ``provenance history``
shows which deliveries a file went out in. A generated asset a delivered
video shows gets an ``audited`` event too, carrying where on screen
(``on_screen``: the segments' timecodes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, or_, select

from provenance.store.audit_records import AuditedFile, AuditIn, AuditRecord
from provenance.store.models import AuditRow
from provenance.store.records import iso
from provenance.store.transactions import Transactions
from provenance.store.writer import PendingEvent


class AuditsPart:
    """Records of audit runs."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def add(self, audit: AuditIn, matched: Sequence[AuditedFile]) -> int:
        """Record an audit run and an ``audited`` event for each matched asset; returns its id."""
        now = datetime.now(UTC)
        row = {
            "at": now, "actor": self._tx.actor, "host": self._tx.host, "root": audit.root,
            "verdict": audit.verdict, "files": audit.files, "passed": audit.passed,
            "warned": audit.warned, "blocked": audit.blocked, "policy": audit.policy,
            "report_sha256": audit.report_sha256,
        }  # fmt: skip
        with self._tx.write() as (conn, chain):
            inserted = conn.execute(insert(AuditRow).values(**row).returning(AuditRow.id))
            audit_id = int(inserted.scalar_one())
            run = {"audit": audit_id} | row | {"at": iso(now)}
            chain.add(PendingEvent("audit-recorded", None, None, run), now)
            for item in matched:
                details: dict[str, object] = {
                    "audit": audit_id, "package": audit.root, "package_path": item.path,
                    "verdict": item.verdict, "match": item.match,
                }  # fmt: skip
                if item.on_screen:
                    details["on_screen"] = [dict(span) for span in item.on_screen]
                chain.add(PendingEvent("audited", item.sha256, None, details), now)
            chain.flush()
        return audit_id

    def list(self, limit: int | None = None, under: str | None = None) -> list[AuditRecord]:
        """Past audit runs, newest first; only packages at or below ``under`` when given."""
        query = select(AuditRow).order_by(AuditRow.id.desc())
        if under is not None:
            folder = under.rstrip("/")
            below = AuditRow.root.startswith(f"{folder}/", autoescape=True)
            query = query.where(or_(AuditRow.root == folder, below))
        if limit is not None:
            query = query.limit(limit)
        with self._tx.read() as session:
            return [_record(row) for row in session.scalars(query)]


def _record(row: AuditRow) -> AuditRecord:
    return AuditRecord(row.id, row.at, row.actor, row.host, row.root, row.verdict, row.files,
                       row.passed, row.warned, row.blocked, row.policy,
                       row.report_sha256)  # fmt: skip
