"""Settings: layering, validation with clear errors, and documentation of every setting."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.errors import ConfigError
from provenance.settings import FolderRule, Settings, load_settings, settings_help
from tests.support.files import A1111, png

README = Path(__file__).resolve().parents[2] / "README.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "provenance.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file() -> None:
    loaded = load_settings(environ={})
    assert loaded.settings.db.startswith("sqlite:///")
    assert loaded.config_path is None
    assert set(loaded.sources.values()) == {"default"}


def test_file_then_env_then_override(tmp_path: Path) -> None:
    path = write(tmp_path, 'db = "sqlite:///from-file"\nworkers = 3\n')
    loaded = load_settings(path, environ={"PROVENANCE_WORKERS": "5"})
    assert (loaded.settings.db, loaded.settings.workers) == ("sqlite:///from-file", 5)
    assert loaded.sources["workers"] == "env PROVENANCE_WORKERS"
    assert loaded.sources["db"].startswith("file ")
    over = load_settings(path, overrides={"db": "sqlite:///cli"}, environ={})
    assert over.settings.db == "sqlite:///cli" and over.sources["db"] == "command line"


def test_config_env_var_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "batch_size = 10\n")
    assert load_settings(environ={"PROVENANCE_CONFIG": str(path)}).settings.batch_size == 10


def test_folder_rules_parse(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[[folder_rules]]\nglob = "*/genai/*"\nverdict = "genai"\ntool = "comfyui"\n'
    )
    rules = load_settings(path, environ={}).settings.folder_rules
    assert rules == (FolderRule("*/genai/*", "genai", "comfyui"),)
    assert rules[0].matches(Path("/jobs/x/genai/sub/a.png"))
    assert not rules[0].matches(Path("/jobs/x/plates/a.png"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("workers = -1\n", "workers"),
        ('workers = "many"\n', "workers"),
        ("nonsense = 1\n", "unknown setting 'nonsense':"),
        ("wokers = 2\n", "unknown setting 'wokers' (did you mean 'workers'?)"),
        ('[[watch]]\npath = "/a"\nmdoe = "polling"\n', "'mdoe' (did you mean 'mode'?)"),
        ("db = \n", "invalid TOML"),
        ("workers = " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
        ('[[folder_rules]]\nglob = "*"\nverdict = "maybe"\n', "folder_rules[0].verdict"),
        ('[[folder_rules]]\nverdict = "genai"\n', "folder_rules[0].glob"),
        ('[[folder_rules]]\nglob = "*"\ncolour = "red"\n', "unknown key 'colour'"),
        ("follow_symlinks = 3\n", "follow_symlinks"),
        ('shot_pattern = "(shot\\\\d+"\n', "'shot_pattern' (not a regular expression"),
        ('guidance = ""\n', "guidance"),
        ("worker_memory_mb = 99999999999999999999\n", "'worker_memory_mb' (expected at most"),
        ("workers = 80000\n", "'workers' (expected at most 1,024 (0 means one per core)"),
        ("genai_ttl_days = 999999999\n", "'genai_ttl_days' (expected at most 1,000,000 days"),
        (
            '[[folder_rules]]\nglob = "*"\nverdict = "unknown"\nttl_days = 3000000\n',
            "folder_rules[0].ttl_days must be a whole number of days from 0 to 1,000,000",
        ),
    ],
)
def test_bad_file_names_file_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert expected in caught.value.message
    assert str(path) in caught.value.message


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('guidance = "ask the VFX supervisor, Zoë"\n'.encode(encoding))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "not UTF-8" in caught.value.message and str(path) in caught.value.message


def test_a_settings_file_that_is_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("workers = 2 # Zoë's\n".encode("latin-1"))
    result = CliRunner().invoke(cli, ["ls", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: settings file is not UTF-8 text"), result.stderr
    assert "Traceback" not in result.output


def test_a_never_written_as_a_huge_ttl_is_refused_before_the_scan(tmp_path: Path) -> None:
    # It was an OverflowError traceback (exit 1) once the scan added it to now.
    png(tmp_path / "gen" / "castle.png", 1, A1111)
    config = write(tmp_path, "genai_ttl_days = 999999999\n")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    scan = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "gen"), "--db", db, "--config", str(config)]
    )
    assert scan.exit_code == 2, scan.output
    assert scan.stderr.startswith("Error: bad value for 'genai_ttl_days'"), scan.stderr
    assert CliRunner().invoke(cli, ["scan", str(tmp_path / "gen"), "--db", db]).exit_code == 0


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_a_settings_path_that_is_no_file_says_what_it_is(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="settings file is a FIFO, not a file"):
        load_settings(fifo, environ={})
    with pytest.raises(ConfigError, match="named by PROVENANCE_CONFIG is a folder, not a file"):
        load_settings(None, environ={"PROVENANCE_CONFIG": str(tmp_path)})


def test_every_setting_has_help_and_is_documented() -> None:
    helps = settings_help()
    assert set(helps) == {f.name for f in dataclasses.fields(Settings)}
    assert all(len(text) > 10 for text in helps.values())
    readme = README.read_text()
    missing = [name for name in helps if f"`{name}`" not in readme]
    assert not missing, f"settings not documented in README: {missing}"


def test_ignore_patterns() -> None:
    settings = Settings(db="sqlite://")
    assert settings.is_ignored("frame.exr.tmp") and settings.is_ignored(".DS_Store")
    assert not settings.is_ignored("frame.1001.exr")


def test_every_setting_can_be_read_from_a_file() -> None:
    from provenance.settings.loading import _COERCERS

    assert {f.name for f in dataclasses.fields(Settings)} <= set(_COERCERS)


def test_a_setting_holding_a_nul_is_one_error_line(tmp_path: Path, ledger_url: str) -> None:
    # A show's root holding one made `report --show` a traceback on PostgreSQL, whose text
    # cannot hold a NUL (the driver refused the query).
    config = write(tmp_path, '[[shows]]\nname = "Nightfall"\nroots = ["/mnt/night\\u0000fall"]\n')
    result = CliRunner().invoke(cli, ["report", "--show", "Nightfall", "--config", str(config),
                                      "--db", ledger_url])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"Error: setting 'shows' holds a NUL character (\\u0000): {config}. remove it: no name,"
        " path or pattern can hold one"
    ]
