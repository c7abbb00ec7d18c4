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

import re
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


# What a copy's structure is compared on before it is emptied for another test: each
# relation's name, kind, grants, row security, columns and checks; the triggers, indexes and
# policies on them; the schema's grants and functions. Looked up by the relations' oids (the
# catalogs' indexes), never by scanning pg_class, which a suite's churn bloats.
_STRUCTURE = """
SELECT
  (SELECT string_agg(concat_ws(':', relname, relkind, relacl, relrowsecurity,
                               relforcerowsecurity, relnatts, relchecks), '|' ORDER BY relname)
     FROM pg_class WHERE oid = ANY(%(relations)s)),
  (SELECT count(*) FROM pg_trigger WHERE tgrelid = ANY(%(relations)s) AND NOT tgisinternal),
  (SELECT count(*) FROM pg_index WHERE indrelid = ANY(%(relations)s)),
  (SELECT count(*) FROM pg_policy WHERE polrelid = ANY(%(relations)s)),
  (SELECT concat(nspacl) FROM pg_namespace WHERE oid = %(schema)s),
  (SELECT count(*) FROM pg_proc WHERE pronamespace = %(schema)s)
"""
_RELATIONS = """
SELECT n.oid, array_agg(c.oid) FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
WHERE n.nspname = %s GROUP BY n.oid
"""


class PgLedgers:
    """Copies of a :class:`PgTemplate` for one test process's tests, emptied and reused.

    Making a copy is the server creating 16 tables, 26 indexes and 11
    sequences: about 0.16 s on a quiet machine, and dropping it 0.04 s more,
    for each of the suite's 1,600 tests on PostgreSQL. So a test's copy is
    given back when it ends, and another test gets it emptied: its rows
    deleted (with triggers off, as a superuser may), its sequences and the
    template's own rows put back, in one transaction (about 5 ms). A copy
    is only emptied if its structure is still the template's (a test may
    have added grants, triggers or policies, as the roles' tests do) and no
    other connection holds a lock on it (``lock_timeout``); otherwise it is
    dropped and the next test gets a new copy. Where the template cannot
    be dumped or the tests' login is no superuser, every test gets a new copy.
    """

    def __init__(self, template: PgTemplate) -> None:
        self.template = template
        self._free: list[str] = []
        self._stale: list[str] = []  # locked by a connection a test left behind: dropped at close
        self._relations: dict[str, tuple[object, object]] = {}  # schema: its oid, its relations'
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._emptying = self._emptying_script()
        self._copying = self._copying_script()
        self._structure = self._fresh_structure() if self._emptying is not None else None

    def take(self) -> str:
        """A schema holding an empty, initialized ledger."""
        if self._free:
            return self._free.pop()
        schema = new_schema()
        self.template.init_copy(schema)
        return schema

    def give_back(self, schema: str) -> None:
        """The test is over: keep ``schema`` for another test if it can be emptied, else drop it."""
        try:
            if self._emptied(schema):
                self._free.append(schema)
                return
        except psycopg.Error:
            self._disconnect()
        self._relations.pop(schema, None)
        if not _dropped(schema):
            self._stale.append(schema)

    def close(self) -> None:
        """Drop the schemas kept for reuse, and those still locked when their tests ended."""
        for schema in self._free + self._stale:
            _dropped(schema)
        self._free.clear()
        self._stale.clear()
        self._disconnect()

    def copy_rows(self, source: str, target: str) -> bool:
        """Make ``target``'s rows and sequences ``source``'s (both copies of the template, and
        ``target`` still of its structure), in one transaction; whether it could."""
        if self._copying is None or self._structure_of(target) != self._structure:
            return False
        script = self._copying.replace(_SOURCE, source).replace(_TARGET, target)
        try:
            self._connection().execute(script.encode())
        except psycopg.Error:  # a lock held by a test's leftover connection, or no connection
            self._disconnect()  # and with it the transaction
            return False
        return True

    def _emptying_script(self) -> str | None:
        if self.template.script is None or not _superuser():
            return None
        rows = [line for line in self.template.script.splitlines()
                if line.startswith(("INSERT INTO ", "SELECT pg_catalog.setval("))]  # fmt: skip
        deletes = [f"DELETE FROM {self.template.schema}.{table};" for table in self._tables()]
        return _transaction([*deletes, *rows])

    def _copying_script(self) -> str | None:
        if self._emptying is None or self.template.script is None:
            return None
        sequences = re.findall(rf"setval\('{re.escape(self.template.schema)}\.(\w+)'",
                               self.template.script)  # fmt: skip
        return _transaction([
            *(f"DELETE FROM {_TARGET}.{table};" for table in self._tables()),
            *(f"INSERT INTO {_TARGET}.{table} SELECT * FROM {_SOURCE}.{table};"
              for table in self._tables()),
            *(f"SELECT pg_catalog.setval('{_TARGET}.{sequence}', last_value, is_called)"
              f" FROM {_SOURCE}.{sequence};" for sequence in sequences),
        ])  # fmt: skip

    def _tables(self) -> list[str]:
        return re.findall(rf"^CREATE TABLE {re.escape(self.template.schema)}\.(\w+) ",
                          self.template.script or "", flags=re.MULTILINE)  # fmt: skip

    def _emptied(self, schema: str) -> bool:
        if self._emptying is None or self._structure_of(schema) != self._structure:
            return False
        conn = self._connection()
        try:
            conn.execute(self._emptying.replace(self.template.schema, schema).encode())
        except psycopg.errors.LockNotAvailable:
            conn.execute("ROLLBACK")
            return False
        return True

    def _fresh_structure(self) -> tuple[object, ...] | None:
        """What a copy's structure is before any test: a probe copy's, the probe dropped."""
        probe = self.take()
        try:
            return self._structure_of(probe)
        finally:
            self._relations.pop(probe, None)
            drop_schema(probe)

    def _structure_of(self, schema: str) -> tuple[object, ...] | None:
        """``schema``'s structure (:data:`_STRUCTURE`), or None if it is gone."""
        conn = self._connection()
        if schema not in self._relations:
            row = conn.execute(_RELATIONS, (schema,)).fetchone()
            if row is None:
                return None
            self._relations[schema] = (row[0], row[1])
        namespace, relations = self._relations[schema]
        found = conn.execute(_STRUCTURE, {"relations": relations, "schema": namespace}).fetchone()
        return tuple(found or ())

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(pg_dsn(PG_URL), autocommit=True)
        return self._conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_SOURCE, _TARGET = "__source_schema__", "__target_schema__"  # placeholders of the copying script


def _transaction(statements: list[str]) -> str:
    """``statements`` as one transaction run with triggers off, giving up on a held lock."""
    return "\n".join(["BEGIN;", "SET LOCAL lock_timeout = '2s';",
                      "SET LOCAL session_replication_role = replica;",
                      *statements, "COMMIT;"])  # fmt: skip


def _dropped(schema: str) -> bool:
    """Drop ``schema`` unless another connection holds a lock in it; whether it was dropped."""
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '2s'")
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        except psycopg.errors.LockNotAvailable:
            return False
    return True


def _superuser() -> bool:
    """Whether the tests' login may turn triggers off (``session_replication_role``)."""
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])
