"""Several fingerprints per asset: one per sampled moment of a video.

``fingerprints`` gains ``frame`` (0 for every existing row, which are all
images), and its unique key becomes (``asset_sha256``, ``frame``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# 0004 left its unique key unnamed: PostgreSQL named it, SQLite did not; batch
# mode on SQLite finds the unnamed one by this convention.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
NEW_KEY = "uq_fingerprints_asset_frame"


def _old_key() -> str:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("fingerprints"):
        if constraint["column_names"] == ["asset_sha256"] and constraint["name"]:
            return str(constraint["name"])
    return "uq_fingerprints_asset_sha256"


def upgrade() -> None:
    """Add ``frame`` and key the table by (asset, frame)."""
    old = _old_key()
    with op.batch_alter_table("fingerprints", naming_convention=_NAMING) as batch:
        batch.add_column(
            sa.Column("frame", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.drop_constraint(old, type_="unique")
        batch.create_unique_constraint(NEW_KEY, ["asset_sha256", "frame"])


def downgrade() -> None:
    """Back to one row an asset, keeping frame 0 (development only)."""
    op.execute(sa.text("DELETE FROM fingerprints WHERE frame <> 0"))
    with op.batch_alter_table("fingerprints", naming_convention=_NAMING) as batch:
        batch.drop_constraint(NEW_KEY, type_="unique")
        batch.drop_column("frame")
        batch.create_unique_constraint("uq_fingerprints_asset_sha256", ["asset_sha256"])
