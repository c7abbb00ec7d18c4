"""A SQLite ledger row whose JSON column holds text that is not JSON (a row edited by hand, a
damaged page): ``verify`` names it as a finding (exit 1), and every command that reads it
stops with one line saying so (exit 2). It was "unexpected failure (JSONDecodeError ...);
this is a bug in provenance", from verify too. PostgreSQL's json type refuses such text.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from provenance.cli import cli
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.factories import fake_sha, observation

NOT_JSON = "a row of the ledger holds a value that is not JSON"


@pytest.fixture
def damaged(tmp_path: Path) -> str:
    """The URL of a ledger whose one generated asset's flags were overwritten with garbage."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(f"sqlite:///{path}", actor="tester", host="h") as ledger:
        ledger.record([observation("gen", "/show/gen.png", verdict="genai", tool="runway")])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE assets SET flags = 'garbage' WHERE sha256 = ?", (fake_sha("gen"),))
    return f"sqlite:///{path}"


def test_verify_names_the_damaged_row(damaged: str) -> None:
    result = CliRunner().invoke(cli, ["verify", "--db", damaged], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert f"asset {fake_sha('gen')[:12]} flags: ledger says not JSON: 'garbage'" in result.stdout
    assert "bug" not in result.output


@pytest.mark.parametrize("command", [["ls"], ["rescreen"], ["history", fake_sha("gen")],
                                     ["report"]])  # fmt: skip
def test_a_command_reading_it_says_what_is_damaged(damaged: str, command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--db", damaged], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {NOT_JSON} (") and "'garbage'" in line, line
    assert "provenance verify" in line and "bug" not in line


def test_the_web_view_says_what_is_damaged(damaged: str, tmp_path: Path) -> None:
    with Ledger(damaged, read_only=True) as reader:
        guard = Guard.for_host("127.0.0.1", None, None)
        app = create_app(reader, Settings(db=damaged), guard, tmp_path / "thumbs")
        answer = app.test_client().get("/")
    assert answer.status_code == 500 and NOT_JSON in answer.get_data(as_text=True)


@pytest.mark.parametrize("flags", ["[1, 2]", '[{"category": "nope", "source": "x"}]'])
def test_flags_of_a_shape_the_ledger_never_writes(ledger_url: str, flags: str) -> None:
    """JSON, but not flags: PostgreSQL stores it too (an approver's login may write flags)."""
    with Ledger(ledger_url, actor="tester", host="h") as ledger:
        ledger.record([observation("gen", "/show/gen.png", verdict="genai", tool="runway")])
    engine = create_engine(ledger_url)
    with engine.begin() as conn:
        update = text("UPDATE assets SET flags = :flags WHERE sha256 = :sha")
        conn.execute(update, {"flags": flags, "sha": fake_sha("gen")})
    engine.dispose()
    verify = CliRunner().invoke(cli, ["verify", "--db", ledger_url], catch_exceptions=False)
    assert verify.exit_code == 1 and f"asset {fake_sha('gen')[:12]} flags" in verify.stdout
    for command in (["rescreen"], ["report"], ["ls", "--needs-approval"]):
        result = CliRunner().invoke(cli, [*command, "--db", ledger_url], catch_exceptions=False)
        assert result.exit_code == 2, (command, result.output)
        [line] = result.stderr.splitlines()
        assert line.startswith("Error: an asset's flags hold one the ledger never writes"), line
        assert "bug" not in line
