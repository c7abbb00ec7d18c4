"""`provenance service install`: a systemd user unit, or a launchd agent on macOS."""

from __future__ import annotations

import os
import plistlib
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.watchers.service import render

README = Path(__file__).resolve().parents[2] / "README.md"


def _settings(folder: Path) -> Path:
    """A settings file with one [[watch]] root, what a service watches."""
    config = folder / "provenance.toml"
    config.write_text(f'[[watch]]\npath = "{folder}"\n')
    return config


def _unit() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "provenance-watch.service"


def test_systemd_unit_is_written_to_the_user_config_dir(tmp_path: Path) -> None:
    config = _settings(tmp_path)
    url = "postgresql+psycopg://svc:p%40ss@ledger/prov"
    result = CliRunner().invoke(
        cli, ["service", "install", "--kind", "systemd", "--config", str(config), "--db", url]
    )
    assert result.exit_code == 0, result.output
    unit = _unit()
    text = unit.read_text()
    assert unit.stat().st_mode & 0o777 == 0o600, "it may hold a password"
    assert f'ExecStart="{sys.executable}" "-m" "provenance" "watch"' in text
    assert f'"--config" "{config}"' in text
    assert 'Environment="PROVENANCE_DB=postgresql+psycopg://svc:p%%40ss@ledger/prov"' in text
    for line in ("Restart=on-failure", "KillSignal=SIGTERM", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in text
    assert "@" + "EXEC_START@" not in text and "systemctl --user" in result.stdout


def test_a_unit_folder_that_cannot_be_made_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain-file"
    plain.write_text("not a folder")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(plain))
    config = str(_settings(tmp_path))
    result = CliRunner().invoke(
        cli, ["service", "install", "--kind", "systemd", "--config", config]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: cannot write the service"), result.stderr
    assert "--print" in result.stderr


def test_launchd_agent_is_a_valid_plist(tmp_path: Path) -> None:
    config = str(_settings(tmp_path))
    args = ["service", "install", "--kind", "launchd", "--print", "--config", config]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    agent = plistlib.loads(result.stdout.encode())
    assert agent["Label"] == "org.provenance.watch"
    assert agent["ProgramArguments"][:4] == [sys.executable, "-m", "provenance", "watch"]
    assert agent["KeepAlive"] == {"SuccessfulExit": False} and agent["RunAtLoad"] is True


def test_settings_with_nothing_to_watch_are_refused_and_the_unit_kept(tmp_path: Path) -> None:
    """The service would fail at every start, restarted every 5 s: refused at install."""
    working = CliRunner().invoke(cli, ["service", "install", "--config", str(_settings(tmp_path))])
    assert working.exit_code == 0, working.output
    before = _unit().read_text()
    empty = tmp_path / "empty.toml"
    empty.write_text("workers = 2\n")
    result = CliRunner().invoke(cli, ["service", "install", "--config", str(empty)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: nothing to watch") and str(empty) in result.stderr
    assert "add [[watch]] tables" in result.stderr
    assert _unit().read_text() == before


def test_the_settings_named_by_the_environment_are_named_in_the_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """systemd's user manager does not see the shell's $PROVENANCE_CONFIG."""
    monkeypatch.setenv("PROVENANCE_CONFIG", str(_settings(tmp_path)))
    result = CliRunner().invoke(cli, ["service", "install", "--kind", "systemd", "--print"])
    assert result.exit_code == 0, result.output
    assert f'"--config" "{tmp_path / "provenance.toml"}"' in result.stdout


def test_rendered_units_escape_what_they_must() -> None:
    unit = render("systemd", '/opt/my "py"/bin/python', db="sqlite:///$HOME/100%.db")
    assert '"/opt/my \\"py\\"/bin/python"' in unit.text
    assert "sqlite:///$$HOME/100%%.db" in unit.text
    agent = render("launchd", "/opt/a&b/python", db="x<y")
    assert plistlib.loads(agent.text.encode())["EnvironmentVariables"] == {"PROVENANCE_DB": "x<y"}


def test_readme_says_how_to_run_it_as_a_service() -> None:
    readme = README.read_text()
    assert "## Running the watch daemon as a service" in readme
    assert "provenance service install" in readme
