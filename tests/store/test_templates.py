"""The suite's template ledgers: a copy is what the migrations make (tests/support/templates)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from provenance.audit.run import AuditOptions, audit
from provenance.ingest.scan import scan
from provenance.lifecycle import Lifecycle, approve
from provenance.settings import Settings
from provenance.store import AssetQuery, Ledger
from tests.support import templates
from tests.support.lifecycle import final
from tests.support.postgres import PG_URL, pg_dsn, require_postgres
from tests.support.signing import trusting
from tests.support.studio import generated_png
from tests.support.templates import (
    PgLedgers,
    PgTemplate,
    drop_schema,
    dumped_schema,
    init_sqlite_copy,
    new_schema,
    schema_url,
)

Contents = tuple[list[tuple[str, str]], dict[str, list[tuple[object, ...]]]]


def _sqlite_contents(path: Path) -> Contents:
    """Every object's SQL, every table's rows, and the journal mode."""
    with sqlite3.connect(path) as conn:
        schema = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {t: sorted(conn.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
        mode = conn.execute("PRAGMA journal_mode").fetchone()
    rows["journal_mode"] = [mode]
    return schema, rows


def test_a_sqlite_copy_is_a_fresh_migration(_sqlite_template: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    Ledger.init(f"sqlite:///{fresh}")[0].close()
    copy_url = init_sqlite_copy(_sqlite_template, tmp_path / "copy.sqlite3")

    assert _sqlite_contents(tmp_path / "copy.sqlite3") == _sqlite_contents(fresh)
    assert _sqlite_contents(fresh)[0], "the migrations made no tables"
    # And a ledger opens on it as on any: its schema is current, its chain starts at 0.
    with Ledger(copy_url) as ledger:
        assert ledger.state.verify().ok


@pytest.mark.postgres
def test_a_postgres_copy_is_a_fresh_migration(_pg_template: PgTemplate) -> None:
    if _pg_template.script is None:
        pytest.skip("pg_dump cannot dump this server: copies are migrated instead")
    fresh, copy = new_schema(), new_schema()
    try:
        Ledger.init(schema_url(fresh))[0].close()
        _pg_template.init_copy(copy)
        dumps = {name: _dump(name).replace(name, "SCHEMA") for name in (fresh, copy)}
        assert dumps[copy] == dumps[fresh]
        assert "CREATE TABLE SCHEMA.events" in dumps[fresh]
        with Ledger(schema_url(copy)) as ledger:
            assert ledger.state.verify().ok
    finally:
        drop_schema(fresh)
        drop_schema(copy)


def _dump(schema: str) -> str:
    dumped = dumped_schema(schema)
    assert dumped is not None
    return dumped


@pytest.mark.postgres
def test_a_dump_this_server_cannot_run_leaves_copies_migrated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_postgres()
    # What a newer pg_dump writes for an older server: a setting it does not know.
    monkeypatch.setattr(templates, "dumped_schema", lambda _: "SET no_such_setting = 1;")
    template = PgTemplate()
    schema = new_schema()
    try:
        assert template.script is None
        template.init_copy(schema)
        with Ledger(schema_url(schema)) as ledger:
            assert ledger.state.verify().ok
    finally:
        drop_schema(schema)
        template.close()


@pytest.fixture
def ledgers(_pg_template: PgTemplate) -> Iterator[PgLedgers]:
    """Copies of the template handed out and taken back by a pool of this test's own."""
    if _pg_template.script is None:
        pytest.skip("pg_dump cannot dump this server: copies are migrated instead")
    pool = PgLedgers(_pg_template)
    yield pool
    pool.close()


def _used(schema: str, work: Path) -> None:
    """Write to the ledger in ``schema`` as a studio would: scan, approve, audit, fingerprint."""
    url = schema_url(schema)
    generated = generated_png(work / "show" / "gen.png", 1)
    settings = trusting(Settings(db=url, workers=1, approvers=("tester",)))
    with Ledger(url, actor="tester", host="testhost") as ledger:
        scan([work / "show"], ledger, settings)
        approve(Lifecycle(ledger, settings), [str(generated)], final(work / "memo.pdf"))
        audit(work / "show", ledger, settings, AuditOptions())
        assert ledger.assets.list(AssetQuery()), "nothing was written"


@pytest.mark.postgres
def test_a_used_copy_emptied_is_a_fresh_copy(ledgers: PgLedgers, tmp_path: Path) -> None:
    (tmp_path / "memo.pdf").write_bytes(b"%PDF-1.7 approved\n")
    schema = ledgers.take()
    _used(schema, tmp_path)
    ledgers.give_back(schema)
    assert ledgers.take() == schema  # emptied and handed out again
    fresh = new_schema()
    try:
        ledgers.template.init_copy(fresh)
        assert _dump(schema).replace(schema, "S") == _dump(fresh).replace(fresh, "S")
        with Ledger(schema_url(schema)) as ledger:
            assert ledger.state.verify().ok and not ledger.assets.list(AssetQuery())
    finally:
        drop_schema(fresh)
        ledgers.give_back(schema)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "change",
    [
        'GRANT SELECT ON "{s}".assets TO PUBLIC',
        'ALTER TABLE "{s}".approvals ENABLE ROW LEVEL SECURITY',
        'CREATE FUNCTION "{s}".f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;'
        ' CREATE TRIGGER t BEFORE DELETE ON "{s}".events FOR EACH ROW EXECUTE FUNCTION "{s}".f()',
    ],
    ids=["grant", "row security", "trigger"],
)
def test_a_copy_whose_structure_changed_is_dropped(ledgers: PgLedgers, change: str) -> None:
    schema = ledgers.take()
    execute_sql(change.format(s=schema))
    ledgers.give_back(schema)
    assert not _exists(schema)
    other = ledgers.take()
    assert other != schema
    ledgers.give_back(other)


@pytest.mark.postgres
def test_a_copy_locked_by_another_connection_is_left_not_waited_for(ledgers: PgLedgers) -> None:
    schema = ledgers.take()
    with psycopg.connect(pg_dsn(PG_URL)) as holder:
        holder.execute(f'LOCK TABLE "{schema}".events IN SHARE MODE')  # a test's leftover
        ledgers.give_back(schema)  # neither emptied nor dropped: both would wait
        other = ledgers.take()
        assert _exists(schema) and other != schema
        ledgers.give_back(other)
    ledgers.close()  # the holder is gone: dropped now
    assert not _exists(schema)


def execute_sql(sql: str) -> None:
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(sql.encode())


def _exists(schema: str) -> bool:
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        return found.fetchone() is not None
