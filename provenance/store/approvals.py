"""The ledger's approvals part: written approvals, revocations and refused attempts.

:class:`ApprovalsPart` is ``ledger.approvals``. Its writes run in one write
transaction that holds the chain lock (see :mod:`.writer`): each re-reads
the assets it changes, refuses a change that makes no sense *under that
lock* (so two people acting at once cannot slip past each other), writes the
rows, settles the asset's status (:func:`.status.settle`), and chains one
event per asset. Times are passed in (``now``) rather than read from the
clock, so the lifecycle, and its tests, decide what time it is.

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

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection

from provenance.errors import (
    ApprovalRefused,
    ConfigError,
    DatabaseRefused,
    InvalidValue,
    TargetNotFound,
    TransitionRefused,
)
from provenance.store.chunks import among
from provenance.store.lifecycle_records import (
    ApprovalRecord,
    ApprovalRequest,
    DocumentIn,
    StatusRule,
    approval_from_row,
)
from provenance.store.models import Approval, Document
from provenance.store.records import AssetRecord, iso
from provenance.store.status import approvals_of, load_assets, settle
from provenance.store.transactions import Transactions
from provenance.store.writer import ChainAppender, PendingEvent
from provenance.util.names import shown

DOCUMENT_NAME_MAX = 255  # the documents.name column's width
APPROVER_MAX = 255  # the approvals.approver column's width


class ApprovalsPart:
    """Approvals of assets, the documents they rest on, and who may write them."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def add(
        self,
        requests: Sequence[ApprovalRequest],
        document: DocumentIn,
        now: datetime,
        rule: StatusRule,
    ) -> list[ApprovalRecord]:
        """Copy ``document`` in and record every approval resting on it, atomically."""
        shas = [r.asset_sha256 for r in requests]
        refusal = self._database_refusal(shas, "record approvals", now)
        with refusal, self._tx.write() as (conn, chain):
            return approve(conn, chain, requests, document, now, rule)

    def revoke(
        self,
        approval_id: int,
        reason: str,
        now: datetime,
        rule: StatusRule,
        signed: tuple[str, str] | None = None,
    ) -> ApprovalRecord:
        """Revoke an approval; its asset's status follows. ``signed``: (signature, message)."""
        with self._database_refusal([], "revoke approvals", now), self._tx.write() as (conn, chain):
            return revoke(conn, chain, approval_id, reason, now, rule, signed)

    def revoke_many(
        self,
        revocations: Sequence[tuple[int, tuple[str, str] | None]],
        reason: str,
        now: datetime,
        rule: StatusRule,
    ) -> list[ApprovalRecord]:
        """Revoke several approvals, each ``(id, signed)``, in one transaction: all or none."""
        with self._database_refusal([], "revoke approvals", now), self._tx.write() as (conn, chain):
            return [revoke(conn, chain, i, reason, now, rule, signed) for i, signed in revocations]

    def add_refusal(
        self, shas: Sequence[str | None], details: Mapping[str, object], now: datetime
    ) -> None:
        """Chain an ``approval-refused`` event for each asset a refused attempt named."""
        with self._tx.write() as (_, chain):
            record_refusal(chain, shas, details, now)

    @contextmanager
    def _database_refusal(self, shas: Sequence[str], action: str, now: datetime) -> Iterator[None]:
        try:
            yield
        except DatabaseRefused as exc:
            cause = exc.__cause__
            denied = str(getattr(cause, "orig", cause)).strip().splitlines()[0]
            reason = f"database user '{self.database_user()}' may not {action} ({denied})"
            try:
                self.add_refusal(shas, {"reason": reason, "action": action}, now)
            except DatabaseRefused:  # a reader may not even record the attempt
                reason += "; the attempt could not be recorded either"
            raise ApprovalRefused(
                reason, fix="approve as a member of the approver role (docs/POSTGRES_ROLES.md)"
            ) from exc

    def get(self, approval_id: int) -> ApprovalRecord | None:
        """One approval by its number."""
        with self._tx.read() as session:
            row = (
                session.connection()
                .execute(select(Approval.__table__).where(Approval.id == approval_id))
                .first()
            )
        return None if row is None else approval_from_row(row)

    def of(self, sha: str) -> list[ApprovalRecord]:
        """Every approval of an asset, oldest first, revoked ones included."""
        with self._tx.read() as session:
            return approvals_of(session.connection(), sha)

    def many(self, shas: Iterable[str]) -> dict[str, list[ApprovalRecord]]:
        """Approvals of many assets at once, by asset."""
        found: dict[str, list[ApprovalRecord]] = {}
        wanted = sorted(set(shas))
        with self._tx.read() as session:
            conn = session.connection()
            for condition in among(conn, Approval.asset_sha256, wanted):
                query = select(Approval.__table__).where(condition)
                for row in conn.execute(query.order_by(Approval.id)):
                    found.setdefault(row.asset_sha256, []).append(approval_from_row(row))
        return found

    def document(self, sha: str) -> tuple[str, bytes] | None:
        """A stored reference document's name and bytes, by SHA-256."""
        with self._tx.read() as session:
            row = (
                session.connection()
                .execute(select(Document.name, Document.content).where(Document.sha256 == sha))
                .first()
            )
        return None if row is None else (str(row.name), bytes(row.content))

    def document_shas(self, prefix: str, limit: int) -> list[str]:
        """Stored reference documents' SHA-256s that start with ``prefix``, at most ``limit``."""
        with self._tx.read() as session:
            rows = session.connection().execute(
                select(Document.sha256)
                .where(Document.sha256.startswith(prefix.lower(), autoescape=True))
                .order_by(Document.sha256)
                .limit(limit)
            )
            return [str(row.sha256) for row in rows]

    def database_user(self) -> str:
        """The database user this ledger connects as (PostgreSQL), or the OS user (SQLite)."""
        with self._tx.read() as session:
            conn = session.connection()
            if conn.dialect.name != "postgresql":
                return self._tx.actor
            return str(conn.execute(text("SELECT current_user")).scalar_one())

    def in_database_role(self, role: str) -> bool:
        """Whether the database user is a member of ``role`` (always True on SQLite)."""
        with self._tx.read() as session:
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

    # Last: once `list` names this method, a later `list[...]` annotation would mean it.
    def list(self) -> list[ApprovalRecord]:
        """Every approval in the ledger, oldest first."""
        with self._tx.read() as session:
            rows = session.connection().execute(select(Approval.__table__).order_by(Approval.id))
            return [approval_from_row(row) for row in rows]


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


