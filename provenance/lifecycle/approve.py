"""Written approvals: who may record them, what they rest on, what they clear.

An approval is for one asset and one escalation category
(:data:`~provenance.rules.escalations.Category`), signed off by a named person in a
reference document (a signed PDF, an email export, a consent form). The
document is read once, hashed, and copied into the ledger, so the approval
keeps pointing at exactly the bytes that were approved.

Who may record or revoke approvals: the OS users in the ``approvers``
setting, and on PostgreSQL, when ``approver_db_role`` is set, only members of
that database role. Anyone else is refused, and the attempt is recorded as an
``approval-refused`` event. The database's own grants are the last word
(``docs/POSTGRES_ROLES.md``): the watch daemon's role cannot insert approvals
at all.

``scope`` is ``final`` (allowed in final deliverables) or ``temporary-use``
(allowed for now, e.g. in previs; never clears finals). ``expires`` makes an
approval lapse by itself at that time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar

from provenance.errors import ApprovalRefused, TargetNotFound, TransitionRefused
from provenance.files.opening import NotRegularFile, TooLarge, read_regular
from provenance.lifecycle.context import Lifecycle
from provenance.lifecycle.generated_targets import generated_only
from provenance.lifecycle.repeats import AlreadyApproved, Split, already_said, split_repeats
from provenance.lifecycle.signing import Signing, Wording, signed_approval, signed_revocation
from provenance.rules.escalations import Flag
from provenance.rules.policy import honoured, open_status, still_needs
from provenance.signing.approvals import approval_trust
from provenance.store import (
    ApprovalRecord,
    ApprovalRequest,
    AssetBrief,
    AssetQuery,
    AssetRecord,
    DocumentIn,
)
from provenance.targets import Target, resolve_targets
from provenance.util.json_shapes import asset_row
from provenance.vocab import CATEGORIES, LEFT_STATUSES, SCOPES, Category, Scope

MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
Facts = TypeVar("Facts", AssetRecord, AssetBrief)  # an asset in full, or in brief


@dataclass(frozen=True)
class Approval:
    """What ``provenance approve`` was asked to record."""

    category: str
    approver: str
    reference: Path
    scope: str = "final"
    expires: datetime | None = None
    note: str | None = None
    approved_at: datetime | None = None  # when signed elsewhere: the time in the signed message
    sign_with: Path | None = None  # the approver's key (or its public half, with an agent)
    signature: str | None = None  # an armored SSHSIG made elsewhere over approval_message()

    def wording(self, document: DocumentIn, at: datetime) -> Wording:
        """What this approval says, as the approver signs it."""
        return Wording(self.category, self.scope, self.approver, document.sha256,
                       self.approved_at or at, self.expires, self.note)  # fmt: skip


@dataclass(frozen=True)
class Approved:
    """What :func:`approve` did: the approvals it recorded, and the targets it left alone
    because an approval in the ledger already says the same (:mod:`.repeats`)."""

    records: list[ApprovalRecord]
    already: list[AlreadyApproved]


def approval_message(lc: Lifecycle, targets: Sequence[str], approval: Approval) -> str:
    """The exact text the approver signs for this approval (``approve --print-message``).

    It names only the assets the approval would add something for; when there
    is none, there is nothing to sign, and that is refused.
    """
    _check_request(approval, lc.now())
    resolved = generated_only(resolve_targets(lc.ledger, targets, present=True)).targets
    wording = approval.wording(read_document(approval.reference), lc.now())
    split = _split(lc, resolved, wording)
    if not split.new:
        first = split.already[0]
        raise TransitionRefused(
            f"already approved ({already_said(first.approval)}); there is nothing to sign",
            where=first.target.path or first.target.given,
            fix="approve only what is not approved yet, or with a new reference document",
        )
    return wording.message([t.asset.sha256 for t in split.new])


def approve(lc: Lifecycle, targets: Sequence[str], approval: Approval) -> Approved:
    """Record ``approval`` for every asset ``targets`` name, all at once or not at all.

    It must be signed by the approver's key, trusted by ``allowed_signers``
    (:mod:`provenance.lifecycle.signing`); anything else is refused and recorded.
    An asset that already has an approval saying the same (same category,
    approver and document, in force, as wide and as lasting:
    :mod:`provenance.lifecycle.repeats`) is left alone and listed; when every
    asset is, nothing is signed or recorded.
    """
    category, scope = _check_request(approval, lc.now())
    resolved = generated_only(resolve_targets(lc.ledger, targets, present=True)).targets
    document = read_document(approval.reference)
    attempt = _attempt(approval, document)
    authorize(lc, [t.asset.sha256 for t in resolved], attempt)
    at = approval.approved_at or lc.now()
    wording = approval.wording(document, at)
    split = _split(lc, resolved, wording)
    if not split.new:
        return Approved([], split.already)
    shas = [t.asset.sha256 for t in split.new]
    signature, message = signed_approval(
        lc, shas, wording, Signing(approval.sign_with, approval.signature),
        lambda reason, fix: _refusal(lc, shas, attempt, reason, fix),
    )  # fmt: skip
    reference = str(approval.reference.expanduser().absolute())
    requests = [
        ApprovalRequest(t.asset.sha256, t.path, category, scope, approval.approver, reference,
                        approval.expires, approval.note, signature, message)
        for t in split.new
    ]  # fmt: skip
    return Approved(lc.ledger.approvals.add(requests, document, at, open_status), split.already)


def _split(lc: Lifecycle, resolved: Sequence[Target], wording: Wording) -> Split:
    found = lc.ledger.approvals.many(t.asset.sha256 for t in resolved)
    return split_repeats(resolved, found, wording, approval_trust(lc.settings), lc.now())


def revoke(
    lc: Lifecycle, approval_id: int, reason: str, signing: Signing | None = None
) -> ApprovalRecord:
    """Revoke an approval; the asset it cleared becomes temporary (or expired) again."""
    why = revocation_reason(reason)
    record = lc.ledger.approvals.get(approval_id)
    if record is None:
        raise TargetNotFound(
            f"no approval #{approval_id} in the ledger",
            fix="`provenance history` lists an asset's approvals",
        )
    details = {"action": "revoke", "approval": approval_id, "category": record.category}
    authorize(lc, [record.asset_sha256], details)
    now = lc.now()
    signed = signed_revocation(record, now, why, signing or Signing())
    return lc.ledger.approvals.revoke(approval_id, why, now, open_status, signed)


def revocation_reason(reason: str) -> str:
    """The reason a revocation gives, stripped; refused when there is none."""
    if not reason.strip():
        raise TransitionRefused("a revocation needs a reason", fix="give --reason TEXT")
    return reason.strip()


def _check_request(approval: Approval, now: datetime) -> tuple[Category, Scope]:
    """The request's category and scope, checked, once the rest of it is checked too."""
    category = next((c for c in CATEGORIES if c == approval.category), None)
    if category is None:
        raise TransitionRefused(
            f"unknown approval category '{approval.category}'",
            fix=f"use one of: {', '.join(CATEGORIES)}",
        )
    scope = next((s for s in SCOPES if s == approval.scope), None)
    if scope is None:
        raise TransitionRefused(
            f"unknown scope '{approval.scope}'", fix="use final or temporary-use"
        )
    if not approval.approver.strip():
        raise TransitionRefused(
            "an approval needs the name of who approved it", fix="give --approver NAME"
        )
    if approval.expires is not None and approval.expires <= now:
        raise TransitionRefused(
            f"the approval would already have lapsed ({approval.expires:%Y-%m-%d})",
            fix="give an --expires date in the future",
        )
    return category, scope


