"""The disclosure report against a scripted history, in every format, parsed back."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from provenance.errors import ApprovalRefused
from provenance.lifecycle import Lifecycle, approve, purge_expired, replace, revoke, set_expiry
from provenance.lifecycle.disclosure import DisclosureReport, Scope, build_report
from provenance.reports.disclosure import render
from provenance.settings.tables import WatchlistConfig
from tests.support.lifecycle import Clock, Make, final


@dataclasses.dataclass
class Story:
    """What the script did, to check the report against."""

    shas: dict[str, str]
    consent: str
    approvals: dict[str, int]


@pytest.fixture
def story(
    lc: Lifecycle, make_genai: Make, make_plain: Make, consent: Path, clock: Clock, tmp_path: Path
) -> Story:
    talent = tmp_path / "talent.txt"
    talent.write_text("Zoë Saldaña\n")
    screened = dataclasses.replace(
        lc.settings, watchlists=(WatchlistConfig(str(talent), "talent-likeness"),)
    )
    make = {
        "approved": ("nightfall/gen/approved.png", 1, "a castle"),
        "flagged": ("nightfall/gen/flagged.png", 2, "portrait of zoe saldana"),
        "replaced": ("nightfall/gen/replaced.png", 3, "a forest"),
        "purged": ("nightfall/gen/purged.png", 4, "a river"),
        "revoked": ("nightfall/gen/weird|<i>name.png", 5, "a bridge"),
        "elsewhere": ("daybreak/gen/other.png", 6, "a town"),
    }
    shas = {
        k: make_genai(p, s, prompt, settings=screened)[1].sha256
        for k, (p, s, prompt) in make.items()
    }
    comp_path, comp = make_plain("nightfall/comp/comp.png", 7)
    make_plain("nightfall/plates/plate.png", 8)
    shas["comp"] = comp.sha256
    lc_s = dataclasses.replace(lc, settings=screened)
    approvals = {
        "approved": approve(lc_s, [shas["approved"]], final(consent))[0].id,
        "flagged": approve(lc_s, [shas["flagged"]], final(consent))[0].id,
        "revoked": approve(lc_s, [shas["revoked"]], final(consent))[0].id,
    }
    revoke(lc_s, approvals["revoked"], "consent withdrawn")
    replace(lc_s, shas["replaced"], str(comp_path), "matte painting")
    outsider = dataclasses.replace(lc_s, settings=dataclasses.replace(screened, approvers=()))
    with pytest.raises(ApprovalRefused):
        approve(outsider, [shas["purged"]], final(consent))
    set_expiry(lc_s, [shas["purged"]], clock() + timedelta(days=1), "previs only")
    clock.advance(days=2)
    purge_expired(lc_s)
    return Story(shas, consent.read_bytes().hex(), approvals)


def report(lc: Lifecycle, **scope: object) -> DisclosureReport:
    return build_report(lc.ledger, Scope("Nightfall", folder="nightfall", **scope), lc.now())  # type: ignore[arg-type]


def test_json_report_matches_the_story(lc: Lifecycle, story: Story) -> None:
    data = json.loads(render(report(lc), "json"))
    s = story.shas
    assert data["counts"] == {
        "assets": 7,
        "genai": 5,
        "not_genai": 0,
        "unknown": 2,
        "unreadable": 0,
    }
    assert data["unknown_by_kind"] == {"image": 2}
    assert data["chain"]["ok"] is True
    status = {g["sha256"]: g["status"] for g in data["generated"]}
    assert status == {
        s["approved"]: "approved", s["flagged"]: "temporary", s["replaced"]: "replaced",
        s["purged"]: "quarantined", s["revoked"]: "temporary",
    }  # fmt: skip
    assert s["elsewhere"] not in status  # another title
    [tool] = data["by_tool"]
    assert tool["tool"] == "automatic1111" and tool["total"] == 5
    assert tool["statuses"] == {"approved": 1, "temporary": 2, "replaced": 1, "quarantined": 1}
    [escalation] = data["escalations"]
    assert (escalation["sha256"], escalation["category"], escalation["approvals"]) == (
        s["flagged"], "talent-likeness", [],
    )  # fmt: skip
    documents = {a["reference_sha256"] for a in data["approvals"]}
    assert len(documents) == 1 and len(data["approvals"]) == 3
    revoked = next(a for a in data["approvals"] if a["id"] == story.approvals["revoked"])
    assert revoked["revoke_reason"] == "consent withdrawn"
    [replaced] = data["replacements"]
    assert (replaced["sha256"], replaced["details"]["by"]) == (s["replaced"], s["comp"])
    assert [e["type"] for e in data["expiries"]] == ["expiry-set", "expired"]
    assert [(e["type"], e["sha256"]) for e in data["purges"]] == [("quarantined", s["purged"])]
    assert [e["sha256"] for e in data["refused_approvals"]] == [s["purged"]]
    needs = {g["sha256"]: g["needs_approval"] for g in data["generated"]}
    assert needs[s["flagged"]] == ["talent-likeness"] and needs[s["approved"]] == []


def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Section title -> rows (header first) of a Markdown report."""
    tables: dict[str, list[list[str]]] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:]
        elif line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            tables.setdefault(title, []).append([c.strip().replace("\\|", "|") for c in cells])
    return tables


