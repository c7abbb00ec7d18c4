"""A folder holding a name that is not UTF-8: every file recorded, the name escaped everywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.store import Ledger
from provenance.store.identity import current_host
from provenance.util.names import shown
from tests.support.files import A1111, png
from tests.support.hostile import non_utf8_path

SHOWN = "gen\\xff\\xfe.png"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three generated images, one of them under a name that is not UTF-8."""
    show = tmp_path / "show"
    for seed in (1, 2):
        png(show / f"gen{seed}.png", seed, A1111)
    shutil.move(png(show / "third.png", 3, A1111), non_utf8_path(show))
    return show


def _strings(data: object) -> set[str]:
    if isinstance(data, str):
        return {data}
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return set().union(*(_strings(item) for item in items))


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result.stdout


def test_scan_records_every_file_and_the_name_comes_back_exactly(
    folder: Path, ledger_url: str, ledger: Ledger
) -> None:
    summary = json.loads(run("scan", str(folder), "--db", ledger_url, "--json"))
    assert (summary["files_seen"], summary["genai"]) == (3, 3)
    odd = non_utf8_path(folder)
    assert str(odd) in ledger.locations.under(str(folder), current_host())
    asset = ledger.assets.at(str(odd), current_host())
    assert asset is not None and asset.verdict == "genai"
    assert json.loads(run("scan", str(folder), "--db", ledger_url, "--json"))["unchanged"] == 3


def test_the_name_is_escaped_alike_in_tables_json_and_history(
    folder: Path, ledger_url: str
) -> None:
    run("scan", str(folder), "--db", ledger_url)
    odd = str(non_utf8_path(folder))
    table = run("audit", str(folder), "--db", ledger_url, "--no-record", code=1)
    report = json.loads(
        run("audit", str(folder), "--db", ledger_url, "--format", "json", "--no-record", code=1)
    )
    assert SHOWN in table
    assert SHOWN in {f["path"] for f in report["files"]}
    history = json.loads(run("history", odd, "--db", ledger_url, "--json"))
    assert shown(odd) in _strings(history)
    assert "\udcff" not in run("history", odd, "--db", ledger_url)  # no raw byte, no crash
    classified = json.loads(run("classify", str(folder), "--json"))["files"]
    assert shown(odd) in {row["path"] for row in classified}
