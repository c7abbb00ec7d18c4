"""Upgrading a ledger with data from revision 0002 keeps every asset usable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from provenance.lifecycle import Lifecycle, approve
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.store.engine import make_engine
from provenance.store.schema import alembic_config, head_revision
from tests.support.lifecycle import final


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/old.sqlite3"
    return str(request.getfixturevalue("pg_schema_url"))


def test_upgrade_from_0002_keeps_assets_approvable(old_url: str, tmp_path: Path) -> None:
    engine = make_engine(old_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0002")
        conn.execute(text(
            "INSERT INTO assets (sha256, size, kind, mime, verdict, tool, evidence, status,"
            " first_seen, updated_at) VALUES (:sha, 1, 'image', 'image/png', 'genai',"
            " 'comfyui', :ev, 'temporary', :t, :t)"
        ), {"sha": "ab" * 32, "ev": json.dumps([]), "t": "2026-11-01 10:00:00"})  # fmt: skip
        conn.execute(text(
            "INSERT INTO locations (asset_sha256, host, path, size, mtime_ns, inode, first_seen,"
            " last_seen, present) VALUES (:sha, 'testhost', '/old.png', 1, 1, 1, :t, :t, :p)"
        ), {"sha": "ab" * 32, "t": "2026-11-01 10:00:00", "p": True})  # fmt: skip
    engine.dispose()
    ledger, before, after = Ledger.init(old_url)
    assert (before, after) == ("0002", head_revision())
    doc = tmp_path / "ok.pdf"
    doc.write_bytes(b"ok")
    with ledger:
        old = ledger.assets.resolve("abab")
        assert (old.flags, old.expires_at, old.replaced_by) == ([], None, None)
        settings = Settings(db=old_url, approvers=(ledger.actor,))
        [record] = approve(Lifecycle(ledger, settings), ["abab"], final(doc))
        assert (
            ledger.assets.resolve("abab").status == "approved" and record.asset_sha256 == "ab" * 32
        )
