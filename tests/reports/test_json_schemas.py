"""Every command's real JSON output against the schema shipped for it (issue 16).

The schemas (``provenance/reports/schemas/``) write the one JSON vocabulary
down: an asset is ``sha256``, places are ``locations: [{host, path,
present}]``, times are RFC 3339 UTC with a ``Z``, lists are named. A tour runs
every command with JSON output on the sample assets, on SQLite and on
PostgreSQL, and checks each output against its schema; a command left out, a
schema no command uses, or an output that drifts from its schema fails here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from PIL import Image

from provenance import vocab
from provenance.cli import cli
from provenance.reports.json_schemas import (
    COMMAND_SCHEMAS,
    COMMON,
    load_schema,
    schema_for,
    schema_names,
)
from provenance.rules.policy import policy_keys
from provenance.settings import settings_help
from provenance.store import Ledger, current_actor
from provenance.watchers.backends import POLLING
from provenance.watchers.roots import RootSpec
from provenance.watchers.state import DaemonState
from tests.support.commands import every_command
from tests.support.files import png
from tests.support.json_schemas import problems
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


def _db_roles(run: Tour) -> None:
    """``db roles`` (PostgreSQL only), with roles of its own, dropped afterwards."""
    tag = uuid.uuid4().hex[:10]
    names = [f"prov_{role}_{tag}" for role in ("reader", "daemon", "approver")]
    try:
        run(
            "db roles", "--reader", names[0], "--daemon", names[1], "--approver", names[2], "--json"
        )
    finally:
        drop_roles(names)


def test_every_command_prints_what_its_schema_says(tour: Tour) -> None:
    run_every_command(tour)
    if tour.url.startswith("postgresql"):
        _db_roles(tour)
    broken = {f"{command}: {p}" for command, data in tour.outputs for p in problems(command, data)}
    assert not broken, "\n".join(sorted(broken))
    ran = {command for command, _ in tour.outputs}
    expected = set(COMMAND_SCHEMAS) - (set() if tour.url.startswith("postgresql") else {"db roles"})
    assert ran == expected


def test_every_command_with_json_has_a_schema_and_every_schema_a_command() -> None:
    with_json = {
        words
        for words, command in every_command().items()
        if any(p.name == "as_json" for p in command.params)
    }
    assert with_json == set(COMMAND_SCHEMAS)
    assert set(schema_names()) == {*COMMAND_SCHEMAS.values(), COMMON}


@pytest.mark.parametrize("name", schema_names())
def test_each_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{name}.schema.json")


@pytest.mark.parametrize(
    ("definition", "values"),
    [
        ("verdict", vocab.VERDICTS),
        ("status", vocab.STATUSES),
        ("signal", vocab.SIGNALS),
        ("confidence", vocab.CONFIDENCES),
        ("media_kind", vocab.MEDIA_KINDS),
        ("category", vocab.CATEGORIES),
        ("scope", vocab.SCOPES),
        ("action", vocab.ACTIONS),
        ("event_type", vocab.EVENT_TYPES),
        ("near_confirmation", vocab.NEAR_CONFIRMATIONS),
        ("unreferenced", vocab.UNREFERENCED),
    ],
)
def test_the_schemas_closed_vocabularies_are_the_codes(
    definition: str, values: tuple[str, ...]
) -> None:
    assert load_schema(COMMON)["$defs"][definition]["enum"] == list(values)


SHA = "ab" * 32
ASSET: dict[str, Any] = {
    "sha256": SHA, "size": 10, "kind": "image", "mime": "image/png", "format": "PNG",
    "width": 2, "height": 2, "duration": None, "verdict": "genai", "tool": "comfyui",
    "confidence": "strong", "status": "temporary", "prompt": None, "problem": None,
    "evidence": [], "first_seen": "2026-12-06T01:49:03.123456Z",
    "updated_at": "2026-12-06T01:49:03.123456Z", "expires_at": None, "flags": [],
    "replaced_by": None,
}  # fmt: skip
Mutation = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(
    ("why", "mutate"),
    [
        ("a bare array", lambda d: [ASSET]),
        ("an asset named the old way", lambda d: d["assets"][0].update(asset=SHA)),
        ("`needs` for needs_approval", lambda d: d["assets"][0].update(needs=["talent-likeness"])),
        ("a place without its host", lambda d: d["assets"][0].update(present_paths=["/a"])),
        ("a +00:00 time", lambda d: d["assets"][0].update(first_seen="2026-12-06T01:49:03+00:00")),
        ("a short hash", lambda d: d["assets"][0].update(sha256=SHA[:12])),
        ("a place without present", lambda d: d["assets"][0].update(locations=[{"path": "/a"}])),
    ],
)  # fmt: skip
def test_the_schemas_catch_each_old_shape(why: str, mutate: Mutation) -> None:
    data: dict[str, Any] = {"assets": [dict(ASSET)]}
    assert problems("ls", data) == []
    changed = mutate(data)
    assert problems("ls", changed if isinstance(changed, list) else data), why


@pytest.mark.parametrize(
    ("command", "data"),
    [
        ("init", {"schema": "0011", "previous_schema": None, "state": "created"}),
        ("db roles", {"schema": "s", "roles": ["r"], "created": [], "tables": 3}),
    ],
)
def test_a_ledger_is_the_reports_object_never_its_url_alone(
    command: str, data: dict[str, Any]
) -> None:
    url = "sqlite:///ledger.sqlite3"
    assert problems(command, data | {"ledger": {"url": url, "signed": False}}) == []
    assert problems(command, data | {"ledger": url})


def test_the_policy_schema_names_every_policy_key() -> None:
    listed = set(schema_for("policy check")["properties"]) - {"valid", "source"}
    assert listed == set(policy_keys())


def test_the_config_schema_names_every_setting() -> None:
    assert set(schema_for("config show")["properties"]["settings"]["properties"]) == set(
        settings_help()
    )
