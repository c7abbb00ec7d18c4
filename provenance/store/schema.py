"""Schema versions, managed by Alembic from the first table on.

The migration scripts live in ``migrations/versions``. :func:`upgrade` brings
a database to the newest revision (``provenance init``); :func:`check` refuses
to work on a database whose revision is not the one this code was written
for, saying to run ``provenance init``.

Checking reads the ``alembic_version`` table directly and compares it with
:data:`REVISIONS`, so that every command does not pay for importing Alembic
and parsing the migration scripts; a test keeps :data:`REVISIONS` equal to
the scripts.

The embedded SQLite ledger creates itself on first use with :func:`create`:
Alembic's recipe for building a database from scratch (create the tables
from the models, then stamp the head revision), without importing Alembic,
which costs a first scan more than creating the tables does. Tests keep the
result identical to what the migrations build.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    insert,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine

from provenance.errors import SchemaOutdated
from provenance.store.chain import GENESIS
from provenance.store.engine import WRITE_OPTION
from provenance.store.models import METADATA, ChainHead

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

# Every revision in migrations/versions, oldest first; the last is the head.
REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
    "0014",
    "0015",
    "0016",
)


def head_revision() -> str:
    """The newest revision this code knows."""
    return REVISIONS[-1]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    # Lazy: Alembic loads only when a schema is created or upgraded.
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def on_backend(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for comparing a ``dialect`` database with the models.

    An index the models build on one backend only (``Index.ddl_if``, such as
    PostgreSQL's trigram index) is left out of the comparison elsewhere.
    """

    def include(item: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        condition = getattr(item, "_ddl_if", None)
        wanted = getattr(condition, "dialect", None) if condition is not None else None
        return wanted is None or wanted == dialect

    return include


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, where: str) -> tuple[str | None, str]:
    """Create or upgrade the schema; returns (revision before, revision after).

    A ledger a newer provenance has migrated is refused as :func:`check`
    refuses it: there is no way down from a revision this code has never seen.
    """
    # Lazy: Alembic loads only when a schema is created or upgraded.
    from alembic import command  # noqa: PLC0415

    before = current_revision(engine)
    if before is not None and before not in REVISIONS:
        raise _newer(before, where)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return before, head_revision()


# Alembic's own layout of its version table (alembic.runtime.migration).
_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def create(engine: Engine) -> str:
    """Create the newest schema in an empty database in one transaction; returns its revision.

    Does nothing when another process created it first (the check runs inside
    the write transaction).
    """
    with engine.connect() as plain:
        write = plain.execution_options(**{WRITE_OPTION: True})
        with write.begin():
            if not inspect(write).has_table(_VERSION_TABLE.name):
                METADATA.create_all(write)
                write.execute(insert(ChainHead).values(id=1, seq=0, hash=GENESIS))
                _VERSION_TABLE.create(write)
                write.execute(_VERSION_TABLE.insert().values(version_num=head_revision()))
    return head_revision()


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
    raise _newer(current, where)


def _newer(current: str, where: str) -> SchemaOutdated:
    return SchemaOutdated(
        f"ledger schema revision {current} is newer than this provenance knows",
        where=where,
        fix="upgrade provenance on this machine",
    )
