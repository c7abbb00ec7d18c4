"""Checkpoints sign the events their transaction wrote, not only the head it left.

``checkpoints`` gains ``first_seq``, the first event the transaction
chained (its last is ``seq``), and ``since``, the event from which this
ledger's checkpoints cover every event by such ranges. A head vouches for
the whole chain below it, whoever wrote it; a range says *who* wrote each
event, so ``verify`` finds events appended by someone with the database's
credentials but no machine key, even after a later writer signed a head
above them (see :mod:`provenance.lifecycle.anchors`). Rows written before
have neither: the events below the first range are vouched for by the
heads, as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns (empty on the rows written before)."""
    with op.batch_alter_table("checkpoints") as batch:
        batch.add_column(sa.Column("first_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("since", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them (development only)."""
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("since")
        batch.drop_column("first_seq")
