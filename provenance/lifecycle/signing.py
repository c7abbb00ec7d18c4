"""Signing approvals and revocations with the approver's own SSH key.

``provenance approve --sign-with KEY`` signs the canonical message of the
approval (:func:`provenance.signing.approvals.approval_message`) in-process for a
plain Ed25519 key file, or with ``ssh-keygen -Y sign`` for any other key (an
agent's, a hardware key); ``--signature FILE`` takes a signature made
elsewhere over the text ``--print-message`` prints. Either way the signature
must verify against the ``allowed_signers`` setting for the approver named,
*before* anything is recorded: an approval nobody can vouch for is refused,
and the attempt is recorded (``approval-refused``).

A revocation may be signed the same way; unsigned, it still counts (it can
only make things stricter), and ``verify`` lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from provenance.errors import ApprovalRefused
from provenance.lifecycle.context import Lifecycle
from provenance.signing.approvals import (
    APPROVAL_NAMESPACE,
    approval_message,
    approval_trust,
    revocation_message,
)
from provenance.signing.sshsig import sign_key_file
from provenance.store import ApprovalRecord


@dataclass(frozen=True)
class Signing:
    """How a person signs: a key file to sign with, or a signature made elsewhere."""

    sign_with: Path | None = None
    signature: str | None = None

    def sign(self, message: str) -> str | None:
        """The armored signature of ``message``, or None when nothing was given to sign with."""
        if self.signature is not None:
            return self.signature
        if self.sign_with is not None:
            return sign_key_file(self.sign_with, message.encode(), APPROVAL_NAMESPACE)
        return None


@dataclass(frozen=True)
class Wording:
    """What an approval says, as signed."""

    category: str
    scope: str
    approver: str
    reference_sha256: str
    approved_at: datetime
    expires_at: datetime | None
    note: str | None

    def message(self, shas: Sequence[str]) -> str:
        """The canonical message for these assets."""
        return approval_message(
            list(shas), self.category, self.scope, self.approver, self.reference_sha256,
            self.approved_at, self.expires_at, self.note,
        )  # fmt: skip


def signed_approval(
    lc: Lifecycle,
    shas: Sequence[str],
    wording: Wording,
    signing: Signing,
    refuse: Callable[[str, str], ApprovalRefused],
) -> tuple[str, str]:
    """(signature, message) for an approval of ``shas``, checked against the approvers' keys.

    ``refuse`` records the refused attempt (why, and what to do) and returns the error to raise.
    """
    message = wording.message(shas)
    signature = signing.sign(message)
    if signature is None:
        raise refuse(
            "an approval must be signed by the approver's own key",
            "sign with --sign-with KEY, or --signature FILE made over the text"
            " `--print-message` shows",
        )
    check = approval_trust(lc.settings).check_signed(
        signature, message, wording.approver, wording.approved_at
    )
    if not check.counts:
        raise refuse(
            f"the approval's signature does not count: {check.reason}",
            _trust_fix(lc, wording.approver),
        )
    return signature, message


def _trust_fix(lc: Lifecycle, approver: str) -> str:
    """What to do when the approver's key is not trusted for their name."""
    where = lc.settings.allowed_signers
    if where is None:
        return (
            "set allowed_signers in the settings to a file of the approvers' SSH keys"
            " (git's allowed_signers format; `provenance config show` says where the settings are)"
        )
    return (
        f"list the key for '{approver}' in the allowed_signers file ({where}):"
        " --approver must be a name the signing key is listed for there"
    )


def signed_revocation(
    record: ApprovalRecord, at: datetime, reason: str, signing: Signing
) -> tuple[str, str] | None:
    """(signature, message) for a revocation, or None when it is not signed."""
    message = revocation_message(record, at, reason)
    signature = signing.sign(message)
    return None if signature is None else (signature, message)
