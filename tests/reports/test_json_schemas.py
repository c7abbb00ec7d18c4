"""Every command's real JSON output against the schema shipped for it (issue 16).

The schemas (``provenance/reports/schemas/``) write the one JSON vocabulary
down: an asset is ``sha256``, places are ``locations: [{host, path,
present}]``, times are RFC 3339 UTC with a ``Z``, lists are named. A tour runs
every command with JSON output on the sample assets, on SQLite and on
PostgreSQL, and checks each output against its schema; a command left out, a
schema no command uses, or an output that drifts from its schema fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from provenance import vocab
from provenance.reports.json_schemas import (
    COMMAND_SCHEMAS,
    COMMON,
    load_schema,
    schema_for,
    schema_names,
)
from provenance.rules.policy import policy_keys
from provenance.settings import settings_help
from tests.support.commands import every_command
from tests.support.json_schemas import problems
from tests.support.json_tour import Tour, db_roles, run_every_command, tour  # noqa: F401


def test_every_command_prints_what_its_schema_says(tour: Tour) -> None:  # noqa: F811
    run_every_command(tour)
    if tour.url.startswith("postgresql"):
        db_roles(tour)
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
