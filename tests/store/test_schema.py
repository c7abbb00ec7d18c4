"""The Alembic migrations and the models describe the same schema, on both backends."""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateIndex

from provenance.store import Ledger
from provenance.store.engine import make_engine
from provenance.store.models import METADATA
from provenance.store.schema import REVISIONS, alembic_config, create, head_revision, on_backend


def _compare_options(dialect: str) -> dict[str, object]:
    return {"compare_type": True, "include_object": on_backend(dialect)}


def test_migrations_match_models(ledger: Ledger) -> None:
    with ledger._engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=_compare_options(conn.dialect.name))
        diff = compare_metadata(context, METADATA)
        assert context.get_current_revision() == head_revision()
    assert diff == []


def test_init_is_idempotent(ledger_url: str) -> None:
    ledger, before, after = Ledger.init(ledger_url)
    ledger.close()
    assert before == after == head_revision()


def test_known_revisions_match_the_scripts() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    assert tuple(reversed([s.revision for s in scripts.walk_revisions()])) == REVISIONS
    assert scripts.get_current_head() == head_revision()


def test_a_ledger_made_on_first_use_is_the_migrated_schema(tmp_path: Path) -> None:
    """The embedded ledger creates itself from the models; that must equal what migrations build."""
    fresh = f"sqlite:///{tmp_path}/fresh.sqlite3"
    migrated = f"sqlite:///{tmp_path}/migrated.sqlite3"
    Ledger(fresh).close()  # created on first use (schema.create)
    Ledger.init(migrated)[0].close()  # built by the Alembic migrations
    assert _schema(fresh) == _schema(migrated)
    with Ledger(fresh) as ledger, ledger._engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=_compare_options(conn.dialect.name))
        assert compare_metadata(context, METADATA) == []
        assert context.get_current_revision() == head_revision()
        assert conn.execute(text("SELECT id, seq, hash FROM chain_head")).all() == [
            (1, 0, "0" * 64)
        ]
        assert ledger.events.verify().ok
    ledger, before, after = Ledger.init(fresh)  # Alembic takes it from there
    ledger.close()
    assert before == after == head_revision()


def test_creating_twice_at_once_creates_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/race.sqlite3"
    engine = make_engine(url)
    try:
        assert create(engine) == create(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM chain_head")).scalar() == 1
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, object]:
    """Tables: columns (in any order), indexes, keys and constraints, as SQLite has them."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            return {
                table: (
                    sorted(
                        (c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)
                    ),
                    sorted(_index_text(i) for i in found.get_indexes(table)),
                    found.get_pk_constraint(table),
                    sorted(str(f) for f in found.get_foreign_keys(table)),
                    sorted(str(u) for u in found.get_unique_constraints(table)),
                )
                for table in sorted(found.get_table_names())
            }
    finally:
        engine.dispose()


def _index_text(index: Mapping[str, object]) -> str:
    """An index as text, its options (a partial index's condition) as their SQL, not objects."""
    options = index.get("dialect_options") or {}
    assert isinstance(options, Mapping)
    return str({**index, "dialect_options": {k: str(v) for k, v in options.items()}})


class _RefusingServer:
    """A PostgreSQL connection where pg_trgm is not installed and may not be created."""

    def execute(self, statement: object) -> SimpleNamespace:
        return SimpleNamespace(scalar=lambda: None)

    def begin_nested(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    def exec_driver_sql(self, statement: str) -> None:
        refusal = Exception("permission denied to create extension pg_trgm")
        raise DBAPIError(statement, None, refusal)


def test_without_pg_trgm_migration_0010_goes_on_without_the_trigram_index() -> None:
    path = Path(alembic_config().get_main_option("script_location") or "")
    spec = importlib.util.spec_from_file_location(
        "m0010", path / "versions" / "0010_search_indexes.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.trigram_schema(_RefusingServer()) is None


def test_postgresql_keeps_finer_statistics_of_location_paths(pg_schema_url: str) -> None:
    """Migration 0012: a search by part of a path is estimated from 1,000 buckets, not 100."""
    Ledger.init(pg_schema_url)[0].close()
    engine = make_engine(pg_schema_url)
    try:
        with engine.connect() as conn:
            target = conn.execute(
                text(
                    "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'locations'::regclass"
                    " AND attname = 'path'"
                )
            ).scalar()
    finally:
        engine.dispose()
    assert target == 1000


def test_the_models_postgresql_indexes_are_the_migrated_ones(pg_schema_url: str) -> None:
    """The PostgreSQL-only index options live outside the models' declarations (so SQLite
    never loads the dialect); once a PostgreSQL engine is made, the models have them again,
    as the migrations built them."""
    Ledger.init(pg_schema_url)[0].close()
    migrated = _pg_indexes(pg_schema_url)  # make_engine: the options are set from here on
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    indexes = {str(i.name): i for t in METADATA.sorted_tables for i in t.indexes}
    made = {name: str(CreateIndex(indexes[name]).compile(dialect=dialect)) for name in migrated}
    brief = "INCLUDE (verdict, first_seen, tool, status, expires_at, flags) WHERE "
    assert brief + "verdict = 'genai'" in made["ix_assets_genai_brief"]
    assert brief + "((verdict)::text = 'genai'::text)" in migrated["ix_assets_genai_brief"]
    assert "(path text_pattern_ops)" in made["ix_locations_path_prefix"]
    assert "(path text_pattern_ops)" in migrated["ix_locations_path_prefix"]
    assert "USING gin (path gin_trgm_ops)" in made["ix_locations_path_trgm"]
    assert "USING gin (path " in migrated["ix_locations_path_trgm"]
    assert "gin_trgm_ops)" in migrated["ix_locations_path_trgm"]


def _pg_indexes(url: str) -> dict[str, str]:
    """The three indexes with PostgreSQL-only options, and their definitions."""
    wanted = ["ix_assets_genai_brief", "ix_locations_path_prefix", "ix_locations_path_trgm"]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema() AND indexname = ANY(:names)"
            )
            return {name: definition for name, definition in conn.execute(query, {"names": wanted})}
    finally:
        engine.dispose()


def test_a_sqlite_ledger_never_loads_the_postgresql_dialect(tmp_path: Path) -> None:
    """Validating a ``postgresql_`` option imports SQLAlchemy's PostgreSQL dialect (about
    30 ms of CPU); a command on a SQLite ledger has no use for it."""
    url = f"sqlite:///{tmp_path}/ledger.sqlite3"
    script = (
        "import sys\n"
        "from provenance.store import Ledger\n"
        f"ledger = Ledger({url!r})\n"
        "ledger.assets.many(['0' * 64, '1' * 64])\n"
        "ledger.close()\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
