"""Assets of one verdict or one kind in sha256 order, for reading them a page at a time.

``provenance rescreen`` walks every generated asset in pages (``verdict =
'genai' AND sha256 > :after ORDER BY sha256``), and the fingerprint stage
the images and videos that have no fingerprint yet (``kind = :kind AND
sha256 > :after ...``). With only the indexes on ``verdict`` and ``kind``,
each page sorted every matching asset after the last one: quadratic over a
show's hundreds of thousands of frames. Indexes on (``verdict``,
``sha256``) and (``kind``, ``sha256``) serve each page in order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = {"ix_assets_verdict_sha256": "verdict", "ix_assets_kind_sha256": "kind"}


def upgrade() -> None:
    """Index assets by (verdict, sha256) and by (kind, sha256)."""
    for name, column in INDEXES.items():
        op.create_index(name, "assets", [column, "sha256"])


def downgrade() -> None:
    """Drop the indexes (development only)."""
    for name in INDEXES:
        op.drop_index(name, table_name="assets")
