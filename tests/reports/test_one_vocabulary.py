"""One JSON vocabulary across commands: every key, in every command's real output, as declared.

The schemas (``test_json_schemas``) check each command's shape; this walks the
outputs of the same tour across commands and holds every key, wherever it is
nested, to the one declaration in :mod:`provenance.util.json_shapes`: a key of
:data:`SHARED_KEYS` has the same kind of value everywhere, a key of
:data:`RETIRED_KEYS` appears nowhere, and a key of :data:`DEPRECATED_KEYS`
only beside its replacement. A new command that names an asset ``hash``, a
time with ``+00:00`` or a status outside the vocabulary fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provenance import vocab
from provenance.cli import cli, options
from provenance.util.json_shapes import DEPRECATED_KEYS, RETIRED_KEYS, SHARED_KEYS
from tests.support.json_tour import Tour, run_every_command, tour  # noqa: F401

SHA256 = re.compile(r"^[0-9a-f]{64}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def _hashes(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return all(isinstance(v, str) and SHA256.match(v) for v in values)


def _location(value: Any) -> bool:
    return isinstance(value, dict) and {"host", "path", "present"} <= set(value)


KINDS: dict[str, Callable[[Any], bool]] = {
    "sha256": _hashes,
    "timestamp": lambda v: isinstance(v, str) and bool(TIMESTAMP.match(v)),
    "status": lambda v: v in vocab.STATUSES,
    "signal": lambda v: v in vocab.SIGNALS,
    "confidence": lambda v: v in vocab.CONFIDENCES,
    "category": lambda v: v in vocab.CATEGORIES,
    "categories": lambda v: isinstance(v, list) and all(c in vocab.CATEGORIES for c in v),
    "locations": lambda v: isinstance(v, list) and all(_location(x) for x in v),
    "text": lambda v: isinstance(v, str),
    "count": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
}


def keys_in(data: Any, path: str = "") -> Iterator[tuple[str, str, Any, dict[str, Any]]]:
    """Every (path, key, value, the object holding it), however deeply nested."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield f"{path}.{key}", key, value, data
            yield from keys_in(value, f"{path}.{key}")
    elif isinstance(data, list):
        for n, item in enumerate(data):
            yield from keys_in(item, f"{path}[{n}]")


def kind_of(key: str) -> str | None:
    return SHARED_KEYS.get(key) or ("timestamp" if key.endswith("_at") else None)


def problems(command: str, data: Any) -> list[str]:
    """Where ``data`` (``command``'s output) speaks another vocabulary than the declared one."""
    found = []
    for path, key, value, _ in keys_in(data):
        kind = kind_of(key)
        if kind is not None and value is not None and not KINDS[kind](value):
            found.append(f"{command} {path}: {value!r} is not a {kind}")
        if key in RETIRED_KEYS:
            found.append(f"{command} {path}: retired, say {RETIRED_KEYS[key]}")
        if key in DEPRECATED_KEYS and not _has(data, DEPRECATED_KEYS[key]):
            found.append(f"{command} {path}: deprecated, and {DEPRECATED_KEYS[key]} is missing")
    return found


def _has(data: Any, dotted: str) -> bool:
    """Whether ``data`` holds ``dotted`` (``ledger.seq``) at its top level."""
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def test_every_command_speaks_the_one_vocabulary(tour: Tour) -> None:  # noqa: F811
    run_every_command(tour)
    found = [p for command, data in tour.outputs for p in problems(command, data)]
    assert not found, "\n".join(found)
    seen = {key for _, data in tour.outputs for _, key, _, _ in keys_in(data)}
    unused = set(SHARED_KEYS) - seen
    assert not unused, f"declared but no command printed them: {unused}"


def test_verify_gives_the_chain_head_as_the_reports_do(tour: Tour) -> None:  # noqa: F811
    """``verify --json`` said ``head_seq``/``head_hash``; a signed report says ``ledger.seq``
    and ``ledger.hash``. Both are printed now, the old pair deprecated."""
    tour("scan", tour.sample(GENAI), "--json")
    checked = tour("verify", "--json")
    report = tour("report", "--format", "json")
    head = {"seq": checked["head_seq"], "hash": checked["head_hash"]}
    assert checked["ledger"] == {"url": report["ledger"]["url"], "signed": False, **head}
    assert head == {"seq": report["ledger"]["seq"], "hash": report["ledger"]["hash"]}


GENAI = Path("genai/sd_a1111.png")


def test_json_stays_one_document_on_a_narrow_forced_terminal(
    tour: Tour,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With colour forced (a CI job's FORCE_COLOR) and 40 columns, stdout is still only the
    JSON: the tour parses each output whole."""
    for name, value in {"COLUMNS": "40", "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(options, "err", options.NamesConsole(stderr=True))  # as at start
    run_every_command(tour)
    assert len(tour.outputs) >= len({command for command, _ in tour.outputs}) > 20


@pytest.mark.parametrize(
    ("why", "data"),
    [
        ("an asset named the old way", {"approvals": [{"asset_sha256": "ab" * 32}]}),
        ("a short hash under sha256", {"files": [{"sha256": "abcdef"}]}),
        ("a +00:00 time", {"audits": [{"at": "2026-12-06T01:49:03.123456+00:00"}]}),
        ("a time without microseconds", {"x": {"finished_at": "2026-12-06T01:49:03Z"}}),
        ("a status outside the vocabulary", {"assets": [{"status": "Temporary"}]}),
        ("places without their host", {"assets": [{"locations": [{"path": "/a"}]}]}),
        ("a deprecated key alone", {"head_seq": 3}),
        ("a category list with a typo", {"needs_approval": ["final_deliverable"]}),
    ],
)
def test_the_walk_catches_each_other_spelling(why: str, data: dict[str, Any]) -> None:
    assert problems("x", data), why


def test_json_written_to_a_file_leaves_stdout_empty(tour: Tour) -> None:  # noqa: F811
    """``audit --json --output r.json`` printed "BLOCKED: report written to r.json" on stdout,
    where a script asking for JSON reads JSON or nothing; the line now goes to stderr."""
    samples = str(tour.root / "sample_assets")
    tour("scan", samples, "--json")
    written = tour.root / "written.json"
    commands = [
        ["audit", f"{samples}/deliverables", "--json", "--no-record"],
        ["audit", f"{samples}/deliverables", "--format", "json", "--no-record"],
        ["report", "--show", "sample_assets", "--json"],
        ["use-log", "--show", "sample_assets", "--format", "json"],
    ]
    for args in commands:
        words = [*args, "--output", str(written), "--config", str(tour.config)]
        result = CliRunner().invoke(cli, words, env={"PROVENANCE_DB": tour.url})
        assert result.exit_code in (0, 1), result.output
        assert result.stdout == "", (args, result.stdout)
        assert str(written) in result.stderr
        json.loads(written.read_text(encoding="utf-8"))
