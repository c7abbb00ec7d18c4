"""The watch daemon's bookkeeping: heartbeats and per-root checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from provenance.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``watch_daemons`` and ``watch_checkpoints``."""
    op.create_table(
        "watch_daemons",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", UTCDateTime(), nullable=False),
        sa.Column("last_beat", UTCDateTime(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
    )
    op.create_index("ix_watch_daemons_host", "watch_daemons", ["host"])
    op.create_table(
        "watch_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("last_reconcile", UTCDateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index(
        "uq_watch_checkpoints_host_root", "watch_checkpoints", ["host", "root"], unique=True
    )


def downgrade() -> None:
    """Drop both tables (development only)."""
    op.drop_table("watch_checkpoints")
    op.drop_table("watch_daemons")
