"""This machine's anchor, damaged: a finding of ``verify`` and a block of the audit.

The anchor (kept outside the database) is read by every ``verify`` and every
audit. A damaged one was an uncaught exception: "this is a bug in provenance",
or, for one grown past the read limit (``EFBIG``), "no room left to write the
answer". The check it stands for was not made, so the gate fails closed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.signing.checkpoints import MAX_FILE_BYTES
from tests.support.files import png


def _not_json(anchor: Path) -> None:
    anchor.write_text("{cut short")


def _too_large(anchor: Path) -> None:
    os.truncate(anchor, MAX_FILE_BYTES + 1)  # sparse: no disk is filled


def _nested_too_deeply(anchor: Path) -> None:
    anchor.write_text("[" * 100_000)


def _not_a_checkpoint(anchor: Path) -> None:
    anchor.write_text('{"checkpoint": {"seq": "one"}}')


DAMAGE = [_not_json, _too_large, _nested_too_deeply, _not_a_checkpoint]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("PROVENANCE_MACHINE_KEY", str(tmp_path / "keys" / "machine_key"))
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--db", db])

    return invoke


def _anchor(tmp_path: Path) -> Path:
    [anchor] = (tmp_path / "keys" / "machine_key.anchors").glob("*.json")
    return anchor


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__.strip("_"))
def test_a_damaged_anchor_is_a_finding_of_verify(
    damage: Callable[[Path], None], run: Callable[..., Result], tmp_path: Path
) -> None:
    png(tmp_path / "media" / "plate.png", 1)
    assert run("scan", str(tmp_path / "media")).exit_code == 0
    assert run("verify").exit_code == 0
    damage(_anchor(tmp_path))
    done = run("verify", "--json")
    assert done.exit_code == 1, done.output + done.stderr
    findings = json.loads(done.stdout)["signatures"]["findings"]
    said = [f["what"] for f in findings if f["fatal"]]
    assert any("this machine's anchor" in what and "cannot be read" in what for what in said)


def test_a_damaged_anchor_blocks_the_audit(run: Callable[..., Result], tmp_path: Path) -> None:
    plate = png(tmp_path / "media" / "plate.png", 1)
    assert run("scan", str(tmp_path / "media")).exit_code == 0
    _not_json(_anchor(tmp_path))
    done = run("audit", "--no-record", "--format", "json", str(plate.parent))
    assert done.exit_code == 1, done.output + done.stderr
    assert "this machine's anchor" in done.stdout
