"""Plain records of the genAI lifecycle: approvals, their documents, quarantined copies.

Like :mod:`.records`, these are what the :class:`~provenance.store.Ledger`
hands out and takes in; nothing outside ``store/`` sees a row or a session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from provenance.store.records import AssetRecord, LocationRecord, iso


@dataclass(frozen=True)
class DocumentIn:
    """A reference document to copy into the ledger (a signed PDF, an email export)."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        """The document's identity in the ledger."""
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self.content)


@dataclass(frozen=True)
class ApprovalRequest:
    """One approval to record: an asset, a category, and who signed off in writing.

    ``path`` is the file the approval was asked for, when it was asked by
    path; ``reference_path`` is where the document was read from.
    """

    asset_sha256: str
    path: str | None
    category: str
    scope: str
    approver: str
    reference_path: str
    expires_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class ApprovalRecord:
    """A recorded approval. ``recorded_by`` is the OS user who entered it, on ``host``."""

    id: int
    asset_sha256: str
    category: str
    scope: str
    approver: str
    recorded_by: str
    host: str
    reference_path: str
    reference_sha256: str
    approved_at: datetime
    expires_at: datetime | None
    note: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None

    def active(self, now: datetime) -> bool:
        """Neither revoked nor lapsed at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (times in ISO 8601 UTC)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class QuarantineIn:
    """A copy just moved aside: the asset, where it was, where it is now."""

    asset_sha256: str
    original_path: str
    quarantine_path: str


@dataclass(frozen=True)
class QuarantineRecord:
    """A copy in (or once in) the quarantine folder of ``host``."""

    id: int
    asset_sha256: str
    host: str
    original_path: str
    quarantine_path: str
    quarantined_at: datetime
    restored_at: datetime | None
    deleted_at: datetime | None

    @property
    def held(self) -> bool:
        """Still in quarantine: neither restored nor deleted."""
        return self.restored_at is None and self.deleted_at is None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class ExpiredAsset:
    """An asset ``expire`` changed, and where its copies are present now."""

    asset: AssetRecord
    locations: Sequence[LocationRecord]
    lapsed: bool = False  # it lost its approval rather than (only) passing its expiry

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "asset": self.asset.to_dict(),
            "lapsed": self.lapsed,
            "present_at": [{"host": loc.host, "path": loc.path} for loc in self.locations],
        }


@dataclass(frozen=True)
class Screenable:
    """What screening a generated asset again needs: its prompt, tool, flags and status."""

    sha256: str
    prompt: str | None
    tool: str | None
    flags: Sequence[Mapping[str, object]]
    status: str | None


@dataclass(frozen=True)
class FlagsAdded:
    """Flags one asset gained, and its status before and after."""

    sha256: str
    added: Sequence[Mapping[str, object]]
    previous_status: str | None
    status: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "sha256": self.sha256,
            "added": [dict(f) for f in self.added],
            "previous_status": self.previous_status,
            "status": self.status,
        }


Clearance = Callable[[AssetRecord, Sequence[ApprovalRecord], datetime], bool]
"""Whether an asset with these approvals counts as approved for finals at a time.

The lifecycle passes the policy's rule in, so the status the ledger stores
and the audit's judgement can never disagree, and the store decides under
the same lock that writes the change.
"""


def _plain(value: object) -> object:
    return iso(value) if isinstance(value, datetime) else value


R = TypeVar("R")


def record_from(kind: type[R], row: Any) -> R:
    """A plain record from a result row or an ORM object: each field from the column of its name."""
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})  # type: ignore[arg-type]


def asset_from_row(row: Any) -> AssetRecord:
    """An :class:`AssetRecord` from a row of the ``assets`` table, or an ``Asset`` object."""
    data = {f.name: getattr(row, f.name) for f in fields(AssetRecord)}
    data["evidence"] = list(data["evidence"] or [])
    data["flags"] = list(data["flags"] or [])
    return AssetRecord(**data)


def approval_from_row(row: Any) -> ApprovalRecord:
    """An :class:`ApprovalRecord` from a row of the ``approvals`` table."""
    return record_from(ApprovalRecord, row)


def quarantine_from_row(row: Any) -> QuarantineRecord:
    """A :class:`QuarantineRecord` from a row of the ``quarantine`` table."""
    return record_from(QuarantineRecord, row)
