"""Revoking the approvals of files, hashes or whole sequences at once.

``approve`` of a sequence records one approval per generated frame, so a
director who drops a shot would otherwise revoke ninety-six approvals by
number. :func:`revoke_of` revokes, in one transaction, every approval not
yet revoked of the assets the targets name (files, hash prefixes, image
sequences in fileseq notation), or only those for one category. A copy that
is gone still names its asset: its approvals can be revoked.
"""

from __future__ import annotations

from collections.abc import Sequence

from provenance.errors import TargetNotFound
from provenance.lifecycle.approve import authorize, revocation_reason
from provenance.lifecycle.context import Lifecycle
from provenance.lifecycle.signing import Signing, signed_revocation
from provenance.rules.policy import open_status
from provenance.store import ApprovalRecord
from provenance.targets import resolve_targets


def revoke_of(
    lc: Lifecycle,
    targets: Sequence[str],
    reason: str,
    category: str | None = None,
    signing: Signing | None = None,
) -> list[ApprovalRecord]:
    """Revoke every approval not yet revoked of the assets ``targets`` name (of ``category``)."""
    why = revocation_reason(reason)
    resolved = resolve_targets(lc.ledger, targets, present=False)
    found = lc.ledger.approvals.many(t.asset.sha256 for t in resolved)
    wanted = [
        record
        for target in resolved
        for record in found.get(target.asset.sha256, [])
        if record.revoked_at is None and category in (None, record.category)
    ]
    if not wanted:
        of = f" for {category}" if category else ""
        raise TargetNotFound(
            f"no approval{of} to revoke: none is recorded, or all are revoked already",
            where=", ".join(targets),
            fix="`provenance history FILE` lists an asset's approvals and their numbers",
        )
    details = {"action": "revoke", "approvals": [r.id for r in wanted], "category": category}
    authorize(lc, [r.asset_sha256 for r in wanted], details)
    now = lc.now()
    revocations = [(r.id, signed_revocation(r, now, why, signing or Signing())) for r in wanted]
    return lc.ledger.approvals.revoke_many(revocations, why, now, open_status)
