"""Signatures: signed chain checkpoints, and approvals signed by their approvers.

``checkpoints`` has one row per chain head a machine signed: ``seq`` and
``hash`` of the newest event then, ``at`` (ISO time), the ``host``, its
machine key (``signer``, an OpenSSH public key line) and ``signature`` (an
armored SSHSIG over the checkpoint's canonical message, namespace
``provenance-checkpoint``). A rewrite of the chain cannot keep them valid
without the machines' private keys.

``approvals`` gains ``signature`` and ``signed_message``: the approver's
SSHSIG signature (namespace ``provenance-approval``) and the exact canonical
message signed; ``revoke_signature`` and ``revoke_message`` the same for a
revocation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_APPROVAL_COLUMNS = ("signature", "signed_message", "revoke_signature", "revoke_message")


def upgrade() -> None:
    """Create ``checkpoints``; add the signature columns of ``approvals``."""
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("signer", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
    )
    op.create_index("ix_checkpoints_seq", "checkpoints", ["seq"])
    with op.batch_alter_table("approvals") as batch:
        for name in _APPROVAL_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text()))


def downgrade() -> None:
    """Drop them (development only)."""
    with op.batch_alter_table("approvals") as batch:
        for name in reversed(_APPROVAL_COLUMNS):
            batch.drop_column(name)
    op.drop_table("checkpoints")
