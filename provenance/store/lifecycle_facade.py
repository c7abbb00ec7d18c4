"""The lifecycle half of the :class:`~provenance.store.Ledger` facade.

:class:`Ledger` is one class, but its lifecycle methods live here so that
neither module grows past a size a person can read: approvals and their
documents, revocations, refused attempts, replacements, expiry, and the
quarantine's records. Each write is one locked transaction (see
:mod:`.approvals` and :mod:`.transitions`); each read returns plain records.

Times are passed in (``now``) rather than read from the clock, so the
lifecycle, and its tests, decide what time it is.

On PostgreSQL the database itself may refuse a write: the watch daemon's role
can add assets and events but not approvals (``docs/POSTGRES_ROLES.md``). Such
a refusal becomes :class:`~provenance.errors.ApprovalRefused`, and the
attempt is recorded as an ``approval-refused`` event (which that role may
write).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from provenance.errors import ApprovalRefused, ConfigError
from provenance.store import approvals as approval_rows
from provenance.store import flags as flag_rows
from provenance.store import transitions
from provenance.store.access import LedgerAccess
from provenance.store.lifecycle_records import (
    ApprovalRecord,
    ApprovalRequest,
    Clearance,
    DocumentIn,
    ExpiredAsset,
    FlagsAdded,
    QuarantineIn,
    QuarantineRecord,
    Screenable,
    approval_from_row,
    asset_from_row,
    quarantine_from_row,
)
from provenance.store.models import Approval, Asset, Document, Location, Quarantine
from provenance.store.records import AssetRecord, LocationRecord
from provenance.store.writer import in_chunks

INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied"


class LifecycleLedger(LedgerAccess):
    """Approvals, replacements, expiry and quarantine records; mixed into ``Ledger``."""

    # -- approvals ------------------------------------------------------------------

    def approve(
        self,
        requests: Sequence[ApprovalRequest],
        document: DocumentIn,
        now: datetime,
        cleared: Clearance,
    ) -> list[ApprovalRecord]:
        """Copy ``document`` in and record every approval resting on it, atomically."""
        shas = [r.asset_sha256 for r in requests]
        with self._database_refusal(shas, "record approvals", now), self._write() as (conn, chain):
            return approval_rows.approve(conn, chain, requests, document, now, cleared)

    def revoke(
        self, approval_id: int, reason: str, now: datetime, cleared: Clearance
    ) -> ApprovalRecord:
        """Revoke an approval; its asset's status follows."""
        with self._database_refusal([], "revoke approvals", now), self._write() as (conn, chain):
            return approval_rows.revoke(conn, chain, approval_id, reason, now, cleared)

    def record_refusal(
        self, shas: Sequence[str | None], details: Mapping[str, object], now: datetime
    ) -> None:
        """Chain an ``approval-refused`` event for each asset a refused attempt named."""
        with self._write() as (_, chain):
            approval_rows.record_refusal(chain, shas, details, now)

    @contextmanager
    def _database_refusal(self, shas: Sequence[str], action: str, now: datetime) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            user = self.database_user()
            reason = f"database user '{user}' may not {action} ({str(exc.orig).strip()})"
            self.record_refusal(shas, {"reason": reason, "action": action}, now)
            raise ApprovalRefused(
                reason, fix="approve as a member of the approver role (docs/POSTGRES_ROLES.md)"
            ) from exc

    def approval(self, approval_id: int) -> ApprovalRecord | None:
        """One approval by its number."""
        with self._read() as session:
            row = (
                session.connection()
                .execute(select(Approval.__table__).where(Approval.id == approval_id))
                .first()
            )
        return None if row is None else approval_from_row(row)

    def approvals_for(self, sha: str) -> list[ApprovalRecord]:
        """Every approval of an asset, oldest first, revoked ones included."""
        with self._read() as session:
            return approval_rows.approvals_of(session.connection(), sha)

    def approvals_for_many(self, shas: Iterable[str]) -> dict[str, list[ApprovalRecord]]:
        """Approvals of many assets at once, by asset."""
        found: dict[str, list[ApprovalRecord]] = {}
        wanted = sorted(set(shas))
        with self._read() as session:
            for chunk in in_chunks(wanted):
                query = select(Approval.__table__).where(Approval.asset_sha256.in_(chunk))
                for row in session.connection().execute(query.order_by(Approval.id)):
                    found.setdefault(row.asset_sha256, []).append(approval_from_row(row))
        return found

    def all_approvals(self) -> list[ApprovalRecord]:
        """Every approval in the ledger, oldest first."""
        with self._read() as session:
            rows = session.connection().execute(select(Approval.__table__).order_by(Approval.id))
            return [approval_from_row(row) for row in rows]

    def document(self, sha: str) -> tuple[str, bytes] | None:
        """A stored reference document's name and bytes, by SHA-256."""
        with self._read() as session:
            row = (
                session.connection()
                .execute(select(Document.name, Document.content).where(Document.sha256 == sha))
                .first()
            )
        return None if row is None else (str(row.name), bytes(row.content))

    # -- replacement and expiry -----------------------------------------------------------

    def replace(self, pairs: Sequence[tuple[str, str]], reason: str, now: datetime) -> None:
        """Record that each generated asset ``old`` of ``(old, new)`` was replaced by ``new``."""
        with self._write() as (conn, chain):
            transitions.replace(conn, chain, pairs, reason, now)

    def set_expiry(
        self, shas: Sequence[str], expires_at: datetime, reason: str, now: datetime
    ) -> list[AssetRecord]:
        """Give generated assets a new expiry date."""
        with self._write() as (conn, chain):
            return transitions.set_expiry(conn, chain, shas, expires_at, reason, now)

    def add_flags(
        self,
        additions: Mapping[str, Sequence[Mapping[str, object]]],
        reason: str,
        now: datetime,
        cleared: Clearance,
    ) -> list[FlagsAdded]:
        """Add the flags assets lack, settling their status (see :mod:`.flags`)."""
        with self._write() as (conn, chain):
            return flag_rows.add_flags(conn, chain, additions, reason, now, cleared)

    def screenable(self, after: str | None = None, limit: int = 1_000) -> list[Screenable]:
        """A page of generated assets to screen again, in sha256 order after ``after``."""
        columns = (Asset.sha256, Asset.prompt, Asset.tool, Asset.flags, Asset.status)
        query = select(*columns).where(Asset.verdict == "genai").order_by(Asset.sha256)
        if after is not None:
            query = query.where(Asset.sha256 > after)
        with self._read() as session:
            rows = session.execute(query.limit(limit))
            return [Screenable(r.sha256, r.prompt, r.tool, r.flags or [], r.status) for r in rows]

    def present_paths_of(self, shas: Iterable[str]) -> dict[str, list[str]]:
        """The paths, on every host, where each of these assets is present now."""
        found: dict[str, list[str]] = {}
        query = select(Location.asset_sha256, Location.path).where(Location.present)
        with self._read() as session:
            for chunk in in_chunks(sorted(set(shas))):
                rows = session.execute(query.where(Location.asset_sha256.in_(chunk)))
                for sha, path in rows:
                    found.setdefault(str(sha), []).append(str(path))
        return found

    def expire_due(self, now: datetime, cleared: Clearance) -> list[ExpiredAsset]:
        """Mark assets past their expiry (or whose approval lapsed) and say where they are."""
        with self._write() as (conn, chain):
            changed = transitions.expire_due(conn, chain, now, cleared)
        return [
            ExpiredAsset(asset, self.present_locations(asset.sha256), lapsed)
            for (sha, lapsed) in changed
            if (asset := self._asset_by_sha(sha)) is not None
        ]

    def _asset_by_sha(self, sha: str) -> AssetRecord | None:
        with self._read() as session:
            row = (
                session.connection()
                .execute(select(Asset.__table__).where(Asset.sha256 == sha))
                .first()
            )
        return None if row is None else asset_from_row(row)

    def present_locations(self, sha: str) -> list[LocationRecord]:
        """Where an asset's copies are present now, on every host."""
        query = select(Location.__table__).where(Location.asset_sha256 == sha, Location.present)
        with self._read() as session:
            rows = session.connection().execute(query.order_by(Location.host, Location.path))
            return [_location(row) for row in rows]

    # -- quarantine ---------------------------------------------------------------------

    def record_quarantined(
        self, entries: Sequence[QuarantineIn], reason: str, now: datetime
    ) -> list[QuarantineRecord]:
        """Record copies on this host moved into quarantine."""
        with self._write() as (conn, chain):
            return transitions.record_quarantined(conn, chain, entries, reason, now)

    def record_restored(
        self, ids: Sequence[int], now: datetime, cleared: Clearance
    ) -> list[QuarantineRecord]:
        """Record quarantined copies moved back where they were."""
        with self._write() as (conn, chain):
            return transitions.record_restored(conn, chain, ids, now, cleared)

    def record_deleted(
        self, ids: Sequence[int], reason: str, now: datetime
    ) -> list[QuarantineRecord]:
        """Record quarantined copies deleted for good."""
        with self._write() as (conn, chain):
            return transitions.record_deleted(conn, chain, ids, reason, now)

    def quarantine_entries(
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
        with self._read() as session:
            return [quarantine_from_row(row) for row in session.connection().execute(query)]

    # -- who is writing ---------------------------------------------------------------------

    def database_user(self) -> str:
        """The database user this ledger connects as (PostgreSQL), or the OS user (SQLite)."""
        with self._read() as session:
            conn = session.connection()
            if conn.dialect.name != "postgresql":
                return self.actor
            return str(conn.execute(text("SELECT current_user")).scalar_one())

    def in_database_role(self, role: str) -> bool:
        """Whether the database user is a member of ``role`` (always True on SQLite)."""
        with self._read() as session:
            conn = session.connection()
            if conn.dialect.name != "postgresql":
                return True
            exists = text("SELECT 1 FROM pg_roles WHERE rolname = :r")
            if conn.execute(exists, {"r": role}).first() is None:
                raise ConfigError(
                    f"database role '{role}' does not exist",
                    where="approver_db_role",
                    fix="create it (docs/POSTGRES_ROLES.md) or fix the setting",
                )
            query = text("SELECT pg_has_role(current_user, :r, 'MEMBER')")
            return bool(conn.execute(query, {"r": role}).scalar_one())


def _location(row: object) -> LocationRecord:
    values = row._mapping  # type: ignore[attr-defined]
    return LocationRecord(
        asset_sha256=values["asset_sha256"],
        host=values["host"],
        path=values["path"],
        size=values["size"],
        mtime_ns=values["mtime_ns"],
        first_seen=values["first_seen"],
        last_seen=values["last_seen"],
        present=values["present"],
    )