class Tables(HTMLParser):
    """Section title -> rows of an HTML report, plus every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self._title = ""
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "action", "srcset")]
        if tag in ("h2", "td", "th"):
            self._text = []
        if tag == "tr":
            self.tables.setdefault(self._title, []).append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._text is not None:
            self._title = "".join(self._text)
        elif tag in ("td", "th") and self._text is not None:
            self.tables[self._title][-1].append("".join(self._text))
        self._text = None if tag in ("h2", "td", "th") else self._text

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def test_markdown_and_html_say_the_same_thing(lc: Lifecycle, story: Story) -> None:
    built = report(lc)
    md = markdown_tables(render(built, "markdown"))
    parser = Tables()
    parser.feed(render(built, "html"))
    assert md == parser.tables
    approvals = md["Approvals"]
    assert approvals[0][7] == "document sha256"
    assert {row[7] for row in approvals[1:]} == {built.approvals[0].reference_sha256}
    generated = {row[0]: row for row in md["Generated assets"][1:]}
    assert generated[story.shas["revoked"]][6].endswith("weird|<i>name.png")  # escaped, intact
    assert generated[story.shas["purged"]][2] == "quarantined"
    summary = dict(row for row in md["Summary"][1:])
    assert summary["Unknown provenance"] == "2" and summary["Event chain"].startswith("verified")


def test_html_is_one_self_contained_printable_page(lc: Lifecycle, story: Story) -> None:
    text = render(report(lc), "html")
    parser = Tables()
    parser.feed(text)
    assert parser.urls == []
    assert not parser.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not re.search(r"https?://|url\(|@import", text)
    assert "@media print" in text and "<i>" not in text.replace("&lt;i&gt;", "")


def test_since_keeps_recent_activity(lc: Lifecycle, story: Story, clock: Clock) -> None:
    recent = json.loads(render(report(lc, since=clock() - timedelta(hours=1)), "json"))
    assert [g["sha256"] for g in recent["generated"]] == [story.shas["purged"]]
    assert [e["type"] for e in recent["expiries"]] == ["expired"]
    assert recent["replacements"] == []


def test_an_empty_title_still_renders(lc: Lifecycle) -> None:
    empty = build_report(lc.ledger, Scope("Nothing", folder="nothing"), lc.now())
    assert "None." in render(empty, "markdown")
    assert json.loads(render(empty, "json"))["counts"]["assets"] == 0


def test_a_shows_roots_decide_what_its_report_covers(
    lc: Lifecycle, make_genai: Make, tmp_path: Path
) -> None:
    inside = make_genai("jobs/nightfall/gen/a.png", 1)[1].sha256
    also = make_genai("nas/nightfall_plates/b.png", 2)[1].sha256
    make_genai("jobs/nightfall2/gen/c.png", 3)  # a root's name as a prefix is not below it
    make_genai("jobs/daybreak/refs/nightfall/d.png", 4)  # the title as a folder elsewhere
    roots = (str(tmp_path / "jobs" / "nightfall"), str(tmp_path / "nas" / "nightfall_plates"))
    scoped = build_report(lc.ledger, Scope("Nightfall", roots=roots), lc.now())
    assert {g.asset.sha256 for g in scoped.generated} == {inside, also}
    assert scoped.scope.describe() == f"assets seen under {roots[0]} or {roots[1]}"
    by_folder = build_report(lc.ledger, Scope("Nightfall", folder="nightfall"), lc.now())
    assert len(by_folder.generated) == 2  # the folder-name fallback catches daybreak's too
