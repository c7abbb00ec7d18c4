"""The PostgreSQL server the tests use (``PROVENANCE_TEST_PG``), and skipping where it is absent."""

from __future__ import annotations

import contextlib
import functools
import os

import psycopg
import pytest

PG_URL = os.environ.get("PROVENANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def pg_dsn(url: str) -> str:
    """The libpq form of a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@functools.cache
def _pg_unavailable() -> str | None:
    """Why the server cannot be reached, or None; asked once, when a test first needs it."""
    try:
        with psycopg.connect(pg_dsn(PG_URL), connect_timeout=3, autocommit=True) as conn:
            _install_trigrams(conn)
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {str(exc).strip().splitlines()[0]}"


def _install_trigrams(conn: psycopg.Connection) -> None:
    """Install ``pg_trgm`` in ``public`` once, as a studio's DBA does for the whole database.

    Migration 0010 would otherwise create it in the first test schema that
    runs it, and dropping that schema (CASCADE) would drop the extension, and
    the trigram indexes of every other test's schema with it.
    """
    # Another test process may install it at the same moment, or it may not be available.
    with contextlib.suppress(psycopg.Error):
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")


def require_postgres() -> None:
    """Skip (or, under CI=true, fail) when PostgreSQL cannot be reached."""
    problem = _pg_unavailable()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem} (CI=true: PostgreSQL tests must run)")
    pytest.skip(problem)
