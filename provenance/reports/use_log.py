"""Renderers of the generative-AI use log: CSV (for spreadsheets) and JSON.

The CSV opens with ``#`` lines naming the log, its title and the guidance it
was prepared following, and saying it is not an official form (spreadsheet
programs show them as text; ``pandas.read_csv(comment="#")`` and the like
skip them). Then comes one header row and one row per asset and use; a cell
holding several values (shots, approvers, documents, timecodes) separates
them with ``; ``. A cell that a spreadsheet would run as a formula (a file
named ``=HYPERLINK(...)``) is prefixed with ``'``. The JSON form keeps lists
as lists and every value as recorded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Literal

from provenance.lifecycle.use_log import UseLog, UseRow
from provenance.store.records import iso
from provenance.util.names import shown_in_json

UseLogFormat = Literal["csv", "json"]
USE_LOG_FORMATS: tuple[UseLogFormat, ...] = ("csv", "json")

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "title", "shot", "asset", "sha256", "tool", "tool_version", "model", "licence",
    "enterprise_offering", "production_tier", "status", "category", "escalation",
    "approver", "reference_sha256", "consent", "on_screen", "first_seen",
)  # fmt: skip


def render_use_log(log: UseLog, fmt: UseLogFormat) -> str:
    """The log as text in ``fmt``."""
    if fmt == "json":
        return shown_in_json(json.dumps(log.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    return to_csv(log)


def preamble(log: UseLog) -> list[str]:
    """The lines above the table: what this is, and what it is not."""
    return [
        f"# Generative AI use log: {log.title} ({log.scope}), made {iso(log.generated_at)}",
        f"# Prepared following {log.guidance}; not an official form.",
    ]


def to_csv(log: UseLog) -> str:
    """The log as CSV: the preamble, a header row, one row per asset and use."""
    buffer = io.StringIO()
    # Written as plain lines, not cells: a quoted cell would hide the leading '#'.
    buffer.writelines(" ".join(line.splitlines()) + "\n" for line in preamble(log))
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(tuple(_safe(cell) for cell in _cells(row)) for row in log.rows)
    return buffer.getvalue()


def _cells(row: UseRow) -> tuple[str, ...]:
    return (
        row.title, _joined(row.shots), row.asset, row.sha256, row.tool, row.tool_version,
        row.model, row.licence, row.enterprise, row.production_tier, row.status, row.category,
        row.escalation, _joined(row.approvers), _joined(row.reference_sha256),
        _joined(row.consent), _joined(o.text() for o in row.on_screen), iso(row.first_seen),
    )  # fmt: skip


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (a file may be named ``=cmd|...``)."""
    return "'" + cell if cell.startswith(FORMULA_LEADS) else cell
