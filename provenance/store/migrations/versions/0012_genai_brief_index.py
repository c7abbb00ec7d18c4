"""A partial, covering index of the generated assets: a show's dashboard without a row read.

A show's dashboard (``provenance serve``) reads every generated asset of the
show in brief (hash, verdict, tool, status, expiry, flags), and a search of a
show by verdict sorts them by first sight. Measured with
``bench/bench_web.py --assets 1000000`` on PostgreSQL, both found the show's
hashes through the trigram index on ``locations.path`` and the (verdict,
sha256) index, then read each of the show's 2,500 generated rows by key:
about half of the query's time.

This index holds, for generated assets only (a tenth of a studio ledger),
the hash and, on PostgreSQL, those columns beside it (``INCLUDE``): the
dashboard's query is answered from the index alone (an index-only scan,
once autovacuum has marked the table's pages visible), and a search reads
only the 201 rows it shows. On SQLite the index is partial but holds the
hash only (SQLite has no ``INCLUDE``); it serves the same join.

On PostgreSQL the planner also keeps finer statistics of ``locations.path``
(1,000 buckets instead of 100, then ``ANALYZE``). A search by part of a path
(a shot's name) is estimated from them: with the default, a shot's 4,000
locations were estimated at 100 for one shot and 10,000 for the next, and
past about 5,000 the planner read every asset instead of 4,000 by key
(170 ms against 40 ms of the server's time at a million assets).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEX = "ix_assets_genai_brief"
PATH_STATISTICS = 1000  # PostgreSQL's default_statistics_target is 100
# As provenance.store.models.GENAI_BRIEF_INCLUDES when this migration was written.
INCLUDES = ["verdict", "first_seen", "tool", "status", "expires_at", "flags"]


def upgrade() -> None:
    """Create the partial index of generated assets."""
    generated = sa.text("verdict = 'genai'")
    op.create_index(
        INDEX,
        "assets",
        ["sha256"],
        postgresql_include=INCLUDES,
        postgresql_where=generated,
        sqlite_where=generated,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE locations ALTER COLUMN path SET STATISTICS {PATH_STATISTICS}")
        op.execute("ANALYZE locations")


def downgrade() -> None:
    """Drop it (development only)."""
    op.drop_index(INDEX, table_name="assets")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE locations ALTER COLUMN path SET STATISTICS -1")
