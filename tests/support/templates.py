"""Empty ledgers copied from a template, instead of migrated afresh for every test.

``Ledger.init`` runs every migration through Alembic: on a quiet machine
about 0.07 s of a test's setup on SQLite and 0.15 s on PostgreSQL, and three
times that while the suite runs (1,300 tests take a fresh ledger, so about a
tenth of the suite's time). Each test process migrates one template a
backend instead, and every test gets a copy of it:

* SQLite: the template's file, copied once its connections are closed (so
  its write-ahead log is empty and the copy is the whole database);
* PostgreSQL: the template's schema as ``pg_dump`` writes it, with the
  schema's name replaced, run in one round trip. Where ``pg_dump`` is
  missing, cannot dump this server (a client older than the server), or
  writes what this server cannot run, every copy is migrated as before.

A copy is what the migrations make: its dump is the template's
(``tests/store/test_templates.py``). Tests of the migrations themselves call
``Ledger.init`` on databases of their own, never on a copy.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg

from provenance.store import Ledger
from tests.support.postgres import PG_URL, pg_dsn


def schema_url(schema: str) -> str:
    """The test server's URL, with ``schema`` as its search path."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def new_schema() -> str:
    """Create a fresh, empty schema on the test server; returns its name."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def drop_schema(schema: str) -> None:
    """Drop a test schema and everything in it."""
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def init_sqlite_copy(template: Path, path: Path) -> str:
    """An initialized SQLite ledger at ``path``, copied from ``template``; returns its URL."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def sqlite_template(folder: Path) -> Path:
    """An initialized, closed SQLite ledger in ``folder``, for copying."""
    path = folder / "ledger.sqlite3"
    Ledger.init(f"sqlite:///{path}")[0].close()
    # Closing the last connection checkpoints the log into the file and removes it.
    leftovers = [p.name for p in folder.iterdir() if p != path]
    if leftovers:
        raise RuntimeError(f"the template ledger left {leftovers} beside it: not copyable")
    return path


class PgTemplate:
    """A migrated schema on the test server, and the SQL that makes a copy of it."""

    def __init__(self) -> None:
        self.schema = new_schema()
        Ledger.init(schema_url(self.schema))[0].close()
        self.script = dumped_schema(self.schema)
        if self.script is not None and not self._runs():
            self.script = None

    def _runs(self) -> bool:
        """Whether the dump runs on this server (a newer pg_dump may set what it does not know)."""
        probe = new_schema()
        try:
            self.init_copy(probe)
        except psycopg.Error:
            return False
        finally:
            drop_schema(probe)
        return True

    def init_copy(self, schema: str) -> None:
        """Make the empty schema ``schema`` an initialized ledger."""
        if self.script is None:
            Ledger.init(schema_url(schema))[0].close()
            return
        with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
            # One simple-protocol query: the server runs it as one transaction.
            conn.execute(self.script.replace(self.schema, schema).encode())

    def close(self) -> None:
        """Drop the template's schema."""
        drop_schema(self.schema)


def dumped_schema(schema: str) -> str | None:
    """``schema``'s DDL and rows as SQL that a plain connection can run, or None."""
    dump = shutil.which("pg_dump")
    if dump is None:
        return None
    command = [dump, f"--dbname={pg_dsn(PG_URL)}", f"--schema={schema}", "--inserts",
               "--no-owner", "--no-privileges"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        return None
    # psql's meta-commands (\restrict, newer pg_dumps) and the schema itself, which exists.
    kept = (
        line
        for line in done.stdout.splitlines()
        if not line.startswith("\\") and not line.startswith("CREATE SCHEMA")
    )
    return "\n".join(kept)
