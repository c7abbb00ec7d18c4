"""Logins in the three roles of ``provenance db roles``, on the shared PostgreSQL server.

Roles are cluster-wide, so every use makes its own: three group roles and one
login in each, named with a random tag, dropped (with their grants) when done.
The server trusts local connections, so a login connects by name alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

from provenance.store import Ledger
from tests.support.postgres import PG_URL, pg_dsn

ROLES = ("reader", "daemon", "approver")


@dataclass(frozen=True)
class RoleLogins:
    """The group roles applied to one ledger, and a login (and its URL) in each."""

    groups: dict[str, str]  # reader/daemon/approver -> group role
    logins: dict[str, str]  # reader/daemon/approver -> login role
    urls: dict[str, str]  # reader/daemon/approver -> the ledger's URL as that login

    def dsn(self, role: str) -> str:
        """The libpq form of the login's URL (search_path option kept)."""
        return pg_dsn(self.urls[role])


def url_as(url: str, user: str) -> str:
    """``url`` with another user name."""
    return make_url(url).set(username=user).render_as_string(hide_password=False)


@contextmanager
def role_logins(owner_url: str) -> Iterator[RoleLogins]:
    """Apply the roles to the (initialized) ledger at ``owner_url``, with one login per role."""
    tag = uuid.uuid4().hex[:10]
    groups = {role: f"prov_{role}_{tag}" for role in ROLES}
    logins = {role: f"login_{role}_{tag}" for role in ROLES}
    try:
        with Ledger(owner_url) as ledger:
            ledger.roles.apply(**groups)
        with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
            for role in ROLES:
                conn.execute(f'CREATE ROLE "{logins[role]}" LOGIN IN ROLE "{groups[role]}"')
        yield RoleLogins(groups, logins, {r: url_as(owner_url, logins[r]) for r in ROLES})
    finally:
        drop_roles(list(logins.values()) + list(groups.values()))


def drop_roles(roles: list[str]) -> None:
    """Drop these roles, and their grants in the test database, where they exist."""
    with psycopg.connect(pg_dsn(PG_URL), autocommit=True) as conn:
        for role in roles:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f'DROP OWNED BY "{role}"')
                conn.execute(f'DROP ROLE "{role}"')
