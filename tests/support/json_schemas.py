"""Validating real JSON outputs against the schemas the package ships."""

from __future__ import annotations

from typing import Any

import jsonschema
from referencing import Registry, Resource

from provenance.reports.json_schemas import schema_for, schemas_by_id


def validator(command: str) -> jsonschema.Draft202012Validator:
    """A validator for ``command``'s output, resolving ``$ref`` among the shipped schemas only."""
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(schema)) for uri, schema in schemas_by_id().items()
    )
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return jsonschema.Draft202012Validator(
        schema_for(command), registry=registry, format_checker=checker
    )


def problems(command: str, data: object) -> list[str]:
    """Where ``data`` breaks ``command``'s schema, one line per error (none when it conforms)."""
    found = validator(command).iter_errors(data)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
