"""The suite's template ledgers: a copy is what the migrations make (tests/support/templates)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from provenance.store import Ledger
from tests.support import templates
from tests.support.postgres import require_postgres
from tests.support.templates import (
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
