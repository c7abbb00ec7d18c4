"""The JSON Schemas of every command's ``--json`` output, shipped in the package.

Each command's output has a schema (draft 2020-12) in ``schemas/``, named
after the command (``ls.schema.json``, ``config-show.schema.json``); the
shapes they share (an asset, a location, a timestamp, an approval, an event)
are ``$defs`` of ``common.schema.json``, which the others ``$ref``. They
state the vocabulary of :mod:`provenance.util.json_shapes`; the test suite
checks every command's real output against its schema, so the two cannot
drift apart. A pipeline can validate what it reads with them too::

    from provenance.reports.json_schemas import schema_for, schemas_by_id
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

COMMON = "common"
COMMAND_SCHEMAS: dict[str, str] = {
    "approve": "approve",
    "audit": "audit",
    "audits": "audits",
    "checkpoint": "checkpoint",
    "classify": "classify",
    "config show": "config-show",
    "db roles": "db-roles",
    "expire": "expire",
    "history": "history",
    "init": "init",
    "ls": "ls",
    "policy check": "policy-check",
    "purge": "purge",
    "replace": "replace",
    "report": "report",
    "rescreen": "rescreen",
    "restore": "restore",
    "revoke": "revoke",
    "scan": "scan",
    "set-expiry": "set-expiry",
    "status": "status",
    "use-log": "use-log",
    "verify": "verify",
}
"""Each command with JSON output (its words, as typed after ``provenance``) -> its schema."""


def schema_names() -> list[str]:
    """Every schema shipped, by name (``common`` among them), sorted."""
    folder = files("provenance.reports").joinpath("schemas")
    suffix = ".schema.json"
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix))


def load_schema(name: str) -> dict[str, Any]:
    """The schema called ``name`` (``ls``, ``common``...), as parsed JSON."""
    text = files("provenance.reports").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schemas_by_id() -> dict[str, dict[str, Any]]:
    """Every schema by its ``$id``: what a validator's registry needs to follow ``$ref``."""
    loaded = (load_schema(name) for name in schema_names())
    return {schema["$id"]: schema for schema in loaded}


def schema_for(command: str) -> dict[str, Any]:
    """The schema of ``command``'s JSON output (``"config show"``, ``"ls"``...)."""
    return load_schema(COMMAND_SCHEMAS[command])
