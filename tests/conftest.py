"""Shared fixtures: a fresh ledger per test, on SQLite and on PostgreSQL.

PostgreSQL tests use ``PROVENANCE_TEST_PG`` (default: the local server at
127.0.0.1:5432, database ``test``). Each test gets its own schema, dropped
afterwards. Where the server cannot be reached the PostgreSQL tests skip
with the reason, except under ``CI=true``, where that is a failure. An
initialized ledger is a copy of one migrated once a test process
(:mod:`tests.support.templates`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pluggy import Result

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# pytest-xdist's workers set COLUMNS=80, and rich freezes a console's width at
# creation from it; the CLI's consoles must follow each invocation's terminal
# (the golden tour runs at 160 columns), as they do in a single process.
os.environ.pop("COLUMNS", None)

from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.browser import launched_chromium
from tests.support.postgres import BACKENDS, require_postgres
from tests.support.templates import (
    PgLedgers,
    PgTemplate,
    drop_schema,
    init_sqlite_copy,
    new_schema,
    schema_url,
    sqlite_template,
)

# Hypothesis's deadline and too-slow check are timed assertions: on shared, loaded
# machines (load 20 on 2 cores) they failed tests whose code was right. Tests assert
# behaviour; the benchmarks in bench/ measure time.
hypothesis_settings.register_profile(
    "provenance", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("provenance")


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh, empty schema on the PostgreSQL server, dropped afterwards."""
    require_postgres()
    schema = new_schema()
    yield schema
    drop_schema(schema)


@pytest.fixture
def pg_schema_url(pg_schema: str) -> str:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    return schema_url(pg_schema)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, initialized SQLite ledger, migrated once a test process (see templates)."""
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[PgTemplate]:
    """An empty, initialized PostgreSQL schema, migrated once a test process."""
    require_postgres()
    template = PgTemplate()
    yield template
    template.close()


@pytest.fixture(scope="session")
def _pg_ledgers(_pg_template: PgTemplate) -> Iterator[PgLedgers]:
    """Copies of the PostgreSQL template, emptied and reused between tests (see templates)."""
    ledgers = PgLedgers(_pg_template)
    yield ledgers
    ledgers.close()


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL for an empty, initialized ledger, once per backend (never inside ``tmp_path``).

    Each is a copy of a template migrated once a test process (:mod:`tests.support.templates`);
    on PostgreSQL, a copy another test left as it found it may be emptied and given again.
    """
    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        return init_sqlite_copy(template, tmp_path_factory.mktemp("ledger") / "ledger.sqlite3")
    ledgers: PgLedgers = request.getfixturevalue("_pg_ledgers")
    schema = ledgers.take()
    request.addfinalizer(lambda: ledgers.give_back(schema))
    return schema_url(schema)


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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for a test module's tests; each page gets a context of its own
    (:func:`tests.support.browser.browser_page`)."""
    with launched_chromium() as browser:
        yield browser


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


@pytest.fixture(autouse=True)
def _bugs_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug inside a command reaches the test as its exception, as before the CLI's last
    boundary turned it into an ``Error:`` line: ``result.exception`` then names it, and
    no test passes over one because an exit code looked right. The boundary's own test
    puts the real one back."""

    def surface(exc: Exception) -> str:
        raise exc

    monkeypatch.setattr("provenance.cli.group.unforeseen", surface)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    """Captured output that names a file whose name is not UTF-8 travels to xdist's controller.

    Python holds such a name's odd bytes as lone surrogates (``\\udcff``), which
    the CLI and the daemon's log formatter write as ``\\xNN``; pytest's own
    capture keeps them raw, and xdist cannot send a report holding them: the
    worker died with an internal error instead of reporting the test.
    """
    outcome = yield
    report = outcome.get_result()
    report.sections = [(title, _sendable(text)) for title, text in report.sections]
    if report.longrepr is not None:  # a failure's message may quote such a name too
        told = str(report.longrepr)
        if _sendable(told) != told:
            report.longrepr = _sendable(told)


def _sendable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
