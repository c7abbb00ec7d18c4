"""``provenance use-log`` through click: CSV and JSON, the preamble, refusals, hostile names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from tests.support.files import A1111, png


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def show(tmp_path: Path, ledger_url: str) -> Path:
    root = tmp_path / "nightfall"
    png(root / "sh010" / "gen" / "matte_v001.png", 1, A1111)
    png(root / "sh020" / "=HYPERLINK(evil)+x.png", 2, A1111)  # a name a spreadsheet would run
    png(root / "sh010" / "plate.png", 3)
    assert invoke("scan", str(root), "--db", ledger_url).exit_code == 0
    return root


def table(text: str) -> list[dict[str, str]]:
    """The CSV's rows, the '#' preamble skipped as a comment-aware reader would."""
    body = "".join(line for line in io.StringIO(text) if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_opens_with_the_guidance_then_one_row_per_asset_and_use(
    show: Path, ledger_url: str
) -> None:
    result = invoke("use-log", "--show", "nightfall", "--db", ledger_url)
    assert result.exit_code == 0, result.output
    preamble = [line for line in result.stdout.splitlines() if line.startswith("#")]
    assert len(preamble) == 2 and "Generative AI use log: nightfall" in preamble[0]
    assert preamble[1].startswith("# Prepared following ") and "not an official form" in preamble[1]
    rows = table(result.stdout)
    by_asset = {row["asset"]: row for row in rows}
    matte = by_asset["matte_v001.png"]
    assert (matte["shot"], matte["tool"], matte["tool_version"]) == (
        "sh010", "AUTOMATIC1111 Stable Diffusion web UI", "v1.10.1",
    )  # fmt: skip
    assert (matte["category"], matte["escalation"]) == ("final-deliverable", "NOT CLEARED")
    assert len(matte["sha256"]) == 64 and matte["first_seen"].endswith("Z")
    assert "plate.png" not in by_asset  # not generated: not in the log


def test_a_cell_that_would_run_as_a_formula_is_defused(show: Path, ledger_url: str) -> None:
    rows = table(invoke("use-log", "--show", "nightfall", "--db", ledger_url).stdout)
    [hostile] = [row for row in rows if "HYPERLINK" in row["asset"]]
    assert hostile["asset"] == "'=HYPERLINK(evil)+x.png"
    data = json.loads(invoke("use-log", "--show", "nightfall", "--db", ledger_url, "--json").stdout)
    assert "=HYPERLINK(evil)+x.png" in {row["name"] for row in data["uses"]}  # JSON: as recorded


def test_json_is_one_object_with_lists_kept(show: Path, ledger_url: str, tmp_path: Path) -> None:
    out = tmp_path / "log.json"
    args = ("use-log", "--under", str(show), "--format", "json", "--output", str(out))
    result = invoke(*args, "--db", ledger_url)
    assert result.exit_code == 0 and str(out) in result.stderr + result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["official_form"] is False and data["title"] == str(show)
    assert {tuple(row["shots"]) for row in data["uses"]} == {("sh010",), ("sh020",)}
    assert all(isinstance(row["on_screen"], list) for row in data["uses"])


@pytest.mark.parametrize("scope", [("--show", "nightfal"), ("--under", "/no/such/show")])
def test_a_scope_that_matches_nothing_is_exit_2(
    show: Path, ledger_url: str, scope: tuple[str, str]
) -> None:
    result = invoke("use-log", *scope, "--db", ledger_url)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: no asset was ever seen")


def test_an_unknown_format_is_a_usage_error(show: Path, ledger_url: str) -> None:
    result = invoke("use-log", "--show", "nightfall", "--format", "xlsx", "--db", ledger_url)
    assert result.exit_code == 2 and "xlsx" in result.stderr
