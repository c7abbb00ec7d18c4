"""The files named beside the media (policy, signature, keys, allowed_signers) are never
waited on: a FIFO nobody writes to, or ``/dev/zero``, is one ``Error:`` line, at once.

Read whole with a plain ``open``, each made its command wait forever for a
writer (or read zeros until memory ran out); the media were safe already
(:mod:`provenance.files.opening`).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.files.opening import NotRegularFile, TooLarge, read_regular
from tests.support.files import A1111, png
from tests.support.signing import settings_toml

pytestmark = pytest.mark.timeout(60)  # a command that waits on its FIFO fails, not hangs


def _fifo(folder: Path) -> Path:
    path = folder / "nobody-writes.fifo"
    os.mkfifo(path)
    return path


def _zeros(folder: Path) -> Path:
    path = folder / "zeros.toml"
    path.symlink_to("/dev/zero")
    return path


SPECIALS: dict[str, Callable[[Path], Path]] = {"fifo": _fifo, "dev-zero": _zeros}


def _refused(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "not a regular file" in line, line
    return line


def test_a_small_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b"x" * 10)
    assert read_regular(path, 10) == b"x" * 10
    with pytest.raises(TooLarge):
        read_regular(path, 9)


@pytest.mark.parametrize("special", SPECIALS)
def test_a_special_file_is_refused_before_a_byte_is_read(tmp_path: Path, special: str) -> None:
    with pytest.raises(NotRegularFile):
        read_regular(SPECIALS[special](tmp_path), 1024)


@pytest.mark.parametrize("special", SPECIALS)
def test_a_policy_that_is_not_a_file(tmp_path: Path, special: str) -> None:
    policy = SPECIALS[special](tmp_path)
    _refused(CliRunner().invoke(cli, ["policy", "check", str(policy)]))
    png(tmp_path / "package" / "plate.png", 1)
    audit = ["audit", str(tmp_path / "package"), "--policy", str(policy), "--no-record"]
    _refused(CliRunner().invoke(cli, audit))


@pytest.mark.parametrize("special", SPECIALS)
def test_settings_naming_a_key_or_signers_that_are_not_files(
    tmp_path: Path, special: str, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = SPECIALS[special](tmp_path)
    config = tmp_path / "signers.toml"
    config.write_text(f'allowed_signers = "{named}"\n', encoding="utf-8")
    _refused(CliRunner().invoke(cli, ["verify", "--db", ledger_url, "--config", str(config)]))
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", str(named))
    _refused(CliRunner().invoke(cli, ["checkpoint", "--db", ledger_url]))


@pytest.mark.parametrize("special", SPECIALS)
@pytest.mark.parametrize("option", ["--signature", "--sign-with"])
def test_an_approval_signed_by_a_file_that_is_not_one(
    tmp_path: Path, special: str, option: str, ledger_url: str
) -> None:
    png(tmp_path / "shot" / "gen.png", 1, A1111)
    assert (
        CliRunner().invoke(cli, ["scan", str(tmp_path / "shot"), "--db", ledger_url]).exit_code == 0
    )
    consent = tmp_path / "consent.pdf"
    consent.write_bytes(b"%PDF-1.4 signed")
    config = tmp_path / "approvers.toml"
    config.write_text(f'approvers = ["{getpass.getuser()}"]\n{settings_toml()}', encoding="utf-8")
    approve = ["approve", str(tmp_path / "shot" / "gen.png"), "--category", "final-deliverable",
               "--approver", "Jane Doe", "--reference", str(consent), "--db", ledger_url,
               "--config", str(config), option, str(SPECIALS[special](tmp_path))]  # fmt: skip
    _refused(CliRunner().invoke(cli, approve))
