"""Renderers of the disclosure report: Markdown, one self-contained HTML page, JSON.

Markdown and HTML are drawn from the same list of tables
(:mod:`provenance.reports.disclosure_tables`), so they always say the same
thing; the page is drawn by :mod:`provenance.reports.disclosure_page`.
"""

from __future__ import annotations

import json
from typing import Literal

from provenance.lifecycle.disclosure import DisclosureReport
from provenance.reports.disclosure_page import page
from provenance.reports.disclosure_tables import heading, headline_sentence, prepared_line, sections
from provenance.util.names import shown_in_json

Format = Literal["markdown", "html", "json"]
FORMATS: tuple[Format, ...] = ("markdown", "html", "json")


def render(report: DisclosureReport, fmt: Format) -> str:
    """The report as text in ``fmt``."""
    if fmt == "json":
        return shown_in_json(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    return markdown(report) if fmt == "markdown" else page(report)


# -- Markdown ------------------------------------------------------------------------


def markdown(report: DisclosureReport) -> str:
    """The report as GitHub-flavoured Markdown: the headline, then every table."""
    lines = [f"# {heading(report)}", "", f"*{prepared_line(report)}*", ""]
    lines += [f"**{headline_sentence(report)}**", ""]
    for section in sections(report):
        lines += [f"## {section.title}", ""]
        if not section.rows:
            lines += [section.empty, ""]
            continue
        lines.append("| " + " | ".join(section.columns) + " |")
        lines.append("|" + "---|" * len(section.columns))
        lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in section.rows]
        lines += ["", section.more, ""] if section.more else [""]
    return "\n".join(lines)


def _md(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