def check_approver(name: str) -> None:
    """Refuse an approver's name longer than the ledger keeps.

    The name is signed as given, so it is never cut: PostgreSQL would refuse
    the row (SQLite keeps any length), and the same name must be kept on
    every backend.
    """
    if len(name) > APPROVER_MAX:
        raise InvalidValue(
            f"the approver's name is {len(name)} characters long; the ledger keeps"
            f" {APPROVER_MAX} at most",
            where="--approver",
            fix="give the name on the document, shorter (put the rest in --note)",
        )


def document_name(name: str) -> str:
    """A reference document's file name as the ledger keeps it: as people are shown it.

    The name is for reading and for naming a download (the bytes are kept by
    their hash): a name that is not UTF-8 is kept with its odd bytes written
    ``\\xNN`` (:func:`~provenance.util.names.shown`), which any database
    takes, and then cut to the column's width, which each ``\\xNN`` may
    have pushed it past.
    """
    return shown(name)[:DOCUMENT_NAME_MAX]


def store_document(conn: Connection, document: DocumentIn, now: datetime, actor: str) -> None:
    """Copy a reference document into the ledger unless the same bytes are there already."""
    known = conn.scalar(select(Document.sha256).where(Document.sha256 == document.sha256))
    if known is None:
        conn.execute(
            insert(Document).values(
                sha256=document.sha256,
                name=document_name(document.name),
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
    rule: StatusRule,
) -> list[ApprovalRecord]:
    """Record approvals resting on one document; all of them or, on any refusal, none."""
    for request in requests:
        check_approver(request.approver)
    assets = load_assets(conn, [r.asset_sha256 for r in requests])
    for asset in assets.values():
        check_approvable(asset)
    store_document(conn, document, now, chain.actor)
    records = []
    for request in requests:
        record = _insert(conn, request, document.sha256, now, chain.actor, chain.host)
        before, after = settle(conn, request.asset_sha256, now, rule)
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
        "signature": request.signature,
        "signed_message": request.signed_message,
    }
    row = conn.execute(insert(Approval).values(**values).returning(Approval.__table__)).one()
    return approval_from_row(row)


def revoke(
    conn: Connection,
    chain: ChainAppender,
    approval_id: int,
    reason: str,
    now: datetime,
    rule: StatusRule,
    signed: tuple[str, str] | None = None,
) -> ApprovalRecord:
    """Revoke one approval and settle its asset's status (``signed``: signature, message)."""
    row = conn.execute(select(Approval.__table__).where(Approval.id == approval_id)).first()
    if row is None:
        raise TargetNotFound(
            f"no approval #{approval_id} in the ledger", fix="see `provenance history`"
        )
    if row.revoked_at is not None:
        raise TransitionRefused(
            f"approval #{approval_id} was already revoked on {row.revoked_at:%Y-%m-%d}"
            f" by {row.revoked_by}",
            fix="nothing to do; `provenance history` lists an asset's approvals",
        )
    conn.execute(
        update(Approval)
        .where(Approval.id == approval_id)
        .values(
            revoked_at=now, revoked_by=chain.actor, revoke_reason=reason,
            revoke_signature=signed[0] if signed else None,
            revoke_message=signed[1] if signed else None,
        )
    )  # fmt: skip
    before, after = settle(conn, row.asset_sha256, now, rule)
    details: dict[str, object] = {"approval": approval_id, "category": row.category,
                                  "reason": reason, "revoked_at": iso(now),
                                  "revoked_by": chain.actor}  # fmt: skip
    if signed:
        details |= {"signature": signed[0], "signed_message": signed[1]}
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
        # The row's own who, where and when (see store.projection), whatever the envelope says.
        "recorded_by": record.recorded_by,
        "host": record.host,
        "approved_at": iso(record.approved_at),
        "signature": record.signature,
        "signed_message": record.signed_message,
    }


def _status(before: str | None, after: str | None) -> dict[str, object]:
    return {"status": after, "previous_status": before}
