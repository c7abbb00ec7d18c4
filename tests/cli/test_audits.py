"""Audits people can find: several formats from one run, recorded once; `audits` lists runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.files import A1111, png


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def package(tmp_path: Path, ledger_url: str) -> Path:
    root = tmp_path / "delivery"
    png(root / "gen.png", 1, A1111)
    png(root / "plate.png", 2)
    assert invoke("scan", str(root), "--db", ledger_url).exit_code == 0
    return root


def test_several_formats_from_one_run_are_recorded_once(
    package: Path, tmp_path: Path, ledger_url: str
) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    done = invoke(
        "audit", str(package), "--db", ledger_url, "--output", f"json={out / 'a.json'}",
        "--output", f"html={out / 'a.html'}", "--output", f"markdown={out / 'a.md'}",
    )  # fmt: skip
    assert done.exit_code == 1, done.output  # the generated image blocks
    assert json.loads((out / "a.json").read_text())["verdict"] == "blocked"
    assert "<html" in (out / "a.html").read_text().lower()
    assert "gen.png" in (out / "a.md").read_text()
    listed = json.loads(invoke("audits", "--db", ledger_url, "--json").stdout)["audits"]
    assert len(listed) == 1 and listed[0]["verdict"] == "blocked"
    assert (listed[0]["files"], listed[0]["blocked"]) == (2, 1)


def test_an_unknown_format_is_refused_before_the_audit(
    package: Path, tmp_path: Path, ledger_url: str
) -> None:
    done = invoke("audit", str(package), "--db", ledger_url, "--output", "pdf=/tmp/x.pdf")
    assert done.exit_code == 2 and "unknown report format 'pdf'" in done.stderr
    assert json.loads(invoke("audits", "--db", ledger_url, "--json").stdout)["audits"] == []


def test_json_is_an_alias_of_format_json(package: Path, ledger_url: str) -> None:
    done = invoke("audit", str(package), "--db", ledger_url, "--json", "--no-record")
    assert json.loads(done.stdout)["verdict"] == "blocked"


def test_audits_lists_runs_newest_first_with_the_report_hash(
    package: Path, tmp_path: Path, ledger_url: str
) -> None:
    report = tmp_path / "r.json"
    invoke("audit", str(package / "plate.png"), "--db", ledger_url, "--output", f"json={report}")
    invoke("audit", str(package), "--db", ledger_url)
    listed = json.loads(invoke("audits", "--db", ledger_url, "--json").stdout)["audits"]
    assert [a["id"] for a in listed] == [2, 1]
    assert listed[1]["verdict"] == "pass" and listed[0]["verdict"] == "blocked"
    assert listed[0]["at"].endswith("Z")
    assert json.loads(report.read_text())["verdict"] == "pass"
    assert all(len(a["report_sha256"]) == 64 for a in listed)
    below = invoke("audits", "--db", ledger_url, "--under", str(tmp_path / "elsewhere"), "--json")
    assert json.loads(below.stdout)["audits"] == []
    shown = invoke("audits", "--db", ledger_url).stdout
    assert "BLOCKED" in shown and "PASS" in shown  # the package path folds at 80 columns
    assert listed[0]["root"] == str(package)


def test_unknown_provenance_warnings_fold_below_the_blocked_files(
    tmp_path: Path, ledger_url: str
) -> None:
    root = tmp_path / "delivery"
    png(root / "gen.png", 1, A1111)
    for n, name in enumerate(("grade", "notes", "ref")):
        png(root / "plates" / f"plate.{1001 + n}.png", 10 + n)
        png(root / "plates" / f"{name}.png", 20 + n)
    table = invoke("audit", str(root), "--db", ledger_url, "--no-record").stdout
    assert "plates/: 3 files of unknown provenance (warn)" in table
    assert "plates/plate.1001-1003#.png: 3 files of unknown provenance (warn)" in table
    assert "plate.1001.png" not in table and "gen.png" in table
    assert table.index("gen.png") < table.index("plates/:") < table.index("plates/plate.")
    assert "frames warned" not in table  # the folded line says it already
    markdown = invoke("audit", str(root), "--db", ledger_url, "--no-record", "--format", "markdown")
    assert "`plates/: 3 files of unknown provenance (warn)`" in markdown.stdout
    assert "`plates/plate.1001-1003#.png: 3 files of unknown provenance (warn)`" in markdown.stdout
    data = json.loads(
        invoke("audit", str(root), "--db", ledger_url, "--no-record", "--json").stdout
    )
    assert len(data["files"]) == 7  # JSON keeps every file


def test_the_html_report_says_when_who_where_and_names_the_matched_asset(
    package: Path, tmp_path: Path, ledger_url: str
) -> None:
    page = tmp_path / "audit.html"
    invoke("audit", str(package), "--db", ledger_url, "--output", f"html={page}")
    html = page.read_text(encoding="utf-8").replace("<wbr>", "")  # break hints in names
    for label in ("audited", "by", "on host", "ledger", "policy"):
        assert f"<th>{label}</th>" in html
    assert "UTC" in html and "built-in default" in html
    assert f"last present at {package / 'gen.png'}" in html and "<b>gen.png</b>" in html
    data = json.loads(invoke("audit", str(package), "--db", ledger_url, "--json").stdout)
    assert data["operator"] and data["host"]
    assert data["ledger"]["url"] == ledger_url and data["ledger"]["signed"] is True


def test_every_stage_is_announced_as_it_starts(package: Path, ledger_url: str) -> None:
    """The progress bar names the stage running (a master's sweep can take minutes)."""
    stages: list[str] = []
    with Ledger(ledger_url) as ledger:
        audit(package, ledger, Settings(db=ledger_url), AuditOptions(record=False,
              on_stage=stages.append))  # fmt: skip
    named = list(dict.fromkeys(stages))
    for stage in ("hash", "markers", "near", "regions", "segments", "state"):
        assert stage in named, named
    assert named.index("hash") < named.index("near") < named.index("state")


def test_a_policy_whose_path_is_not_utf8_is_recorded_as_shown(
    package: Path, tmp_path: Path, ledger_url: str
) -> None:
    # The audit's record kept the policy's path as Python holds it: an encoding traceback
    # and exit 1, which CI reads as "blocked", whatever the package held.
    policy = Path(os.fsdecode(bytes(tmp_path) + b"/policy-\xff.toml"))
    policy.write_text('[genai]\ntemporary = "warn"\n')
    done = invoke("audit", str(package), "--policy", str(policy), "--db", ledger_url)
    assert done.exit_code == 0, done.output
    [run] = json.loads(invoke("audits", "--db", ledger_url, "--json").stdout)["audits"]
    assert run["policy"] == f"{tmp_path}/policy-\\xff.toml"
