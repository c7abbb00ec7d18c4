"""Seals: every row of the derived tables is vouched for by a ``sealed`` event.

``fingerprints``, ``features``, ``region_checks`` and ``segments`` gain
``sealed_by``, the seq of the ``sealed`` event that names the row, and the
new ``seals`` table keeps each such event's list of row digests (see
:mod:`provenance.store.seals`). Rows written before have none: ``provenance
init`` seals them after the upgrade, as it records the state baselines, and
until then the audit does not reuse them (it checks or sweeps again).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TABLES = ("fingerprints", "features", "region_checks", "segments")


def upgrade() -> None:
    """Create ``seals``; add ``sealed_by`` to each derived table (empty until ``init`` seals)."""
    op.create_table(
        "seals",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_seals_table_seq", "seals", ["table_name", "seq"])
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("sealed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them (development only)."""
    for table in reversed(_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sealed_by")
    op.drop_index("ix_seals_table_seq", table_name="seals")
    op.drop_table("seals")
