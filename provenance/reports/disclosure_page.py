"""The disclosure report as one self-contained HTML page, for reading on screen and printing.

Styles are inline; there are no scripts, images or links to anywhere, so the
page opens offline and can be archived or mailed as one file.

The first printed page is the headline and the summary (the headline's
tables show at most a few rows each and point to the details for the rest,
so they always fit one A4 or Letter page); the detail tables start on a new
page. Words never break: only cells holding paths and full hashes may wrap
anywhere (``overflow-wrap: anywhere``); a file name breaks only after its
separators (:mod:`provenance.reports.breaking`); short hashes sit in a
narrow monospaced column; an escalation no approval clears is set in red.
"""

from __future__ import annotations

import html

from provenance.lifecycle.disclosure import DisclosureReport
from provenance.reports.breaking import breakable
from provenance.reports.disclosure_tables import (
    NOT_CLEARED,
    Section,
    detail_sections,
    heading,
    headline_sections,
    headline_sentence,
    prepared_line,
)
from provenance.util.names import bidi_shown

STYLE = """
:root { color-scheme: light; }
body { font: 10.5pt/1.4 system-ui, sans-serif; color: #111; margin: 0 auto; padding: 1.5em 2em;
       max-width: 110em; }
h1 { font-size: 19pt; margin: 0 0 0.15em; }
h2 { font-size: 12.5pt; margin: 1.2em 0 0.3em; border-bottom: 1px solid #999; }
p { margin: 0.3em 0; }
.prepared { color: #555; font-style: italic; }
.headline { font-size: 12.5pt; margin: 0.6em 0 0.2em; }
.headline b { font-weight: 700; }
.alert, td.not-cleared { color: #b00020; font-weight: 700; }
td.not-cleared { background: #fdecea; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.path { overflow-wrap: anywhere; min-width: 14ch; }
td.name { overflow-wrap: break-word; }
td.name:first-child { min-width: 14ch; }
@media screen and (min-width: 1000px) { td.name:first-child { min-width: 28ch; } }
span.day { white-space: nowrap; }
td.hash, th.hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap;
                   width: 13ch; }
tr { break-inside: avoid; page-break-inside: avoid; }
.empty, .more { color: #555; font-style: italic; }
.details { break-before: page; page-break-before: always; }
.ledger-head { color: #555; font-size: 9pt; overflow-wrap: anywhere; }
@page { margin: 12mm; }
@media print {
  body { font-size: 8.5pt; padding: 0; max-width: none; }
  th, td { padding: 2px 4px; }
  h1 { font-size: 15pt; }
  h2 { font-size: 10.5pt; margin-top: 0.8em; break-after: avoid; page-break-after: avoid; }
  .headline { font-size: 10.5pt; }
  td.not-cleared { background: none; }
}
"""


def page(report: DisclosureReport) -> str:
    """The report as one self-contained, printable HTML page."""
    title = html.escape(heading(report))
    summary = [f"<h1>{title}</h1>", f'<p class="prepared">{html.escape(prepared_line(report))}</p>']
    summary += [_headline(report), *(_section(s) for s in headline_sections(report))]
    details = [_section(s) for s in detail_sections(report)]
    return bidi_shown(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<section class="summary">\n{chr(10).join(summary)}\n</section>\n'
        f'<section class="details">\n{chr(10).join(details)}\n</section>\n'
        "</body>\n</html>\n"
    )


def _headline(report: DisclosureReport) -> str:
    """The headline sentence, with escalations not cleared in red when there are any."""
    head = report.headline()
    text = html.escape(headline_sentence(report))
    if head.not_cleared:
        lead, sep, rest = text.partition("; ")
        middle, sep2, tail = rest.partition("; ")
        text = f'{lead}{sep}<span class="alert">{middle}</span>{sep2}{tail}'
    return f'<p class="headline">{text}</p>'


def _section(section: Section) -> str:
    text = f"<h2>{html.escape(section.title)}</h2>\n" + _table(section)
    if section.more:
        text += f'\n<p class="more">{html.escape(section.more)}</p>'
    return text


def _table(section: Section) -> str:
    if not section.rows:
        return f'<p class="empty">{html.escape(section.empty)}</p>'
    head = "".join(
        f"<th{_class(section, i, '')}>{html.escape(c)}</th>" for i, c in enumerate(section.columns)
    )
    rows = [
        "<tr>"
        + "".join(
            f"<td{_class(section, i, cell)}>{_cell(section, i, cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in section.rows
    ]
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )


def _cell(section: Section, index: int, cell: str) -> str:
    """The cell's text; a file name may break after its separators, a date never."""
    role, cell = section.role(index), section.shown(index, cell)
    if role == "name":
        return breakable(cell)
    if role == "date":
        return " → ".join(f'<span class="day">{html.escape(d)}</span>' for d in cell.split(" → "))
    return html.escape(cell)


def _class(section: Section, index: int, cell: str) -> str:
    role = section.role(index)
    if role == "alert":
        return ' class="not-cleared"' if cell == NOT_CLEARED else ""
    if role == "hash" or (role in ("path", "name") and cell):
        return f' class="{role}"'
    return ""
