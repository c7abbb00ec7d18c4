"""Renderers of the disclosure report: Markdown, one self-contained HTML page, JSON.

Markdown and HTML are drawn from the same list of tables
(:mod:`provenance.reports.disclosure_tables`), so they always say the same
thing; the page is drawn by :mod:`provenance.reports.disclosure_page`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Literal

from provenance.lifecycle.disclosure import DisclosureReport
from provenance.reports.disclosure_page import page
from provenance.reports.disclosure_tables import (
    heading,
    headline_sentence,
    prepared_line,
    sections,
)
from provenance.util.names import bidi_shown, shown_in_json

Format = Literal["markdown", "html", "json"]
FORMATS: tuple[Format, ...] = ("markdown", "html", "json")
# What Markdown would read as markup in a cell: escaped with a backslash, shown as itself.
_MARKUP = re.compile(r"[\\|<\[]")


def render(report: DisclosureReport, fmt: Format) -> str:
    """The report as text in ``fmt``."""
    if fmt == "json":
        return shown_in_json(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    return markdown(report) if fmt == "markdown" else page(report)


# -- Markdown ------------------------------------------------------------------------


def markdown(report: DisclosureReport) -> str:
    """The report as GitHub-flavoured Markdown: the headline, then every table.

    Like the HTML page, it shows a name's bidirectional controls as text
    (``\\u202e``): a viewer honours them, and a name holding U+202E would be
    shown reversed from there on.
    """
    lines = [f"# {_md(heading(report))}", "", f"*{_md(prepared_line(report))}*", ""]
    lines += [f"**{headline_sentence(report)}**", ""]
    for section in sections(report):
        lines += [f"## {section.title}", ""]
        if not section.rows:
            lines += [section.empty, ""]
            continue
        lines.append("| " + " | ".join(section.columns) + " |")
        lines.append("|" + "---|" * len(section.columns))
        shows = [partial(section.shown, i) for i in range(len(section.columns))]
        lines += ["| " + " | ".join(map(_md, row, shows)) + " |" for row in section.rows]
        lines += ["", section.more, ""] if section.more else [""]
    return bidi_shown("\n".join(lines))


def _md(text: str, shown: Callable[[str], str] = str) -> str:
    """``text`` as Markdown text that says what it holds: a file named ``<img src=x
    onerror=...>`` or ``[here](javascript:...)`` is shown as its name, not made a tag or a
    link by the viewer the report is forwarded to; a ``|`` does not end a table's cell.

    ``shown`` writes what must be seen as it is (a name's line breaks, as
    :meth:`Section.shown` writes them) after the markup is escaped: ``\\x0a`` is text to a
    Markdown viewer, and reads so in the source. Other line breaks become spaces.
    """
    return shown(_MARKUP.sub(r"\\\g<0>", text)).replace("\r", " ").replace("\n", " ")