def read_document(path: Path) -> DocumentIn:
    """Read a reference document whole, to hash it and copy it into the ledger.

    Read through :func:`~provenance.files.opening.read_regular`: a regular
    file only (a FIFO or a device is refused, never waited on), never more
    than the ledger keeps, however the file grows after a look at its size.
    An empty file is refused: no one signed it (an export or a download that
    failed leaves one).
    """
    path = path.expanduser()
    try:
        content = read_regular(path, MAX_DOCUMENT_BYTES)
    except TooLarge as exc:
        raise TransitionRefused(
            f"the reference document is larger than the ledger keeps ({MAX_DOCUMENT_BYTES} "
            "bytes at most)",
            where=path,
            fix="reference a smaller export (e.g. a PDF)",
        ) from exc
    except (FileNotFoundError, NotADirectoryError, NotRegularFile) as exc:
        raise TargetNotFound(
            "the reference document is missing or not a file",
            where=path,
            fix="check the --reference path",
        ) from exc
    except OSError as exc:
        raise TargetNotFound(
            f"cannot read the reference document ({exc.strerror or exc})",
            where=path,
            fix="check its permissions, or reference a copy that can be read",
        ) from exc
    if not content:
        raise TransitionRefused(
            "the reference document is empty",
            where=path,
            fix="reference the signed document itself (a failed export or download is empty)",
        )
    return DocumentIn(path.name, content)


