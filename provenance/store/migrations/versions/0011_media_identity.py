"""Media identity: where an asset sits on the editor's clock, and what names it.

``assets`` gains ``timecode`` (the first frame's, as text) and ``tc_rate``;
``tc_start`` and ``tc_length`` (seconds on the timecode clock, frames counted
at the nominal rate); ``reel`` (reel or tape name) and ``umid`` (an MXF's
material package UMID, the MobID an AAF names it by), indexed (``reel`` with
``kind``: a reel is looked up for its videos and audio, never its frames). A cut's
offline media is found through them (:mod:`provenance.audit.cut_match`).
Rows written before stay empty, as their ``detected`` events say.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("timecode", sa.String(16)),
    ("tc_rate", sa.Float()),
    ("tc_start", sa.Float()),
    ("tc_length", sa.Float()),
    ("reel", sa.String(128)),
    ("umid", sa.String(64)),
)


def upgrade() -> None:
    """Add the identity columns of ``assets`` and index ``reel`` and ``umid``."""
    with op.batch_alter_table("assets") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind))
    op.create_index("ix_assets_reel", "assets", ["reel", "kind"])  # reels of videos and audio
    op.create_index("ix_assets_umid", "assets", ["umid"])


def downgrade() -> None:
    """Drop them (development only)."""
    op.drop_index("ix_assets_umid", "assets")
    op.drop_index("ix_assets_reel", "assets")
    with op.batch_alter_table("assets") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
