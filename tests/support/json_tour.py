"""A tour of every command with JSON output on the sample assets, recording each output.

Shared by the schema test (each output against its schema) and the vocabulary
test (each key against the declared vocabulary).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from provenance.cli import cli
from provenance.store import Ledger, current_actor
from provenance.watchers.backends import POLLING
from provenance.watchers.roots import RootSpec
from provenance.watchers.state import DaemonState
from tests.support.files import png
from tests.support.lifecycle import a1111
from tests.support.pg_roles import drop_roles
from tests.support.signing import approver_key, settings_toml

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"
GENAI_PNG = Path("genai/sd_a1111.png")
FIREFLY = Path("genai/firefly_xmp.jpg")
GENERATED_FRAME = Path("deliverables/comp/shot010_comp_v003.1003.png")
PLAIN = Path("plain/texture.png")


class Tour:
    """Runs commands against one ledger and records each JSON output under its command."""

    def __init__(self, url: str, root: Path) -> None:
        self.url, self.root = url, root
        self.config = root / "provenance.toml"
        self.outputs: list[tuple[str, Any]] = []

    def sample(self, relative: Path) -> str:
        return str(self.root / "sample_assets" / relative)

    def __call__(self, command: str, *args: str, code: int = 0) -> Any:
        words = [*command.split(), *args, "--config", str(self.config)]
        env = {"PROVENANCE_DB": self.url}  # classify and policy check take no --db
        result = CliRunner().invoke(cli, words, env=env, catch_exceptions=False)
        assert result.exit_code == code, result.stdout + result.stderr
        data = json.loads(result.stdout)
        self.outputs.append((command, data))
        return data


@pytest.fixture
def tour(ledger_url: str, tmp_path: Path) -> Tour:
    """The sample assets scanned into a fresh ledger, with an approver's settings."""
    shutil.copytree(SAMPLES, tmp_path / "sample_assets")
    (tmp_path / "policy.toml").write_text('[provenance]\nunknown = "block"\n')
    (tmp_path / "provenance.toml").write_text(
        f'approvers = ["{current_actor()}"]\nquarantine_dir = "{tmp_path / "q"}"\nworkers = 1\n'
        f"{settings_toml()}"
    )
    return Tour(ledger_url, tmp_path)


def run_every_command(run: Tour) -> None:
    """Every command with JSON output, in an order where each has something to say."""
    samples = str(run.root / "sample_assets")
    run("classify", samples, "--json")
    run("scan", samples, "--json")
    _inspect(run)
    _ledger_commands(run)
    assert run("audit", samples + "/deliverables", "--json", code=1)["verdict"] == "blocked"
    run("audit", samples + "/deliverables", "--format", "json", "--no-record", code=1)
    cut = run(
        "audit",
        samples + "/cut/shot010_cut.otio",
        "--root",
        samples,
        "--json",
        "--no-record",
        code=1,
    )
    assert cut["clips"] and cut["verdict"] == "blocked"
    assert run("audits", "--json")["audits"]
    _lifecycle(run)
    disclosed = run("report", "--show", "sample_assets", "--format", "json")
    assert disclosed["approvals"] and disclosed["replacements"] and disclosed["purges"]
    assert run("use-log", "--show", "sample_assets", "--json")["uses"]


def _inspect(run: Tour) -> None:
    genai_sha = hashlib.sha256(Path(run.sample(GENAI_PNG)).read_bytes()).hexdigest()
    story = run("history", run.sample(GENAI_PNG), "--json")
    assert story["recorded"] and story["locations"] and story["events"]
    copy = run.root / "copy.jpg"  # stripped and re-encoded: the ledger has never seen it
    Image.open(run.sample(GENAI_PNG)).convert("RGB").save(copy, quality=90)
    unrecorded = run("history", str(copy), "--json")
    assert not unrecorded["recorded"] and unrecorded["origin"]["sha256"] == genai_sha
    png(run.root / "new.png", 7, a1111("a lighthouse"))
    run("history", str(run.root / "new.png"), "--json")
    assert len(run("ls", "--json")["assets"]) > 10
    assert run("ls", "--needs-approval", "--json")["assets"][0]["needs_approval"]
    alike = run("ls", "--looks-like", genai_sha, "--json")["assets"]
    assert alike and alike[0]["locations"][0]["present"]


def _ledger_commands(run: Tour) -> None:
    run("verify", "--json")
    run("init", "--json")
    run("config show", "--json")
    run("checkpoint", "--export", str(run.root / "anchors"), "--json")
    _heartbeat(run.url, run.root)
    assert run("status", "--json")["daemons"]
    run("rescreen", "--dry-run", "--json")
    run("policy check", str(run.root / "policy.toml"), "--json")


def _heartbeat(url: str, root: Path) -> None:
    """A watch daemon's heartbeat and checkpoint, as the daemon publishes them."""
    state = DaemonState(heartbeat=10.0)
    state.set_roots([RootSpec(root, POLLING, "a test", 1.0, 0.5, (), False)])
    state.reconciled(str(root), datetime.now(UTC))
    with Ledger(url) as ledger:
        ledger.daemons.register(4242, datetime.now(UTC) - timedelta(seconds=5), state.snapshot({}))
        ledger.daemons.save_checkpoint(str(root), "polling", datetime.now(UTC), {"files": 3})


def _lifecycle(run: Tour) -> None:
    frame = run.sample(GENERATED_FRAME)
    signed = run.root / "signed.pdf"
    signed.write_bytes(b"%PDF-1.4\n% signed approval\n")
    approve = ["approve", frame, "--category", "final-deliverable", "--approver", "Jane Doe",
               "--reference", str(signed), "--sign-with", str(approver_key()),
               "--json"]  # fmt: skip
    approval = run(*approve)["approvals"][0]
    run("revoke", str(approval["id"]), "--reason", "wrong shot", "--json")
    run("replace", run.sample(GENAI_PNG), run.sample(PLAIN), "--json")
    soon = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    run("set-expiry", run.sample(FIREFLY), "--until", soon, "--json")
    run("set-expiry", frame, "--until", "2001-01-01", "--force", "--json")
    run("expire", "--json")
    run("purge", "--expired", "--dry-run", "--json")
    assert run("purge", "--expired", "--json")["moved"]
    assert run("purge", "--delete", "--dry-run", "--json")["would_delete"]
    assert run("restore", frame, "--json")["restored"]
    assert run("purge", "--expired", "--json")["moved"]
    assert run("purge", "--delete", "--yes", "--json")["deleted"]


def db_roles(run: Tour) -> None:
    """``db roles`` (PostgreSQL only), with roles of its own, dropped afterwards."""
    tag = uuid.uuid4().hex[:10]
    names = [f"prov_{role}_{tag}" for role in ("reader", "daemon", "approver")]
    try:
        run(
            "db roles", "--reader", names[0], "--daemon", names[1], "--approver", names[2], "--json"
        )
    finally:
        drop_roles(names)
