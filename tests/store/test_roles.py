"""The shipped PostgreSQL roles: every table covered, applying twice, and the server's stamp."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from provenance.store import Ledger
from provenance.store.models import METADATA
from provenance.store.roles import DAEMON_EVENTS, TABLE_GRANTS, RoleNames, guard_statements
from tests.support.factories import observation
from tests.support.pg_roles import RoleLogins, role_logins
from tests.support.postgres import pg_dsn


def test_every_table_of_the_models_has_its_grants() -> None:
    """A table added later without deciding who writes it fails here: add its line."""
    assert set(METADATA.tables) | {"alembic_version"} == set(TABLE_GRANTS)


def test_the_guards_name_this_ledgers_schema_and_roles() -> None:
    statements = guard_statements(RoleNames(approver='boss "x"'), "Show's")
    text = "\n".join(statements)
    assert '"Show\'s".provenance_events_stamp()' in text
    assert "pg_has_role(current_user, 'boss \"x\"', 'MEMBER')" in text
    assert all(f"'{kind}'" in text for kind in DAEMON_EVENTS)
    assert "{" not in text and len(statements) == 19  # 4 functions, 4+4 triggers, RLS, 3+3 policies
    assert all(s.count("$$") in (0, 2) for s in statements)  # no body split in two


@pytest.fixture
def guarded(pg_schema_url: str) -> Iterator[tuple[str, RoleLogins]]:
    Ledger.init(pg_schema_url)[0].close()
    with role_logins(pg_schema_url) as logins:
        yield pg_schema_url, logins


def privileges(url: str, role: str) -> set[tuple[str, str]]:
    """(table, privilege) the role holds on the ledger's tables itself, columns apart."""
    with psycopg.connect(pg_dsn(url)) as conn:
        rows = conn.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
            " WHERE grantee = %s AND table_schema = current_schema()",
            (role,),
        ).fetchall()
    return {(str(t), str(p)) for t, p in rows}


@pytest.mark.postgres
def test_applying_again_changes_nothing_and_takes_back_extra_grants(
    guarded: tuple[str, RoleLogins],
) -> None:
    url, logins = guarded
    daemon = logins.groups["daemon"]
    before = privileges(url, daemon)
    assert ("events", "INSERT") in before and ("assets", "UPDATE") not in before
    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:  # the old, hand-written grants
        conn.execute(f'GRANT INSERT, UPDATE ON assets, approvals TO "{daemon}"')
    with Ledger(url) as ledger:
        done = ledger.roles.apply(**logins.groups)
    assert done.created == () and done.tables == len(TABLE_GRANTS)
    assert privileges(url, daemon) == before


@pytest.mark.postgres
def test_events_carry_the_servers_user_and_time_once_guarded(
    guarded: tuple[str, RoleLogins],
) -> None:
    logins = guarded[1]
    with Ledger(logins.urls["daemon"], actor="someone-else") as ledger:
        ledger.record([observation("a", "/show/a.png")])
        [event] = ledger.events.list()
    assert event.actor == logins.logins["daemon"]
    at = datetime.strptime(event.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - at) < timedelta(minutes=1)


@pytest.mark.postgres
def test_an_unguarded_ledger_keeps_the_clients_actor(pg_schema_url: str) -> None:
    Ledger.init(pg_schema_url)[0].close()
    with Ledger(pg_schema_url, actor="tester") as ledger:
        ledger.record([observation("a", "/show/a.png")])
        assert [e.actor for e in ledger.events.list()] == ["tester"]
