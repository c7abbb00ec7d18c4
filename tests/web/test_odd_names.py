"""A file name that is not UTF-8 shows escaped (``\\xNN``) on every page, never a 500."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from provenance.cli import cli
from provenance.settings import Settings
from provenance.store import AssetQuery, Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.files import generated_with_odd_name
from tests.support.studio import generated_png


def test_every_page_of_an_asset_with_an_odd_name_answers(ledger_url: str, tmp_path: Path) -> None:
    path = generated_with_odd_name(tmp_path / "lighthouse")
    assert CliRunner().invoke(cli, ["scan", str(path), "--db", ledger_url]).exit_code == 0
    with Ledger(ledger_url, read_only=True) as reader:
        [asset] = reader.assets.list(AssetQuery())
        guard = Guard.for_host("127.0.0.1", None, None)
        app = create_app(reader, Settings(db=ledger_url), guard, tmp_path / "thumbs")
        client = app.test_client()
        for page in ("/", "/?q=gen", f"/asset/{asset.sha256}", "/show/lighthouse",
                     "/show/lighthouse/disclosure"):  # fmt: skip
            answer = client.get(page)
            assert answer.status_code == 200, page
            assert "gen\\xff." in answer.get_data(as_text=True), page  # the report may break it


def test_a_name_holding_a_bidirectional_override_reads_as_it_is_on_every_page(
    ledger_url: str, tmp_path: Path
) -> None:
    # "comp<RLO>exr.png" would show as "compgnp.rxe" in a browser that honours the override.
    path = generated_png(tmp_path / "lighthouse" / "comp\u202eexr.png", 3)
    assert CliRunner().invoke(cli, ["scan", str(path), "--db", ledger_url]).exit_code == 0
    with Ledger(ledger_url, read_only=True) as reader:
        [asset] = reader.assets.list(AssetQuery())
        guard = Guard.for_host("127.0.0.1", None, None)
        client = create_app(reader, Settings(db=ledger_url), guard, tmp_path / "t").test_client()
        for page in ("/", f"/asset/{asset.sha256}", "/show/lighthouse/disclosure"):
            text = client.get(page).get_data(as_text=True)
            assert "\u202e" not in text and "\\u202e" in text, page
