"""Requests no browser sends but anyone may type: every one is answered with a page, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.factories import observation

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


# SQLite takes LIKE patterns of at most 50,000 bytes; PostgreSQL takes any.
LONG = "a" * 60_000
LONG_TEXTS = (f"/?q={LONG}", f"/?show={LONG}", f"/show/{LONG}", f"/show/{LONG}/disclosure")


@pytest.mark.parametrize("page", LONG_TEXTS)
def test_a_text_too_long_to_search_is_not_understood_not_a_ledger_down(
    ledger_url: str, tmp_path: Path, page: str
) -> None:
    with Ledger(ledger_url) as ledger:  # SQLite matches a pattern only against a row
        ledger.record([observation("a", "/jobs/show/plate.png")])
    with Ledger(ledger_url, read_only=True) as reader:
        guard = Guard.for_host("127.0.0.1", None, None)
        app = create_app(reader, Settings(db=ledger_url), guard, tmp_path / "thumbs")
        answer = app.test_client().get(page)
    text = answer.get_data(as_text=True)
    if reader.backend == "postgresql":
        assert answer.status_code == 200, text
    else:
        assert answer.status_code == 400, text
        assert "longer than the ledger can search for" in text
        assert "search for a shorter part of the name" in text
