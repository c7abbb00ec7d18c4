"""The audit as one self-contained HTML page.

Everything is inline (styles and thumbnails as ``data:`` URIs), with no
scripts and no external references, so the page can be mailed, archived with
the delivery and printed. Blocked files are shown first, each with a
thumbnail where one could be made, beside the thumbnail of the generated
asset a near match points to. Where a generated picture was found inside a
delivered one, the delivered preview has its outline drawn; a video's
segments are listed with their timecodes, and its preview is the frame of
the first one.

At any window width the page fits across: long paths wrap (a file name only
where it alone is too wide), so nothing scrolls sideways.
"""

from __future__ import annotations

from html import escape

from provenance.audit.report import AuditReport, FileResult
from provenance.reports.audit_formats import HOW, SEGMENT_COLUMNS, match_kind
from provenance.reports.breaking import breakable
from provenance.reports.cut_formats import clip_html
from provenance.util.names import bidi_shown

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1 span.blocked{color:#b00020} h1 span.pass{color:#1b5e20}
table{border-collapse:collapse;width:100%;margin:1em 0}
td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left;font-size:.9em}
tr.block>td:first-child{background:#fdecea;color:#b00020;font-weight:bold}
tr.warn>td:first-child{background:#fff8e1;color:#8a6d00}
tr.pass>td:first-child{color:#1b5e20}
td code{overflow-wrap:break-word} td small{overflow-wrap:anywhere}
img{max-width:160px;max-height:120px;display:block}
table.segments{margin:.4em 0 0;width:auto} table.segments td,table.segments th{font-size:.85em}
code{font-size:.95em}
@media print{body{margin:0;font-size:8.5pt} img{max-width:80px;max-height:60px}
td,th{padding:.2em .3em} table.segments td,table.segments th{font-size:.8em;padding:.1em .2em}}
"""


def to_html(report: AuditReport) -> str:
    """The complete page."""
    s = report.summary
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Audit of {escape(report.root)}</title><style>{CSS}</style></head><body>",
        f'<h1>Audit: <span class="{report.verdict}">{report.verdict.upper()}</span></h1>',
        f"<p>Package <code>{escape(report.root)}</code>: {s['files']} files, {s['block']} blocked,"
        f" {s['warn']} warned, {s['pass']} passed. Policy: {escape(report.policy)}"
        f"{' (strict)' if report.strict else ''}.</p>",
        _context(report),
    ]
    parts += _package(report)
    parts += clip_html(report)
    parts += _sequences(report)
    parts += _files(report)
    parts.append("</body></html>")
    return bidi_shown("\n".join(parts) + "\n")


def _context(report: AuditReport) -> str:
    """When, by whom, where and against which ledger: what a forwarded report must say."""
    when = report.finished_at.strftime("%Y-%m-%d %H:%M UTC") if report.finished_at else "unknown"
    rows = [("audited", when), ("by", report.operator or "unknown"),
            ("on host", report.host or "unknown"), ("ledger", report.ledger or "unknown"),
            ("policy", report.policy)]  # fmt: skip
    cells = "".join(f"<tr><th>{k}</th><td><code>{escape(v)}</code></td></tr>" for k, v in rows)
    return f'<table class="context">{cells}</table>'


def _package(report: AuditReport) -> list[str]:
    """What the audit says of the package as a whole (generated assets it could not compare)."""
    package = report.package
    if not package.reasons:
        return []
    reasons = "<br>".join(escape(r) for r in package.reasons)
    return [f'<h2>Package</h2><table class="package"><tr class="{package.verdict}">'
            f"<td>{package.verdict}</td><td>{reasons}</td></tr></table>"]  # fmt: skip


def _sequences(report: AuditReport) -> list[str]:
    if not report.sequences:
        return []
    items = "".join(f"<li><code>{escape(seq.sentence())}</code></li>" for seq in report.sequences)
    return [f"<h2>Sequences</h2><ul>{items}</ul>"]


def _files(report: AuditReport) -> list[str]:
    rows = [
        "<h2>Files</h2><table><tr><th>verdict</th><th>file</th><th>preview</th>"
        "<th>matched asset</th><th>reasons</th></tr>"
    ]
    rows += [_row(report, item) for item in report.ordered()]
    rows.append("</table>")
    return rows


def _row(report: AuditReport, item: FileResult) -> str:
    reasons = "<br>".join(escape(r) for r in item.reasons) + _segments(item)
    return (
        f'<tr class="{item.verdict}"><td>{item.verdict}</td>'
        f"<td><code>{breakable(item.path)}</code></td>"
        f"<td>{_img(report, item.path)}</td><td>{_match(report, item)}</td><td>{reasons}</td></tr>"
    )


def _segments(item: FileResult) -> str:
    if not item.segments:
        return ""
    head = "".join(f"<th>{escape(c)}</th>" for c in SEGMENT_COLUMNS[1:])
    rows = "".join(
        f"<tr><td><code>{escape(s.tc_in)}</code></td><td><code>{escape(s.tc_out)}</code></td>"
        f"<td>{s.start:.2f}-{s.end:.2f}</td><td><code>{escape(s.asset[:16])}</code></td>"
        f"<td>{escape(HOW.get(s.kind, s.kind))}</td><td>{s.score:.2f}</td></tr>"
        for s in item.segments
    )
    return f'<table class="segments"><tr>{head}</tr>{rows}</table>'


def _match(report: AuditReport, item: FileResult) -> str:
    match = item.match
    if match.kind is None:
        return ""
    text = escape(match_kind(match))
    if match.asset:
        text += f" <code>{escape(match.asset[:16])}</code>"
        place = report.places.get(match.asset)
        if place:
            name = breakable(place.rpartition("/")[2])
            text += f"<br><b>{name}</b><br><small>last present at {escape(place)}</small>"

    if match.distance is not None:
        text += f" (distance {match.distance})"
    return text + (
        _img(report, match.asset) if match.asset and match.kind in ("near", "region") else ""
    )


def _img(report: AuditReport, key: str) -> str:
    uri = report.thumbnails.get(key)
    if not uri or not uri.startswith("data:image/"):
        return ""
    return f'<img alt="preview of {escape(key)}" src="{escape(uri)}">'
