"""Schema versions, managed by Alembic from the first table on.

The migration scripts live in ``migrations/versions``. :func:`upgrade` brings
a database to the newest revision (``provenance init``); :func:`check` refuses
to work on a database whose revision is not the one this code was written
for, saying to run ``provenance init``.

Checking reads the ``alembic_version`` table directly and compares it with
:data:`REVISIONS`, so that every command does not pay for importing Alembic
and parsing the migration scripts; a test keeps :data:`REVISIONS` equal to
the scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from provenance.errors import SchemaOutdated

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

# Every revision in migrations/versions, oldest first; the last is the head.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")


def head_revision() -> str:
    """The newest revision this code knows."""
    return REVISIONS[-1]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return before, head_revision()


def check(engine: Engine, where: str) -> str | None:
    """Return the current revision; raise :class:`SchemaOutdated` if it is not the head.

    ``None`` means the database is empty (the caller may create it).
    """
    current = current_revision(engine)
    if current is None or current == head_revision():
        return current
    if current in REVISIONS:
        raise SchemaOutdated(
            "ledger schema is older than this provenance"
            f" (revision {current}, need {head_revision()})",
            where=where,
            fix="run `provenance init` to upgrade it",
        )
    raise SchemaOutdated(
        f"ledger schema revision {current} is newer than this provenance knows",
        where=where,
        fix="upgrade provenance on this machine",
    )
