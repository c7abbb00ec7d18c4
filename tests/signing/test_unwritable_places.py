"""The machine key's folder, its anchors' folder or an export folder that cannot be written.

Each used to end in a traceback and exit code 1 (which means "blocked"); a
scan whose anchor could not be kept did so after its transaction had
committed. Each place here is made unwritable the same way whoever runs the
tests: a path below a plain file (root may write anywhere else).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.errors import SignatureError
from provenance.settings import Settings
from provenance.signing.machine import machine_key
from tests.support.files import A1111, png


def _blocked(tmp_path: Path) -> Path:
    """A path no one can make: its parent is a plain file."""
    plain = tmp_path / "plain-file"
    plain.write_text("not a folder")
    return plain / "below"


def test_a_key_that_cannot_be_created_is_an_error(tmp_path: Path) -> None:
    settings = Settings(db="sqlite://", machine_key=str(_blocked(tmp_path) / "machine_key"))
    with pytest.raises(SignatureError, match="cannot create this machine's key"):
        machine_key(settings)


def test_an_anchor_not_kept_is_a_warning_after_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    key = tmp_path / "keys" / "machine_key"
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", str(key))
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    png(tmp_path / "media" / "gen.png", 1, A1111)
    runner = CliRunner()
    key.parent.mkdir()
    key.with_name("machine_key.anchors").write_text("a file where the anchors' folder goes")
    with caplog.at_level(logging.WARNING, logger="provenance.signing.checkpoints"):
        scan = runner.invoke(cli, ["scan", str(tmp_path / "media"), "--db", db])
    assert scan.exit_code == 0, scan.output + scan.stderr
    assert "anchor of its head was not kept" in caplog.text
    listed = json.loads(runner.invoke(cli, ["ls", "--db", db, "--json"]).stdout)
    assert [a["verdict"] for a in listed["assets"]] == ["genai"]  # the scan's data was kept


def test_an_export_folder_that_cannot_be_written_is_one_error_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    done = runner.invoke(cli, ["checkpoint", "--db", db, "--export", str(_blocked(tmp_path))])
    assert done.exit_code == 2, done.output + done.stderr
    assert done.stderr.startswith("Error: cannot write the checkpoint"), done.stderr
    assert "Traceback" not in done.output
