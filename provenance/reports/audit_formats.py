"""Text renderings of an :class:`~provenance.audit.report.AuditReport`.

* JSON: the report's own dictionary (documented in the README).
* JUnit XML: one test case per file, so a CI server shows the hand-off like
  a test run: a blocked file is a ``failure``, a warned file passes with its
  warning in ``system-out``.
* SARIF 2.1.0: one result per blocked or warned file (``error`` /
  ``warning``), with the file as the artifact location, for code-review and
  security dashboards.
* Markdown: a page for a ticket or a delivery note.
* Table: what the terminal shows, blocked files first.

What the audit says of the package as a whole (generated assets the
comparison could not include: :class:`~provenance.audit.report.PackageResult`)
comes before the files in the Markdown and the HTML, after them in the
terminal, as a test case of its own in JUnit and a result without a file in SARIF.

A video's segments (where it shows generated assets) are a table of their
own in the Markdown and the terminal, a ``segments`` property in SARIF, and
one reason each, with their timecodes, in every format.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance import __version__
from provenance.audit.report import AuditReport, FileResult, Match, PackageResult
from provenance.reports.cut_formats import (
    clip_markdown,
    clip_sentence,
    clip_table,
    junit_clips,
    sarif_clips,
)
from provenance.reports.folding import fold_unknown
from provenance.util.names import bidi_shown, shown_in_json, xml_safe

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {
    "block": ("PROV001", "blocked-content", "Blocked by the hand-off policy", "error"),
    "warn": ("PROV002", "warned-content", "Warned by the hand-off policy", "warning"),
}
STYLE = {"block": "bold red", "warn": "yellow", "pass": "green"}
SEGMENT_COLUMNS = ("file", "in", "out", "seconds", "generated asset", "how", "score")
HOW = {"near": "whole frame", "region": "part of the frame"}
PACKAGE_CASE = "(the package as a whole)"  # JUnit's test case for the package's own result


def match_kind(match: Match) -> str:
    """The match's kind as a report shows it: a near match the region rule had to vouch for
    says how that went ("near (unconfirmed)"); no match is empty."""
    if match.kind == "near" and match.confirmation in ("confirmed", "unconfirmed"):
        return f"near ({match.confirmation})"
    return match.kind or ""


def segment_rows(report: AuditReport) -> list[tuple[str, ...]]:
    """One row per segment of every video, blocked files first (see :data:`SEGMENT_COLUMNS`)."""
    return [
        (item.path, s.tc_in, s.tc_out, f"{s.start:.2f}-{s.end:.2f}", s.asset[:12],
         HOW.get(s.kind, s.kind), f"{s.score:.2f}")
        for item in report.ordered()
        for s in item.segments
    ]  # fmt: skip


def to_json(report: AuditReport) -> str:
    """The JSON document (the report's canonical form, whose hash the ledger records)."""
    return report.to_json()


def to_junit(report: AuditReport) -> str:
    """JUnit XML: a testsuite of one testcase per file."""
    summary = report.summary
    seconds = sum(report.stages.values())
    package = 1 if report.package.reasons else 0
    tests, failures = summary["files"] + package, summary["block"] + _blocked(report.package)
    suites = ET.Element(
        "testsuites",
        name="provenance audit",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        time=f"{seconds:.3f}",
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=report.root,
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    if report.package.reasons:
        _junit_package(suite, report.package)
    for item in report.ordered():
        _junit_case(suite, item)
    junit_clips(suites, report)
    ET.indent(suites)
    return xml_safe(ET.tostring(suites, encoding="unicode", xml_declaration=True))


def _blocked(package: PackageResult) -> int:
    return 1 if package.verdict == "block" else 0


def _junit_case(suite: ET.Element, item: FileResult) -> None:
    folder, _, name = item.path.rpartition("/")
    case = ET.SubElement(suite, "testcase", classname=folder or ".", name=name, time="0")
    _junit_outcome(case, item.verdict, item.reasons)


def _junit_package(suite: ET.Element, package: PackageResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=".", name=PACKAGE_CASE, time="0")
    _junit_outcome(case, package.verdict, package.reasons)


def _junit_outcome(case: ET.Element, verdict: str, reasons: Sequence[str]) -> None:
    text = "\n".join(reasons)
    if verdict == "block":
        failure = ET.SubElement(
            case, "failure", message=reasons[0] if reasons else "blocked", type="blocked"
        )
        failure.text = text
    elif verdict == "warn":
        ET.SubElement(case, "system-out").text = f"WARNING: {text}"


def to_sarif(report: AuditReport) -> str:
    """SARIF 2.1.0: results for blocked and warned files."""
    rules = [
        {
            "id": rid,
            "name": name,
            "shortDescription": {"text": desc},
            "defaultConfiguration": {"level": level},
        }
        for rid, name, desc, level in RULES.values()
    ]
    results = [_sarif_package(report.package)] if report.package.verdict in RULES else []
    results += [_sarif_result(item) for item in report.ordered() if item.verdict in RULES]
    results += sarif_clips(report, RULES)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "provenance", "version": __version__, "rules": rules}},
            "originalUriBaseIds": {"PACKAGE": {"uri": _as_uri_dir(report.root)}},
            "results": results,
            "properties": {"verdict": report.verdict, "summary": report.summary},
        }],
    }  # fmt: skip
    return shown_in_json(json.dumps(log, indent=2, ensure_ascii=False))


def _sarif_result(item: FileResult) -> dict[str, object]:
    rule_id, _, _, level = RULES[item.verdict]
    return {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": "; ".join(item.reasons) or item.verdict},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": item.path, "uriBaseId": "PACKAGE"}}}
        ],
        "properties": {
            "sha256": item.sha256,
            "match": item.match.to_dict(),
            "segments": [s.to_dict() for s in item.segments],
        },
    }


