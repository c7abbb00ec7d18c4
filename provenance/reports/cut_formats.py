"""A cut's clip rows in every audit format (see :mod:`provenance.reports.audit_formats`).

One row per clip: track, clip name, record in and out (the cut's timecode),
source in and out, the media, the verdict and its reasons. The terminal and
Markdown show them as a table before the files; JUnit gets a test suite of
one case per clip; SARIF a result per blocked or warned clip, located at
the timeline with the clip as a logical location; the HTML report a table.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from rich.table import Table
from rich.text import Text

from provenance.audit.cut_report import ClipResult
from provenance.audit.report import AuditReport

COLUMNS = ("verdict", "track", "clip", "record in", "record out", "source in", "source out",
           "media", "reasons")  # fmt: skip
STYLE = {"block": "bold red", "warn": "yellow", "pass": "green"}


def _cells(clip: ClipResult) -> tuple[str, ...]:
    return (clip.verdict, clip.track, clip.clip, clip.record_in, clip.record_out,
            clip.source_in, clip.source_out, clip.media)  # fmt: skip


def clip_table(report: AuditReport) -> list[Table]:
    """The terminal's table of clips, in the cut's order (none for a package)."""
    if not report.clips:
        return []
    table = Table(title=f"Clips of the cut {report.root}", title_justify="left")
    for column in ("verdict", "track", "clip", "record", "source", "media", "reasons"):
        table.add_column(column, overflow="fold")
    for c in report.clips:
        table.add_row(Text(c.verdict, style=STYLE[c.verdict]), c.track, c.clip,
                      f"{c.record_in}-{c.record_out}", f"{c.source_in}-{c.source_out}", c.media,
                      "\n".join(c.reasons))  # fmt: skip
    return [table]


def clip_sentence(report: AuditReport) -> str:
    """``2 of 7 clips blocked, 1 warned``: the cut's count, for the verdict line."""
    s = report.clip_summary
    return f"{s['block']} blocked, {s['warn']} warned, {s['pass']} passed of {s['clips']} clips"


def clip_markdown(report: AuditReport) -> list[str]:
    """The Markdown table of clips (nothing for a package)."""
    if not report.clips:
        return []
    rule = "| " + " | ".join("---" for _ in COLUMNS) + " |"
    lines = [
        "## Clips",
        "",
        f"{clip_sentence(report)}.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        rule,
    ]
    for clip in report.clips:
        cells = [*_cells(clip)]
        cells[7] = f"`{cells[7]}`"
        reasons = "; ".join(clip.reasons).replace("|", "\\|")
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + f" | {reasons} |")
    return [*lines, ""]


def junit_clips(suites: ET.Element, report: AuditReport) -> None:
    """A ``cut`` test suite of one case per clip: a blocked clip is a failure."""
    if not report.clips:
        return
    s = report.clip_summary
    suite = ET.SubElement(suites, "testsuite", name=f"cut {report.root}", tests=str(s["clips"]),
                          failures=str(s["block"]), errors="0", skipped="0", time="0")  # fmt: skip
    for clip in report.clips:
        name = f"{clip.clip} {clip.record_in}-{clip.record_out}"
        case = ET.SubElement(suite, "testcase", classname=clip.track, name=name, time="0")
        text = "\n".join(clip.reasons)
        if clip.verdict == "block":
            first = clip.reasons[0] if clip.reasons else "blocked"
            ET.SubElement(case, "failure", message=first, type="blocked").text = text
        elif clip.verdict == "warn":
            ET.SubElement(case, "system-out").text = f"WARNING: {text}"


def sarif_clips(
    report: AuditReport, rules: dict[str, tuple[str, str, str, str]]
) -> list[dict[str, object]]:
    """SARIF results for the blocked and warned clips, at the timeline file."""
    results: list[dict[str, object]] = []
    for clip in report.clips:
        if clip.verdict not in rules:
            continue
        rule_id, _, _, level = rules[clip.verdict]
        where = f"{clip.track}/{clip.clip}@{clip.record_in}"
        results.append({
            "ruleId": rule_id, "level": level,
            "message": {"text": f"{clip.span()} {clip.clip}: " + "; ".join(clip.reasons)},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": _uri(report.root)}},
                "logicalLocations": [{"name": clip.clip, "fullyQualifiedName": where}],
            }],
            "properties": clip.to_dict(),
        })  # fmt: skip
    return results


def _uri(path: str) -> str:
    return "file://" + path if path.startswith("/") else path


def clip_html(report: AuditReport) -> list[str]:
    """The HTML report's table of clips (nothing for a package)."""
    if not report.clips:
        return []
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    rows = []
    for clip in report.clips:
        cells = "".join(f"<td>{escape(c)}</td>" for c in _cells(clip))
        reasons = "<br>".join(escape(r) for r in clip.reasons)
        rows.append(f'<tr class="{clip.verdict}">{cells}<td>{reasons}</td></tr>')
    return [f"<h2>Clips</h2>\n<p>{escape(clip_sentence(report))}.</p>",
            f"<table><thead><tr>{head}</tr></thead><tbody>", *rows, "</tbody></table>"]  # fmt: skip
