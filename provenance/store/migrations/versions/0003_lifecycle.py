"""The genAI lifecycle: expiry, flags and replacement on assets; documents, approvals, quarantine.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from provenance.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the lifecycle columns to ``assets`` and create the three new tables."""
    op.add_column("assets", sa.Column("expires_at", UTCDateTime()))
    op.add_column("assets", sa.Column("flags", sa.JSON()))
    op.add_column("assets", sa.Column("replaced_by", sa.String(64)))
    op.create_index("ix_assets_expires_at", "assets", ["expires_at"])
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.Column("stored_by", sa.String(255), nullable=False),
    )
    _approvals()
    _quarantine()


def _approvals() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_sha256", sa.String(64), sa.ForeignKey("assets.sha256"), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("approver", sa.String(255), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("reference_path", sa.Text(), nullable=False),
        sa.Column(
            "reference_sha256", sa.String(64), sa.ForeignKey("documents.sha256"), nullable=False
        ),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("note", sa.Text()),
        sa.Column("revoked_at", UTCDateTime()),
        sa.Column("revoked_by", sa.String(255)),
        sa.Column("revoke_reason", sa.Text()),
    )
    op.create_index("ix_approvals_asset_sha256", "approvals", ["asset_sha256"])


def _quarantine() -> None:
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_sha256", sa.String(64), sa.ForeignKey("assets.sha256"), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("original_path", sa.Text(), nullable=False),
        sa.Column("quarantine_path", sa.Text(), nullable=False),
        sa.Column("quarantined_at", UTCDateTime(), nullable=False),
        sa.Column("restored_at", UTCDateTime()),
        sa.Column("deleted_at", UTCDateTime()),
    )
    op.create_index("ix_quarantine_asset_sha256", "quarantine", ["asset_sha256"])


def downgrade() -> None:
    """Drop the lifecycle tables and columns (development only)."""
    op.drop_table("quarantine")
    op.drop_table("approvals")
    op.drop_table("documents")
    op.drop_index("ix_assets_expires_at", "assets")
    with op.batch_alter_table("assets") as batch:
        for column in ("replaced_by", "flags", "expires_at"):
            batch.drop_column(column)
