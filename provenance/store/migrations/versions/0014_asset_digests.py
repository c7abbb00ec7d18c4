"""Events cover what the gate reads of an asset: ``detected`` events carry its kind, and
``evidence_sha256`` and ``prompt_sha256`` (:mod:`provenance.store.digests`).

No table changes. The revision marks where the events' form changed, so
that the upgrade (``provenance init``) records a ``state-baseline`` for each
asset whose ``detected`` event has none of these (see
:mod:`provenance.store.baseline`), and so that a writer still running the
code before it (a watch daemon on another machine) is refused, instead of
chaining ``detected`` events whose evidence, prompt and kind no one can check.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change in the schema: ``init`` records the baselines after the upgrade."""


def downgrade() -> None:
    """Nothing to undo (development only)."""
