"""The command line through click's runner, plus the installed script once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.store import Ledger
from tests.support.commands import every_command
from tests.support.files import A1111, png

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, ok: bool = True) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    png(tmp_path / "show" / "gen.png", 1, A1111)
    png(tmp_path / "show" / "plain.png", 2)
    return tmp_path / "show"


def test_scan_json_summary(tree: Path, ledger_url: str) -> None:
    _, out, _ = run("scan", str(tree), "--db", ledger_url, "--json")
    summary = json.loads(out)
    for key in (
        "files_seen",
        "newly_ingested",
        "unchanged",
        "genai",
        "not_genai",
        "unknown",
        "unreadable",
    ):
        assert key in summary
    assert (summary["files_seen"], summary["newly_ingested"], summary["genai"]) == (2, 2, 1)
    _, out, _ = run("scan", str(tree), "--db", ledger_url, "--json")
    assert json.loads(out)["unchanged"] == 2


def test_scan_table_output(tree: Path, ledger_url: str) -> None:
    _, out, _ = run("scan", str(tree), "--db", ledger_url)
    assert "files seen" in out and "genai" in out


def test_history_json(tree: Path, ledger_url: str) -> None:
    run("scan", str(tree), "--db", ledger_url)
    _, out, _ = run("history", str(tree / "gen.png"), "--db", ledger_url, "--json")
    story = json.loads(out)
    asset = story["asset"]
    for key in ("sha256", "kind", "verdict", "tool", "status"):
        assert key in asset
    assert (asset["verdict"], asset["tool"], asset["status"]) == (
        "genai",
        "automatic1111",
        "temporary",
    )
    assert story["locations"][0]["path"] == str(tree / "gen.png")
    event = story["events"][0]
    for key in ("seq", "at", "type", "sha256", "actor", "host", "path", "details"):
        assert key in event
    assert event["sha256"] == asset["sha256"] and event["at"].endswith("Z")
    by_hash = json.loads(run("history", asset["sha256"][:10], "--db", ledger_url, "--json")[1])
    assert by_hash["asset"]["sha256"] == asset["sha256"]


def test_history_table_names_the_story(tree: Path, ledger_url: str) -> None:
    run("scan", str(tree), "--db", ledger_url)
    _, out, _ = run("history", str(tree / "gen.png"), "--db", ledger_url)
    for word in ("genai", "temporary", "Evidence", "Locations", "Events", "detected"):
        assert word in out


def test_history_of_unknown_target_is_an_error(ledger_url: str, tmp_path: Path) -> None:
    code, _, err = run("history", "abcdef12", "--db", ledger_url, ok=False)
    assert code == 2
    assert err.startswith("Error: ") and "abcdef12" in err
    stray = png(tmp_path / "stray.png", 8)  # a file never scanned is answered, not refused
    code, out, _ = run("history", str(stray), "--db", ledger_url)
    assert code == 0 and "Not in the ledger" in out
    code, _, err = run("history", str(tmp_path), "--db", ledger_url, ok=False)
    assert code == 2 and "this is a folder, and one file is wanted" in err
    assert f"`provenance ls {tmp_path}`" in err


def test_history_of_a_fifo_or_a_dangling_link_says_what_it_is(
    ledger_url: str, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "pipe")  # never opened: a FIFO would wait for a writer
    (tmp_path / "link").symlink_to(tmp_path / "gone.png")
    for name, kind in (("pipe", "a FIFO"), ("link", "a link to nothing")):
        code, _, err = run("history", str(tmp_path / name), "--db", ledger_url, ok=False)
        assert code == 2 and f"this is {kind}" in err, err
        assert len(err.splitlines()) == 1


def _ls(ledger_url: str, *args: str) -> list[dict[str, object]]:
    printed = json.loads(run("ls", *args, "--db", ledger_url, "--json")[1])
    listed: list[dict[str, object]] = printed["assets"]
    return listed


def test_ls_json_and_filters(tree: Path, ledger_url: str) -> None:
    run("scan", str(tree), "--db", ledger_url)
    everything = _ls(ledger_url)
    assert len(everything) == 2
    assert {"sha256", "kind", "verdict", "tool", "status"} <= set(everything[0])
    assert [a["tool"] for a in _ls(ledger_url, "--genai")] == ["automatic1111"]
    assert len(_ls(ledger_url, "--limit", "1")) == 1
    assert _ls(ledger_url, "--since", "2999-01-01") == []
    assert len(_ls(ledger_url, str(tree))) == 2
    assert _ls(ledger_url, "/elsewhere") == []
    code, _, err = run("ls", "--since", "yesterday", "--db", ledger_url, ok=False)
    assert code == 2 and "--since" in err


def _sealed(url: str) -> int:
    with Ledger(url) as ledger:
        return sum(1 for e in ledger.events.list() if e.type == "sealed")


def test_verify_exit_codes(tree: Path, ledger_url: str) -> None:
    run("scan", str(tree), "--db", ledger_url)
    report = json.loads(run("verify", "--db", ledger_url, "--json")[1])
    # Two files detected, and each write of what likeness stored of them sealed.
    assert report["ok"] and report["events"] == 2 + _sealed(ledger_url)
    from sqlalchemy import create_engine, text

    engine = create_engine(ledger_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET host = 'elsewhere' WHERE seq = 2"))
    engine.dispose()
    code, out, _ = run("verify", "--db", ledger_url, ok=False)
    assert code == 1 and "event 2" in out


@pytest.mark.parametrize(
    "command",
    [("ls",), ("verify",), ("history", "abc123"), ("status",), ("report", "--show", "x"),
     ("rescreen", "--dry-run"), ("audit", str(ROOT / "sample_assets" / "deliverables"))],
)  # fmt: skip
def test_reading_commands_never_create_a_ledger(command: tuple[str, ...], tmp_path: Path) -> None:
    # A mistyped --db must not show an empty ledger (verify would pass it, the audit warn only).
    url = f"sqlite:///{tmp_path}/typo/ledger.sqlite3"
    code, _, err = run(*command, "--db", url, ok=False)
    assert code == 2 and err.startswith("Error: no ledger here")
    assert "ledger.sqlite3" in err and "provenance scan" in err
    assert not (tmp_path / "typo").exists()


def test_init_reports_where(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new.sqlite3"
    _, out, _ = run("init", "--db", url)
    assert "created" in out and "new.sqlite3" in out
    _, out, _ = run("init", "--db", url)
    assert "already current" in out
    _, out, _ = run("init", "--db", url, "--json")
    report = json.loads(out)
    assert (report["state"], report["schema"]) == ("current", report["previous_schema"])
    assert report["ledger"]["url"].endswith("new.sqlite3") and not report["ledger"]["signed"]


def test_env_var_selects_ledger(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/env.sqlite3"
    monkeypatch.setenv("PROVENANCE_DB", url)
    run("scan", str(tree))
    assert (tmp_path / "env.sqlite3").exists()


def test_default_ledger_is_in_user_data_dir(tree: Path) -> None:
    run("scan", str(tree))
    _, out, _ = run("config", "show", "--json")
    db = json.loads(out)["settings"]["db"]
    assert db["source"] == "default"
    assert Path(db["value"].removeprefix("sqlite:///")).exists()


def test_unreachable_ledger_is_one_line(tree: Path) -> None:
    code, _, err = run(
        "scan", str(tree), "--db", "postgresql+psycopg://u:s3cr3tpw@127.0.0.1:1/x", ok=False
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot use the ledger")
    assert "s3cr3tpw" not in err and "127.0.0.1:1" in err


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("workers = 'x'\n")
    code, _, err = run("config", "show", "--config", str(bad), ok=False)
    assert code == 2 and "workers" in err and str(bad) in err


def test_a_misspelt_command_is_answered_with_the_one_meant() -> None:
    result = CliRunner().invoke(cli, ["audt", "deliverables"])
    assert result.exit_code == 2
    assert "No such command 'audt'. Did you mean 'audit'?" in result.stderr
    unknown = CliRunner().invoke(cli, ["zzz"])
    assert unknown.exit_code == 2 and "No such command 'zzz'.\n" in unknown.stderr


def test_config_show_lists_every_setting(tmp_path: Path) -> None:
    _, out, _ = run("config", "show")
    for name in ("db", "workers", "batch_size", "ignore", "folder_rules"):
        assert name in out


def test_config_show_hides_the_web_token_and_the_database_password(tmp_path: Path) -> None:
    config = tmp_path / "provenance.toml"
    config.write_text('web_token = "tok-9f3a"\n')
    url = "postgresql+psycopg://pipeline:s3cr3tpw@db.studio:5432/prov"
    for extra in ([], ["--json"]):
        _, out, _ = run("config", "show", "--config", str(config), "--db", url, *extra)
        assert "tok-9f3a" not in out and "s3cr3tpw" not in out
        assert "(set; not shown)" in out and "pipeline:***@db.studio" in out


def test_readme_cli_reference_matches_help() -> None:
    """Every command's --help text appears verbatim in the README's CLI reference."""
    readme = (ROOT / "README.md").read_text()
    for command in cli.command_paths():  # lazily loaded commands too
        result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=100)
        assert result.exit_code == 0
        block = result.output.strip()
        assert block in readme, (
            f"README's reference for `provenance {' '.join(command)}` is out of date"
        )


def test_every_option_says_what_it_does() -> None:
    """No option shows in --help as a bare name (as `--config FILE` once did for `classify`)."""
    bare = [
        f"provenance {words} {option.opts[0]}"
        for words, command in every_command().items()
        for option in command.params
        if isinstance(option, click.Option) and not option.help and not option.hidden
    ]
    assert not bare, "options without help:\n" + "\n".join(bare)


def test_installed_script_runs(tree: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "provenance"
    if not script.exists():
        pytest.skip("provenance is not installed into this interpreter's environment")
    url = f"sqlite:///{tmp_path}/script.sqlite3"
    done = subprocess.run(
        [str(script), "scan", str(tree), "--db", url, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["genai"] == 1
    launcher = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert re.search(r"provenance, version \d", launcher.stdout)
    module = subprocess.run(
        [sys.executable, "-m", "provenance", "verify", "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert module.returncode == 0 and "OK" in module.stdout


def test_lazy_commands_are_where_the_table_says() -> None:
    """Each command lives in the module COMMANDS names, and none is missing."""
    from provenance.cli.group import COMMANDS

    loaded = cli.load_all()
    assert list(loaded) == list(COMMANDS)
    for name, command in loaded.items():
        leaf = _first_leaf(command)
        home = leaf.callback.__module__ if leaf.callback else ""
        assert COMMANDS[name] == home, name


def test_scan_does_not_load_the_audit_or_the_daemon() -> None:
    """`provenance scan` imports only what it uses (start-up time is part of its benchmark)."""
    code = (
        "import sys\n"
        "from provenance.cli import cli\n"
        "cli.main(['scan', '--help'], standalone_mode=False)\n"
        "loaded = [m for m in ('provenance.audit.run', 'provenance.cli.lifecycle', "
        "'provenance.watchers.daemon', 'numpy', 'provenance.reports.console', 'fileseq')"
        " if m in sys.modules]\n"
        "print('loaded:' + ','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "loaded:"


def _first_leaf(command: click.Command) -> click.Command:
    if isinstance(command, click.Group):
        return next(iter(command.commands.values()))
    return command


def test_ctrl_c_is_its_own_exit_code(
    tree: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted command exits 130 with one line, never 1 (which means "blocked")."""
    import provenance.cli.ingest as ingest_commands

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_commands, "run_scan", interrupted)
    code, _, err = run("scan", str(tree), "--db", ledger_url, ok=False)
    assert code == 130
    assert err.startswith("Error: interrupted:") and len(err.strip().splitlines()) == 1
