"""The region rule's version: a stored region check or sweep made by an older rule is redone.

``region_checks`` and ``segments`` gain ``rule``, the version of the region
rule that made the row (``provenance.likeness.versions.REGION_RULE``). The
rows written before get 1, the rule before the inliers' span was required
(``MIN_SPAN``): under it a shared word, logo or prop was a match. The deferred
stage checks or sweeps again, and the audit does not reuse, any row whose
version is older than the code's.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TABLES = ("region_checks", "segments")


def upgrade() -> None:
    """Add ``rule`` to both tables, 1 for every row already there."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("rule", sa.Integer(), nullable=False, server_default=sa.text("1"))
            )


def downgrade() -> None:
    """Drop them (development only)."""
    for table in reversed(_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("rule")
