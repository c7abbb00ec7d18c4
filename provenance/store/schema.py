"""Schema versions, managed by Alembic from the first table on.

The migration scripts live in ``migrations/versions``. :func:`upgrade` brings
a database to the newest revision (``provenance init``); :func:`check` refuses
to work on a database whose revision is not the one this code was written
for, saying to run ``provenance init``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from provenance.errors import SchemaOutdated

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations packaged"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
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
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current in known:
        raise SchemaOutdated(
            f"ledger schema is older than this provenance (revision {current}, need {head_revision()})",
            where=where,
            fix="run `provenance init` to upgrade it",
        )
    raise SchemaOutdated(
        f"ledger schema revision {current} is newer than this provenance knows",
        where=where,
        fix="upgrade provenance on this machine",
    )
