"""The genAI lifecycle: temporary by default, approved in writing, replaced, expired, quarantined.

Studio guidance says generated material is temporary and stays out of final
deliverables unless approved in writing. This package turns that into ledger
state a supervisor can act on:

* a generated asset is ``temporary`` from detection, with an expiry date
  (:mod:`provenance.rules.flagging` sets both at ingest);
* :func:`approve` records a written approval, for one escalation category,
  resting on a reference document copied into the ledger; the asset becomes
  ``approved`` once a final-scope ``final-deliverable`` approval and one for
  every flag's category are active (:func:`provenance.rules.policy.missing_approvals`,
  the same rule the audit applies); approving again what an approval in
  force already says adds nothing (:mod:`provenance.lifecycle.repeats`);
* :func:`replace` links a generated asset to the one that replaced it;
* :func:`expire` marks assets past their expiry (or whose approval lapsed)
  and says where their copies are;
* :func:`purge_expired` moves every present copy on this host into the
  quarantine folder, :func:`restore` moves them back, and only
  :func:`delete_quarantined` deletes anything, on confirmation.

Every change is an event in the ledger's hash chain, with actor, host and
reason. Changes that make no sense are refused with a
:class:`~provenance.errors.TransitionRefused` naming what and why.

Functions take a :class:`Lifecycle`: the ledger, the settings, and a clock,
which tests replace to move time forward.
"""

from provenance.lifecycle.approve import (
    Approval,
    Approved,
    Need,
    approval_message,
    approve,
    needs_approval,
    revoke,
)
from provenance.lifecycle.context import Clock, Lifecycle, utcnow
from provenance.lifecycle.expiry import expire, set_expiry
from provenance.lifecycle.quarantine import (
    PurgeResult,
    RestoreResult,
    delete_quarantined,
    plan_delete,
    purge_expired,
    restore,
)
from provenance.lifecycle.replace import replace
from provenance.targets import Target, resolve_targets

__all__ = [
    "Approval",
    "Approved",
    "Clock",
    "Lifecycle",
    "Need",
    "PurgeResult",
    "RestoreResult",
    "Target",
    "approval_message",
    "approve",
    "delete_quarantined",
    "expire",
    "needs_approval",
    "plan_delete",
    "purge_expired",
    "replace",
    "resolve_targets",
    "restore",
    "revoke",
    "set_expiry",
    "utcnow",
]