def _sarif_package(package: PackageResult) -> dict[str, object]:
    """The package's own result: no file to point at, the assets it could not compare with."""
    rule_id, _, _, level = RULES[package.verdict]
    return {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": "; ".join(package.reasons)},
        "properties": {"unreferenced": [o.to_dict() for o in package.unreferenced]},
    }


def _as_uri_dir(root: str) -> str:
    path = root if root.endswith("/") else root + "/"
    return "file://" + path if path.startswith("/") else path


def to_markdown(report: AuditReport) -> str:
    """A Markdown page: verdict, counts, sequences, then every file not passed."""
    s = report.summary
    lines = [
        f"# Audit of {md_code(report.root)}: **{report.verdict.upper()}**",
        "",
        f"{s['files']} files: {s['block']} blocked, {s['warn']} warned, {s['pass']} passed."
        f" Policy: {report.policy}{' (strict)' if report.strict else ''}.",
        "",
    ]
    if reasons := report.package.reasons:
        lines += ["## Package", "", f"**{report.package.verdict}**:", ""]
        lines += [*[f"- {reason}" for reason in reasons], ""]
    folding = fold_unknown(report.ordered())
    if sequences := [s for s in report.sequences if s.label not in folding.sequences]:
        lines += ["## Sequences", "", *[f"- {md_code(seq.sentence())}" for seq in sequences], ""]
    lines += clip_markdown(report)
    lines += ["## Files", "", "| verdict | file | match | reasons |", "| --- | --- | --- | --- |"]
    for item in folding.kept:
        match = f"{match_kind(item.match)} {(item.match.asset or '')[:12]}".strip()
        said = md_cell("; ".join(item.reasons))
        lines.append(f"| {item.verdict} | {md_code(item.path)} | {match} | {said} |")
    if folding.lines:
        lines += ["", *[f"- {md_code(line)}" for line in folding.lines]]
    if rows := segment_rows(report):
        lines += ["", "## Generated material inside videos", "",
                  "| " + " | ".join(SEGMENT_COLUMNS) + " |",
                  "| " + " | ".join("---" for _ in SEGMENT_COLUMNS) + " |"]  # fmt: skip
        lines += [
            f"| {md_code(row[0])} | " + " | ".join(map(md_cell, row[1:])) + " |" for row in rows
        ]
    return bidi_shown("\n".join(lines) + "\n")


def md_cell(text: str) -> str:
    """``text`` as one cell of a Markdown table row: its pipes escaped, its line breaks shown.

    A file name may hold ``|`` or a newline; either, written as it is, ends
    the cell or the row early, and the table's columns no longer say what
    they head.
    """
    return text.replace("|", "\\|").replace("\n", "\\x0a").replace("\r", "\\x0d")


def md_code(text: str) -> str:
    """``text`` as a Markdown code span that fits in a table cell, whatever backticks it holds."""
    runs = re.findall("`+", text)
    fence = "`" * (max(map(len, runs), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{md_cell(text)}{pad}{fence}"


def to_table(report: AuditReport) -> RenderableType:
    """The terminal view: blocked files first, then sequences, then the verdict."""
    table = Table(title=f"Audit of {report.root}", title_justify="left")
    for column in ("verdict", "file", "match", "reasons"):
        table.add_column(column, overflow="fold")
    folding = fold_unknown(report.ordered())
    for item in folding.kept:
        match = (
            match_kind(item.match)
            + (f" d={item.match.distance}" if item.match.distance is not None else "")
            + (f" {item.match.cover:.0%}" if item.match.cover is not None else "")
        )
        table.add_row(
            Text(item.verdict, style=STYLE[item.verdict]),
            item.path,
            match if item.match.kind else "",
            "\n".join(item.reasons),
        )
    s = report.summary
    counted = (
        clip_sentence(report)
        if report.clips
        else f"{s['block']} blocked, {s['warn']} warned, {s['pass']} passed of {s['files']} files"
    )
    verdict = Text(
        f"{report.verdict.upper()}: {counted}",
        style=STYLE["block" if report.verdict == "blocked" else "pass"],
    )
    sequences = [Text(seq.sentence()) for seq in folding.telling(report.sequences)]
    unknown = [Text(line, style=STYLE["warn"]) for line in folding.lines]
    clips = clip_table(report)
    package = _package_lines(report.package)
    return Group(*clips, table, *unknown, *_segment_table(report), *sequences, *package, verdict)


def _package_lines(package: PackageResult) -> list[Text]:
    """The package's own result, a line a reason, the first saying its verdict."""
    if not package.reasons:
        return []
    first, *rest = package.reasons
    style = STYLE[package.verdict]
    return [Text(f"package: {package.verdict}: {first}", style=style),
            *[Text(f"  {reason}", style=style) for reason in rest]]  # fmt: skip


def _segment_table(report: AuditReport) -> list[Table]:
    rows = segment_rows(report)
    if not rows:
        return []
    table = Table(title="Generated material inside videos", title_justify="left")
    for column in ("file", "timecode", "seconds", "generated asset", "how"):
        table.add_column(column, overflow="fold")
    for path, tc_in, tc_out, seconds, asset, how, _ in rows:
        table.add_row(path, f"{tc_in}-{tc_out}", seconds, asset, how)
    return [table]


RENDERERS: dict[str, Callable[[AuditReport], str]] = {
    "json": to_json,
    "junit": to_junit,
    "sarif": to_sarif,
    "markdown": to_markdown,
}
