"""Approving twice adds nothing: an approval the ledger already holds is not recorded again.

A supervisor who runs the same ``approve`` again (a retried script, a second
pass over a sequence some of whose frames were approved yesterday) should
not make a second approval that says what the first one says: it would
double every count and bury the history in repeats. Each asset the ledger
already holds such an approval for is left alone, and said to be ("already
approved (approval #12 by Jane Doe on 2026-12-06); nothing done"); the others
are approved as usual.

An approval in the ledger *already says it* when it is for the same asset
and the same category, and:

* it is **in force**: neither revoked nor lapsed, and it **counts**: its
  signature verifies and the ``allowed_signers`` setting trusts its key
  (:class:`~provenance.signing.approvals.ApprovalTrust`). An unsigned or
  untrusted approval clears nothing, so a signed one over it is new;
* it rests on the **same reference document** (the same bytes, by hash). A
  different document (a renewed consent form, a second email) is new
  evidence, and recorded;
* it is by the **same approver**: a second person's sign-off is recorded;
* its **scope** is as wide: ``final`` covers ``temporary-use``, not the
  other way round;
* it **lasts as long**: no expiry, or one no earlier than the new one's.

The note and the moment of signing do not make an approval new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from provenance.lifecycle.signing import Wording
from provenance.signing.approvals import ApprovalTrust
from provenance.store import ApprovalRecord
from provenance.targets import Target


@dataclass(frozen=True)
class AlreadyApproved:
    """A target left alone, and the approval in the ledger that already says it."""

    target: Target
    approval: ApprovalRecord

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the asset's ``sha256``, the path it was named by, the approval."""
        return {
            "sha256": self.target.asset.sha256,
            "path": self.target.path,
            "approval": self.approval.to_dict(),
        }


def already_said(record: ApprovalRecord) -> str:
    """``approval #12 by Jane Doe on 2026-12-06``: the approval that already says it."""
    return f"approval #{record.id} by {record.approver} on {record.approved_at:%Y-%m-%d}"


@dataclass(frozen=True)
class Split:
    """The targets an approval would add something for, and those it would not."""

    new: list[Target]
    already: list[AlreadyApproved]


def split_repeats(
    targets: Sequence[Target],
    found: Mapping[str, Sequence[ApprovalRecord]],
    wording: Wording,
    trust: ApprovalTrust,
    now: datetime,
) -> Split:
    """Split ``targets`` by whether an approval in ``found`` (by asset) already says ``wording``."""
    new: list[Target] = []
    already: list[AlreadyApproved] = []
    for target in targets:
        same = same_approval(found.get(target.asset.sha256, ()), wording, trust, now)
        if same is None:
            new.append(target)
        else:
            already.append(AlreadyApproved(target, same))
    return Split(new, already)


def same_approval(
    approvals: Sequence[ApprovalRecord], wording: Wording, trust: ApprovalTrust, now: datetime
) -> ApprovalRecord | None:
    """The first of ``approvals`` (one asset's) that already says what ``wording`` says."""
    return next((a for a in approvals if _says(a, wording, now) and trust.counts(a)), None)


def _says(approval: ApprovalRecord, wording: Wording, now: datetime) -> bool:
    return (
        approval.active(now)
        and (approval.category, approval.approver, approval.reference_sha256)
        == (wording.category, wording.approver, wording.reference_sha256)
        and (approval.scope == "final" or wording.scope == "temporary-use")
        and _lasts_as_long(approval.expires_at, wording.expires_at)
    )


def _lasts_as_long(held: datetime | None, wanted: datetime | None) -> bool:
    if held is None:
        return True
    return wanted is not None and held >= wanted
