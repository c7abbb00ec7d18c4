"""Indexes for searching a big ledger: part of a path, a folder's prefix, tool and status.

The web view (``provenance serve``) and ``ls`` search a studio ledger of a
million assets. Measured with ``bench/bench_web.py --assets 1000000``, three
of their searches read every row of a table:

* **Part of a path** (``lower(path) LIKE '%sh0120_comp%'``) and a show named
  by its folder (``path LIKE '%/show07/%'``) read every location (0.4 s). On
  PostgreSQL a GIN trigram index (the ``pg_trgm`` extension) on
  ``locations.path`` serves both, and the search asks ``path ILIKE``, which
  it serves too. ``pg_trgm`` is a trusted extension from PostgreSQL 13 on:
  the ledger's owner may create it without being a superuser when it has
  CREATE on the database. Where it is already installed (in any schema) it is
  used; where it cannot be created the migration still succeeds without the
  index, and the searches read every location as before (slower, same answers).
* **A folder's prefix** (a show's roots, ``path LIKE '/jobs/show07/%'``): a
  B-tree under PostgreSQL's linguistic collations (``en_US.UTF-8``, even
  ``C.UTF-8`` before PostgreSQL 17) cannot serve ``LIKE 'prefix%'``; an index
  with the ``text_pattern_ops`` operator class can. On SQLite, a plain index
  on ``path``.
* **Tool and status** read every temporary asset through the status index,
  then filtered by tool and sorted by first sight (100,000 rows); an index on
  (``tool``, ``status``, ``first_seen``) hands back the newest first. Both
  backends.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TRIGRAM_INDEX = "ix_locations_path_trgm"
PREFIX_INDEX = "ix_locations_path_prefix"
TOOL_STATUS_INDEX = "ix_assets_tool_status_first_seen"
_EXTENSION_SCHEMA = sa.text(
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
    " WHERE e.extname = 'pg_trgm'"
)
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    """Index locations by path (trigrams and prefixes) and assets by tool and status."""
    op.create_index(TOOL_STATUS_INDEX, "assets", ["tool", "status", "first_seen"])
    op.create_index(
        PREFIX_INDEX, "locations", ["path"], postgresql_ops={"path": "text_pattern_ops"}
    )
    if op.get_bind().dialect.name == "postgresql":
        _trigram_index()


def _trigram_index() -> None:
    """The GIN trigram index on ``locations.path``, when ``pg_trgm`` is or can be installed."""
    schema = trigram_schema(op.get_bind())
    if schema is None:
        log.warning("pg_trgm is not available: searches by part of a path read every location")
        return
    opclass = f'"{schema}".gin_trgm_ops'
    op.execute(f"CREATE INDEX {TRIGRAM_INDEX} ON locations USING gin (path {opclass})")


def trigram_schema(bind: sa.engine.Connection) -> str | None:
    """The schema ``pg_trgm`` is installed in, installing it first if needed; None if it cannot."""
    found = bind.execute(_EXTENSION_SCHEMA).scalar()
    if found is None:
        try:
            with bind.begin_nested():  # a refusal must not abort the migration's transaction
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError as exc:
            log.warning("cannot create the pg_trgm extension: %s", str(exc).splitlines()[0])
            return None
        found = bind.execute(_EXTENSION_SCHEMA).scalar()
    return None if found is None else str(found)


def downgrade() -> None:
    """Drop the indexes (development only); the extension stays."""
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    op.drop_index(PREFIX_INDEX, table_name="locations")
    op.drop_index(TOOL_STATUS_INDEX, table_name="assets")
