"""An insider's edits of the tables, and ``verify``'s word on them (issue 15's attack tests).

Each edit is one SQL statement on a table the chain does not cover, run
straight on the database as someone with its credentials would; the checks
run ``provenance verify`` as a user does, in both its forms.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from provenance.cli import cli
from tests.support.rewrite import execute

tamper = execute  # one statement run on the database directly, as an insider would


def verify(url: str) -> tuple[int, dict[str, object], str]:
    """``provenance verify --json`` and its text form: exit code, report, text."""
    runner = CliRunner()
    as_json = runner.invoke(cli, ["verify", "--db", url, "--json"])
    plain = runner.invoke(cli, ["verify", "--db", url])
    assert plain.exit_code == as_json.exit_code, plain.output
    return as_json.exit_code, json.loads(as_json.output), plain.output


def differences(report: dict[str, object]) -> list[str]:
    """The words of each difference ``verify --json`` reported."""
    return [str(d["difference"]) for d in report["differences"]]  # type: ignore[attr-defined]


def assert_clean(url: str) -> None:
    """``verify`` exits 0: the chain and every row are what the events say."""
    code, report, _ = verify(url)
    assert code == 0, report
    assert report["ok"] is True


def assert_caught(url: str, *needles: str) -> str:
    """``verify`` exits 1 and names the row (each needle in one difference)."""
    code, report, plain = verify(url)
    assert code == 1, plain
    assert report["chain_ok"] is True  # the chain itself was never touched
    found = differences(report)
    for needle in needles:
        assert any(needle in line for line in found), (needle, found)
        assert needle in plain
    return "\n".join(found)
