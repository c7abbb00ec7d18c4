"""A show's title may hold any character people type in one: its pages are found by it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner

from provenance.cli import cli
from provenance.settings import Settings
from provenance.settings.tables import ShowConfig
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.files import A1111, png

TITLE = "Nightfall S01/E02: pick-ups?"


def test_a_title_with_a_slash_has_its_dashboard_and_report(ledger_url: str, tmp_path: Path) -> None:
    # The server decodes %2F before it routes: the dashboard and report were 404.
    root = tmp_path / "jobs" / "nightfall"
    png(root / "gen.png", 1, A1111)
    assert CliRunner().invoke(cli, ["scan", str(root), "--db", ledger_url]).exit_code == 0
    settings = Settings(db=ledger_url, shows=(ShowConfig(TITLE, (str(root),)),))
    with Ledger(ledger_url, read_only=True) as reader:
        app = create_app(reader, settings, Guard.for_host("127.0.0.1", None, None), tmp_path / "t")
        client = app.test_client()
        typed = client.get("/show", query_string={"name": TITLE})
        assert typed.status_code == 302
        board = client.get(typed.headers["Location"])
        assert board.status_code == 200 and "Nightfall S01/E02" in board.get_data(as_text=True)
        linked = client.get("/shows").get_data(as_text=True)
        assert f'href="/show/{quote(TITLE, safe="/:")}"' in linked
        report = client.get(f"/show/{quote(TITLE, safe='/')}/disclosure")
        assert report.status_code == 200 and "Nightfall S01/E02" in report.get_data(as_text=True)