def _attempt(approval: Approval, document: DocumentIn) -> dict[str, object]:
    return {
        "action": "approve",
        "category": approval.category,
        "scope": approval.scope,
        "approver": approval.approver,
        "reference": str(approval.reference),
        "reference_sha256": document.sha256,
    }


def authorize(lc: Lifecycle, shas: Sequence[str], attempt: Mapping[str, object]) -> None:
    """Refuse, and record the attempt, unless this user (and database role) may approve."""
    actor, role = lc.ledger.actor, lc.settings.approver_db_role
    reason = None
    if actor not in lc.settings.approvers:
        reason = f"OS user '{actor}' is not in the approvers setting"
    elif role and not lc.ledger.approvals.in_database_role(role):
        user = lc.ledger.approvals.database_user()
        reason = f"database user '{user}' is not a member of role '{role}'"
    if reason is None:
        return
    raise _refusal(lc, shas, attempt, reason)


NOT_AN_APPROVER = (
    "have an approver record it, or ask for your user to be added to `approvers`"
    " and your key to `allowed_signers`"
)


def _refusal(
    lc: Lifecycle,
    shas: Sequence[str],
    attempt: Mapping[str, object],
    reason: str,
    fix: str = NOT_AN_APPROVER,
) -> ApprovalRefused:
    """Record a refused attempt; returns the error that says so, and what to do."""
    lc.ledger.approvals.add_refusal(list(shas), {**attempt, "reason": reason}, lc.now())
    return ApprovalRefused(reason + "; the attempt was recorded", fix=fix)


@dataclass(frozen=True)
class Need(Generic[Facts]):
    """A generated asset (in full or in brief) not yet approved for finals, and what it needs."""

    asset: Facts
    missing: tuple[str, ...]
    flags: tuple[Flag, ...]

    def to_dict(self: Need[AssetRecord]) -> dict[str, object]:
        """The asset's JSON object with ``needs_approval`` and the flags' reasons."""
        return asset_row(
            self.asset.to_dict(),
            needs_approval=list(self.missing),
            flag_reasons=[f.to_dict() for f in self.flags],
        )


def needs_approval(lc: Lifecycle, query: AssetQuery) -> list[Need[AssetRecord]]:
    """Generated assets matching ``query`` that still need approvals for finals."""
    return needs_among(lc, lc.ledger.assets.list(replace(query, genai=True)))


def needs_among(lc: Lifecycle, generated: Sequence[Facts]) -> list[Need[Facts]]:
    """Those of the ``generated`` assets that still need approvals for finals, and which."""
    return [
        Need(asset, missing, tuple(Flag.from_dict(f) for f in asset.flags))
        for asset, missing in missing_among(lc, generated)
    ]


def missing_among(lc: Lifecycle, generated: Sequence[Facts]) -> list[tuple[Facts, tuple[str, ...]]]:
    """The ``generated`` assets (full or brief) that still need approvals, each with what.

    Their approvals are read in one go, only those whose signatures count
    (a forged approval clears nothing), and each asset is decided by
    :func:`~provenance.rules.policy.still_needs`, the one rule.
    """
    assets = [a for a in generated if a.status not in LEFT_STATUSES]
    found = lc.ledger.approvals.many(a.sha256 for a in assets)
    approvals = honoured(found, approval_trust(lc.settings))
    now = lc.now()
    decided = ((a, still_needs(a, approvals.get(a.sha256, []), now)) for a in assets)
    return [(asset, tuple(missing)) for asset, missing in decided if missing]
