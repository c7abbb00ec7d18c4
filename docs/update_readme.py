#!/usr/bin/env python3
"""Regenerate the README's generated sections: CLI reference, settings, hosted generators.

Run after changing a command's options, a setting or a hosted generator's
registry row: ``python docs/update_readme.py``.
Tests fail when the README and ``--help`` disagree.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provenance.cli import cli  # noqa: E402
from provenance.settings import Settings, settings_as_dict, settings_help  # noqa: E402
from provenance.tools import HOSTED, display_name  # noqa: E402

README = ROOT / "README.md"


def cli_reference() -> str:
    """Every command's --help, as the terminal shows it at 100 columns."""
    parts = []
    for command in cli.command_paths():  # lazily loaded commands too
        result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=100)
        title = " ".join(["provenance", *command])
        parts.append(f"### `{title}`\n\n```text\n{result.output.strip()}\n```\n")
    return "\n".join(parts)


def settings_table() -> str:
    """One row per setting: name, default, help."""
    defaults = settings_as_dict(Settings(db="(user data dir)/ledger.sqlite3"))
    rows = ["| setting | default | what it does |", "| --- | --- | --- |"]
    for name, text in settings_help().items():
        default = json.dumps(defaults[name]) if name != "db" else "SQLite file in the user data dir"
        rows.append(f"| `{name}` | `{default}` | {text} |")
    return "\n".join(rows) + "\n"


def hosted_table() -> str:
    """One row per hosted generator of the registry (``provenance/tools.py``)."""
    rows = [
        "| tool id | name | vendor | trains on inputs | terms | how its output is marked |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for tool_id, row in HOSTED.items():
        marks = "; ".join(row.marks)
        rows.append(
            f"| `{tool_id}` | {display_name(tool_id)} | {row.vendor} | {row.trains_on_inputs} "
            f"| {row.terms} | {marks} |"
        )
    return "\n".join(rows) + "\n"


def replace_section(text: str, name: str, body: str) -> str:
    """Replace what stands between the section's start and end markers."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README has no {name} markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> None:
    """Rewrite README.md in place."""
    text = README.read_text()
    text = replace_section(text, "cli-reference", cli_reference())
    text = replace_section(text, "settings", settings_table())
    text = replace_section(text, "hosted-generators", hosted_table())
    README.write_text(text)


if __name__ == "__main__":
    main()
