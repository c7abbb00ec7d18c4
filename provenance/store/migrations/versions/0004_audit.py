"""Near-match fingerprints of image assets, and the record of every audit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from provenance.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``fingerprints`` and ``audits``."""
    op.create_table(
        "fingerprints",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_sha256", sa.String(64), sa.ForeignKey("assets.sha256"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("grad", sa.BigInteger()),
        sa.Column("dct", sa.BigInteger()),
        sa.Column("reason", sa.Text()),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("asset_sha256"),
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("warned", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("report_sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables (development only)."""
    op.drop_table("audits")
    op.drop_table("fingerprints")
