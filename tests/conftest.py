"""Shared fixtures: a fresh ledger per test, on SQLite and on PostgreSQL.

PostgreSQL tests use ``PROVENANCE_TEST_PG`` (default: the local server at
127.0.0.1:5432, database ``test``). Each test gets its own schema, dropped
afterwards. Where the server cannot be reached the PostgreSQL tests skip with
the reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# pytest-xdist's workers set COLUMNS=80, and rich freezes a console's width at
# creation from it; the CLI's consoles must follow each invocation's terminal
# (the golden tour runs at 160 columns), as they do in a single process.
os.environ.pop("COLUMNS", None)

from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.postgres import BACKENDS, PG_URL, pg_dsn, require_postgres

# Hypothesis's deadline and too-slow check are timed assertions: on shared, loaded
# machines (load 20 on 2 cores) they failed tests whose code was right. Tests assert
# behaviour; the benchmarks in bench/ measure time.
hypothesis_settings.register_profile(
    "provenance", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("provenance")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL for an empty, initialized ledger, once per backend (never inside ``tmp_path``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('ledger')}/ledger.sqlite3"
    else:
        url = request.getfixturevalue("pg_schema_url")
    Ledger.init(url)[0].close()
    return url


@pytest.fixture(params=BACKENDS)
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once per backend, to build an older schema in by hand and upgrade."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/old.sqlite3"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """A fresh ledger, once on SQLite and once on PostgreSQL."""
    with Ledger(ledger_url, actor="tester", host="testhost") as opened:
        yield opened


@pytest.fixture
def settings(ledger_url: str) -> Settings:
    """Settings pointing at the test ledger, with two workers."""
    return Settings(db=ledger_url, workers=2)


@pytest.fixture(autouse=True)
def _machine_key_in_tmp(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Commands sign with a machine key of the test's own, never the user's."""
    monkeypatch.setenv(
        "PROVENANCE_MACHINE_KEY", str(tmp_path_factory.mktemp("key") / "machine_key")
    )


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves non-daemon threads running."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    for thread in leaked:
        thread.join(timeout=5)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"threads leaked: {still}"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the real user's config or data directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("PROVENANCE_DB", raising=False)
    monkeypatch.delenv("PROVENANCE_CONFIG", raising=False)
