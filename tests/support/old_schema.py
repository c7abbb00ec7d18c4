"""Ledgers at an older schema revision, filled by hand, for the tests of upgrading them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from provenance.store.engine import make_engine
from provenance.store.schema import alembic_config

WHEN = "2026-11-01 10:00:00"


@contextmanager
def migrated_to(url: str, revision: str) -> Iterator[Connection]:
    """A transaction on the database at ``url``, migrated up to ``revision`` and no further."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
            yield conn
    finally:
        engine.dispose()


def insert_generated_image(
    conn: Connection, sha: str, path: str | None = None, host: str = "testhost"
) -> None:
    """A temporary generated image, as every revision stores it; present at ``path`` if given."""
    conn.execute(text(
        "INSERT INTO assets (sha256, size, kind, mime, verdict, tool, evidence, status,"
        " first_seen, updated_at) VALUES (:sha, 1, 'image', 'image/png', 'genai',"
        " 'comfyui', '[]', 'temporary', :t, :t)"
    ), {"sha": sha, "t": WHEN})  # fmt: skip
    if path is not None:
        conn.execute(text(
            "INSERT INTO locations (asset_sha256, host, path, size, mtime_ns, inode, first_seen,"
            " last_seen, present) VALUES (:sha, :host, :path, 1, 1, 1, :t, :t, :yes)"
        ), {"sha": sha, "host": host, "path": path, "t": WHEN, "yes": True})  # fmt: skip
