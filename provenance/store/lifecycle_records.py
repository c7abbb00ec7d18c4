"""Plain records of the genAI lifecycle: approvals, quarantined copies, expiry and screening.

What the lifecycle's parts of the :class:`~provenance.store.Ledger` facade
take and return (:mod:`provenance.store.approvals`,
:mod:`provenance.store.quarantine`, :mod:`provenance.store.genai`): a
written approval and the document it rests on, a copy moved aside and
brought back, an asset that expired or lost its approval, an asset to
screen again and the flags it gained, and :data:`StatusRule`, the status
machine the lifecycle hands the store. Like every record module, nothing
here imports SQLAlchemy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provenance.store.records import AssetRecord, LocationRecord, plain_fields, record_from
from provenance.util.json_shapes import asset_row, location
from provenance.vocab import Category, Scope, Status


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
    category: Category
    scope: Scope
    approver: str
    reference_path: str
    expires_at: datetime | None = None
    note: str | None = None
    signature: str | None = None  # the approver's SSHSIG over signed_message
    signed_message: str | None = None


@dataclass(frozen=True)
class ApprovalRecord:
    """A recorded approval. ``recorded_by`` is the OS user who entered it, on ``host``."""

    id: int
    asset_sha256: str
    category: Category
    scope: Scope
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
    signature: str | None = None
    signed_message: str | None = None
    revoke_signature: str | None = None
    revoke_message: str | None = None

    def active(self, now: datetime) -> bool:
        """Neither revoked nor lapsed at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def to_dict(self) -> dict[str, object]:
        """JSON form: every field, the asset as ``sha256``, times in RFC 3339 UTC."""
        return plain_fields(self)


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
        """JSON form: every field, the asset as ``sha256``, times in RFC 3339 UTC."""
        return plain_fields(self)


@dataclass(frozen=True)
class ExpiredAsset:
    """An asset ``expire`` changed, and where its copies are present now."""

    asset: AssetRecord
    locations: Sequence[LocationRecord]
    lapsed: bool = False  # it lost its approval rather than (only) passing its expiry

    def to_dict(self) -> dict[str, object]:
        """JSON form: the asset's object with ``lapsed`` and its present ``locations``."""
        places = [location(loc.host, loc.path, loc.present) for loc in self.locations]
        return asset_row(self.asset.to_dict(), lapsed=self.lapsed, locations=places)


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


StatusRule = Callable[[AssetRecord, Sequence[ApprovalRecord], datetime], Status]
"""The status a generated asset still in the lifecycle should have, with these approvals, at a time.

The lifecycle's status machine (:func:`provenance.rules.policy.open_status`):
the lifecycle passes it in, so the status the ledger stores and the audit's
judgement can never disagree, and the store applies it under the same lock
that writes the change.
"""


def approval_from_row(row: Any) -> ApprovalRecord:
    """An :class:`ApprovalRecord` from a row of the ``approvals`` table."""
    return record_from(ApprovalRecord, row)


def quarantine_from_row(row: Any) -> QuarantineRecord:
    """A :class:`QuarantineRecord` from a row of the ``quarantine`` table."""
    return record_from(QuarantineRecord, row)
