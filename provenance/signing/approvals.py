"""Which approvals count: signed by the approver's own key, trusted by the settings.

An approval is signed by the person who gave it, with their SSH key, in
SSHSIG format (namespace :data:`APPROVAL_NAMESPACE`), over a canonical
message of what it says (:func:`approval_message`): the assets, category,
scope, approver principal, reference document's SHA-256, when it was given,
when it lapses, and the note. The ledger keeps the signature and the exact
message. A revocation is signed the same way over :func:`revocation_message`.

:class:`ApprovalTrust` is the one place that decides whether an approval
counts: its signature verifies, the message says what the row says, and the
``allowed_signers`` file (the ``allowed_signers`` setting) lists the signing
key for the approval's approver principal. The policy
(:mod:`provenance.rules.policy`) sees only approvals that count. A
revocation always counts, signed or not: it can only make things stricter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from provenance.settings import Settings
from provenance.signing.allowed import AllowedSigners, load
from provenance.signing.checkpoints import canonical
from provenance.signing.sshsig import BadSignature, verify

if TYPE_CHECKING:
    from provenance.store import ApprovalRecord

APPROVAL_NAMESPACE = "provenance-approval"
SignatureState = Literal["signed", "unsigned", "bad", "untrusted"]


def moment(value: datetime | None) -> str | None:
    """A time as signed: UTC, to the second (``2026-12-05T10:00:00Z``)."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def approval_message(
    assets: list[str],
    category: str,
    scope: str,
    approver: str,
    reference_sha256: str,
    approved_at: datetime,
    expires_at: datetime | None,
    note: str | None,
) -> str:
    """The canonical text an approver signs for an approval of ``assets``."""
    body = {
        "kind": APPROVAL_NAMESPACE, "assets": sorted(set(assets)), "category": category,
        "scope": scope, "approver": approver, "reference_sha256": reference_sha256,
        "approved_at": moment(approved_at), "expires_at": moment(expires_at), "note": note,
    }  # fmt: skip
    return canonical(body).decode()


def revocation_message(record: ApprovalRecord, revoked_at: datetime, reason: str) -> str:
    """The canonical text signed to revoke ``record`` at ``revoked_at`` for ``reason``."""
    signed = record.signed_message or ""
    body = {
        "kind": "provenance-revocation", "approval": record.id, "asset": record.asset_sha256,
        "approval_message_sha256": hashlib.sha256(signed.encode()).hexdigest() if signed else None,
        "revoked_at": moment(revoked_at), "reason": reason,
    }  # fmt: skip
    return canonical(body).decode()


@dataclass(frozen=True)
class SignatureCheck:
    """Whether a signature counts, and if not, why."""

    state: SignatureState
    reason: str
    key: str | None = None

    @property
    def counts(self) -> bool:
        """Signed by a trusted key, over what the row says."""
        return self.state == "signed"


@dataclass(frozen=True)
class ApprovalTrust:
    """The approvers' keys (an allowed_signers file), and the checks made against them."""

    allowed: AllowedSigners

    def check(self, record: ApprovalRecord) -> SignatureCheck:
        """Whether an approval's signature counts."""
        if not record.signature or not record.signed_message:
            return SignatureCheck("unsigned", "not signed by the approver")
        signed = self.check_signed(
            record.signature, record.signed_message, record.approver, record.approved_at
        )
        differs = _differs(record) if signed.state != "bad" else None
        if differs:
            return SignatureCheck("bad", f"the row's {differs} is not what was signed", signed.key)
        return signed

    def check_signed(
        self, signature: str, message: str, approver: str, at: datetime
    ) -> SignatureCheck:
        """Whether ``signature`` over ``message`` is by a key trusted for ``approver``."""
        try:
            key = verify(signature, message.encode(), APPROVAL_NAMESPACE)
        except BadSignature as exc:
            return SignatureCheck("bad", f"bad signature ({exc})")
        if not self.allowed.allows(approver, key, APPROVAL_NAMESPACE, at):
            return SignatureCheck("untrusted", self._untrusted(key, approver, at), key)
        return SignatureCheck("signed", f"signed by {approver}", key)

    def _untrusted(self, key: str, approver: str, at: datetime) -> str:
        """Why ``key`` does not count for ``approver``: whom it is listed for, if anyone."""
        if not self.allowed.signers:
            return f"the signing key is not allowed for '{approver}': no approver keys are trusted"
        listed = self.allowed.principals_of(key, APPROVAL_NAMESPACE, at)
        if listed:
            names = ", ".join(f"'{name}'" for name in listed)
            return f"the signing key is not allowed for '{approver}' (it is listed for {names})"
        return f"the signing key is not allowed for '{approver}' (it is in no allowed_signers line)"

    def check_revocation(self, record: ApprovalRecord) -> SignatureCheck | None:
        """Whether a revocation's signature holds (None: not revoked). It counts regardless."""
        if record.revoked_at is None:
            return None
        if not record.revoke_signature or not record.revoke_message:
            return SignatureCheck("unsigned", "revocation not signed")
        try:
            key = verify(record.revoke_signature, record.revoke_message.encode(),
                         APPROVAL_NAMESPACE)  # fmt: skip
        except BadSignature as exc:
            return SignatureCheck("bad", f"bad revocation signature ({exc})")
        body = _json(record.revoke_message)
        if body.get("approval") != record.id or body.get("asset") != record.asset_sha256:
            return SignatureCheck("bad", "the revocation signed is for another approval", key)
        if not self.allowed.knows(key, APPROVAL_NAMESPACE):
            return SignatureCheck("untrusted", "the revocation's key is not an approver's", key)
        return SignatureCheck("signed", "revocation signed", key)

    def counts(self, record: ApprovalRecord) -> bool:
        """Whether the policy may rely on this approval."""
        return self.check(record).counts


def approval_trust(settings: Settings) -> ApprovalTrust:
    """The approvers trusted by these settings (none when ``allowed_signers`` is unset)."""
    return ApprovalTrust(load(settings.allowed_signers))


def _json(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _differs(record: ApprovalRecord) -> str | None:
    """The first field where the row and the signed message disagree, or None."""
    body = _json(record.signed_message or "")
    assets = body.get("assets")
    if not isinstance(assets, list) or record.asset_sha256 not in assets:
        return "asset"
    expected = {
        "kind": APPROVAL_NAMESPACE, "category": record.category, "scope": record.scope,
        "approver": record.approver, "reference_sha256": record.reference_sha256,
        "approved_at": moment(record.approved_at), "expires_at": moment(record.expires_at),
        "note": record.note,
    }  # fmt: skip
    return next((name for name, value in expected.items() if body.get(name) != value), None)
