"""Requests no browser sends but anyone may type: every one is answered with a page, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard

# PostgreSQL's text cannot hold a NUL, so psycopg refuses any query parameter holding one.
WITH_NUL = ("/?q=%00", "/?q=sh%00010", "/?show=%00", "/?tool=a%00", "/show/%00",
            "/show/a%00b/disclosure", "/show?name=%00", "/asset/%00", "/lookup/ab%00")  # fmt: skip


@pytest.mark.parametrize("page", WITH_NUL)
def test_a_nul_in_a_request_is_not_understood(ledger_url: str, tmp_path: Path, page: str) -> None:
    with Ledger(ledger_url, read_only=True) as reader:
        guard = Guard.for_host("127.0.0.1", None, None)
        app = create_app(reader, Settings(db=ledger_url), guard, tmp_path / "thumbs")
        answer = app.test_client().get(page)
    assert answer.status_code == 400, page
    assert "a NUL character is in no name the ledger holds" in answer.get_data(as_text=True)
