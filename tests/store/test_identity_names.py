"""A user or host name the ledger cannot keep as given is refused before the first write.

The user name comes from ``$LOGNAME``/``$USER``, which a shell sets to anything:
longer than PostgreSQL's column (a traceback there, and kept whole on SQLite),
bytes that are not UTF-8 (a traceback on both), a newline. Each is one
``Error:`` line with exit code 2, nothing is written, and reading still works.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from provenance.cli import cli
from provenance.errors import DatabaseRefused, InvalidValue
from provenance.store import Ledger
from provenance.store.identity import IDENTITY_MAX, check_identity
from tests.support.factories import observation
from tests.support.files import A1111, png

BAD_NAMES = {
    "too long": "u" * (IDENTITY_MAX + 1),
    "not UTF-8": "j\udcffane",  # how os.environ holds the byte 0xFF
    "a newline": "jane\nWARNING forged line",
}


def test_names_the_ledger_keeps_pass() -> None:
    check_identity("u" * IDENTITY_MAX, "render-07.studio.example")
    check_identity("Zoë Ångström", "host")


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_bad_actor_writes_nothing(ledger_url: str, name: str) -> None:
    with Ledger(ledger_url, actor=name, host="h") as ledger:
        with pytest.raises(InvalidValue, match="user name"):
            ledger.record([observation("first", "/show/a.exr")])
        assert ledger.events.list() == []  # reading needs no name
    with Ledger(ledger_url, actor="tester", host="h") as ledger:
        assert ledger.events.verify().ok


def test_a_bad_host_is_refused(ledger_url: str) -> None:
    with (
        Ledger(ledger_url, actor="tester", host="h" * 300) as ledger,
        pytest.raises(InvalidValue, match="host name"),
    ):
        ledger.record([observation("first", "/show/a.exr")])


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_scan_under_a_bad_user_is_one_error_line(
    ledger_url: str, tmp_path: Path, name: str
) -> None:
    png(tmp_path / "gen.png", 1, A1111)
    env = {"LOGNAME": name, "USER": name, "PROVENANCE_DB": ledger_url}
    result = CliRunner(env=env).invoke(cli, ["scan", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the user name recorded")
    with Ledger(ledger_url, actor="tester", host="h") as ledger:
        assert ledger.events.list() == []


def test_a_value_postgresql_refuses_is_an_error_not_a_traceback(ledger_url: str) -> None:
    if not ledger_url.startswith("postgresql"):
        pytest.skip("SQLite casts anything")
    with (
        Ledger(ledger_url, actor="tester", host="h") as ledger,
        pytest.raises(DatabaseRefused, match="refused a value"),
        ledger._tx.write_plain() as conn,
    ):
        conn.execute(text("SELECT 'not a number'::integer"))
