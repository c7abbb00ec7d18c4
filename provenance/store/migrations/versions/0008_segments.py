"""Segments: where each video the ledger holds shows generated assets, and against what.

``segments`` has one row per stretch of a video (not generated) that shows a
generated asset (``frame`` counts them in time order), or one row with no
``hit_sha256`` when the sweep found none, or when the video could not be
swept to its end (``status`` then says why, in ``reason``). ``start`` and
``end`` are seconds from the video's start, ``tc_in`` and ``tc_out`` the
same in its timecode; ``kind`` is ``near`` or ``region``; ``at`` and
``outline`` the best sample's time and, for a region, the generated
picture's corners as shares of the frame (JSON). A sweep is current while
no generated asset was fingerprinted or described after it:
``features_through`` and ``prints_through`` are the last such row ids it saw.

``region_checks`` gains ``outline``: where in the picture the generated one
lies (JSON, shares of the frame), for the report's preview.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from provenance.store.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``segments``; add ``region_checks.outline``."""
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_sha256", sa.String(64), sa.ForeignKey("assets.sha256"), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("features_through", sa.Integer(), nullable=False),
        sa.Column("prints_through", sa.Integer(), nullable=False),
        sa.Column("hit_sha256", sa.String(64)),
        sa.Column("start", sa.Float()),
        sa.Column("end", sa.Float()),
        sa.Column("tc_in", sa.String(16)),
        sa.Column("tc_out", sa.String(16)),
        sa.Column("kind", sa.String(8)),
        sa.Column("score", sa.Float()),
        sa.Column("at", sa.Float()),
        sa.Column("outline", sa.Text()),
        sa.UniqueConstraint("asset_sha256", "frame", name="uq_segments_asset_frame"),
    )
    op.create_index("ix_segments_hit", "segments", ["hit_sha256"])
    with op.batch_alter_table("region_checks") as batch:
        batch.add_column(sa.Column("outline", sa.Text()))


def downgrade() -> None:
    """Drop ``segments`` and ``region_checks.outline`` (development only)."""
    with op.batch_alter_table("region_checks") as batch:
        batch.drop_column("outline")
    op.drop_table("segments")
