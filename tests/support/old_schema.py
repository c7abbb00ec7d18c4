"""Ledgers at an older schema revision, filled by hand, for the tests of upgrading them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from provenance.store.chain import GENESIS, event_hash
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


def insert_fingerprint(conn: Connection, sha: str, grad: int, dct: int) -> None:
    """An ``ok`` fingerprint of a still (frame 0), as every revision with frames stores it."""
    conn.execute(text(
        "INSERT INTO fingerprints (asset_sha256, frame, status, computed_at, grad, dct)"
        " VALUES (:sha, 0, 'ok', :t, :grad, :dct)"
    ), {"sha": sha, "t": WHEN, "grad": grad, "dct": dct})  # fmt: skip


def without_status(details: str) -> str:
    """An event's details as the code before the projection wrote them: no status."""
    return details.replace('"status":"temporary",', "")


_SINCE_0014 = re.compile(
    r'"(evidence_sha256|prompt_sha256|evidence|prompt)":("[0-9a-f]{64}"|null),|"kind":"[a-z]+",'
)


def without_digests(details: str) -> str:
    """An event's details as the code before migration 0014 wrote them: a ``detected`` event
    without kind and digests, a baseline's row without kind, evidence and prompt."""
    return _SINCE_0014.sub("", details)


def make_chain_old(url: str, rewrite: Callable[[str], str] = without_status) -> None:
    """Rewrite the chain as older code wrote it (``rewrite`` each event's details; by default,
    the code before the projection: no status, no audit event)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE type='audit-recorded'"))
        rows = conn.execute(text("SELECT * FROM events ORDER BY seq")).mappings().all()
        conn.execute(text("DELETE FROM events"))
        prev = GENESIS
        for seq, row in enumerate(rows, start=1):
            details = rewrite(row["details"])
            values = dict(row) | {"seq": seq, "details": details, "prev_hash": prev}
            values["hash"] = prev = event_hash(
                seq=seq, at=row["at"], type=row["type"], asset_sha256=row["asset_sha256"],
                actor=row["actor"], host=row["host"], path=row["path"], details=details,
                prev_hash=values["prev_hash"],
            )  # fmt: skip
            conn.execute(text(
                "INSERT INTO events (seq, at, type, asset_sha256, actor, host, path, details,"
                " prev_hash, hash) VALUES (:seq, :at, :type, :asset_sha256, :actor, :host, :path,"
                " :details, :prev_hash, :hash)"
            ), values)  # fmt: skip
        conn.execute(text("UPDATE chain_head SET seq=:s, hash=:h"), {"s": len(rows), "h": prev})
    engine.dispose()
