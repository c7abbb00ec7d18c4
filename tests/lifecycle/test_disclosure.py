"""The disclosure report against a scripted history, in every format, parsed back."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from provenance.errors import ApprovalRefused
from provenance.lifecycle import Lifecycle, approve, purge_expired, replace, revoke, set_expiry
from provenance.lifecycle.disclosure import DisclosureReport, Scope, build_report
from provenance.reports.disclosure import Format, render
from provenance.settings.tables import WatchlistConfig
from provenance.store import Ledger
from tests.support.factories import observation
from tests.support.json_schemas import problems
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
        "approved": approve(lc_s, [shas["approved"]], final(consent)).records[0].id,
        "flagged": approve(lc_s, [shas["flagged"]], final(consent)).records[0].id,
        "revoked": approve(lc_s, [shas["revoked"]], final(consent)).records[0].id,
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
            # Markdown's backslash escapes (\| \< \[ \\) say the character itself.
            tables.setdefault(title, []).append([re.sub(r"\\(.)", r"\1", c.strip()) for c in cells])
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
    assert approvals[0][6] == "document sha256"
    assert {row[6] for row in approvals[1:]} == {built.approvals[0].reference_sha256[:12]}
    generated = {row[7]: row for row in md["Generated assets"][1:]}
    revoked = generated[story.shas["revoked"][:12]]
    assert revoked[0] == "weird|<i>name.png"  # named by its file, escaped, intact
    assert revoked[6] == "./"  # present in the folder every generated copy is below
    summary = dict(row for row in md["Summary"][1:])
    assert summary["Generated files below"].endswith("/nightfall/gen/")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d", revoked[4])  # temporary: expires
    assert generated[story.shas["purged"][:12]][3] == "quarantined"
    hashes = {row[2] for row in md["Hashes"][1:]}
    assert {story.shas["revoked"], built.approvals[0].reference_sha256} <= hashes  # full, once
    assets = dict(zip(*md["Assets in scope"], strict=True))
    assert assets["unknown provenance"] == "2" and summary["Event chain"].startswith("verified")


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


def test_the_headline_says_what_a_producer_must_act_on(lc: Lifecycle, story: Story) -> None:
    built = report(lc)
    data = json.loads(render(built, "json"))
    s = story.shas
    head = data["headline"]
    assert head["generated"] == 5 and head["escalations_not_cleared"] == 1
    assert head["by_status"] == {"approved": 1, "quarantined": 1, "replaced": 1, "temporary": 2}
    assert set(head["temporary_still_present"]) == {s["flagged"], s["revoked"]}
    assert data["prepared_following"] and data["official_form"] is False
    md = markdown_tables(render(built, "markdown"))
    [[*_, cleared]] = md["Escalations not cleared"][1:]
    assert cleared == "NOT CLEARED"
    assert md["Generated material by state"][1] == ["2", "1", "1", "0", "1", "0", "5"]
    assert {row[0] for row in md["Temporary generated material still present"][1:]} == {
        "flagged.png", "weird|<i>name.png",
    }  # fmt: skip


def test_json_names_assets_and_lists_every_location(lc: Lifecycle, story: Story) -> None:
    data = json.loads(render(report(lc), "json"))
    by_sha = {g["sha256"]: g for g in data["generated"]}
    purged = by_sha[story.shas["purged"]]
    assert purged["name"] == "purged.png" and purged["shots"] == []
    [where] = purged["locations"]
    assert set(where) == {"host", "path", "present"} and where["present"] is False  # quarantined
    [escalation] = data["escalations"]
    assert escalation["name"] == "flagged.png" and escalation["cleared"] is False
    assert problems("report", data) == []


def test_the_page_breaks_no_word_and_starts_the_details_on_a_new_page(
    lc: Lifecycle, story: Story
) -> None:
    text = render(report(lc), "html")
    assert "break-all" not in text
    assert re.search(r"\.details \{[^}]*break-before: page", text)
    assert text.index('<section class="summary">') < text.index("<h2>Summary</h2>")
    assert text.index("<h2>Summary</h2>") < text.index('<section class="details">')
    assert '<td class="not-cleared">NOT CLEARED</td>' in text
    assert re.search(r'<span class="alert">1 escalation\(s\) not cleared</span>', text)


def test_the_headline_shows_five_rows_and_points_to_the_rest(
    lc: Lifecycle, make_genai: Make, tmp_path: Path
) -> None:
    talent = tmp_path / "talent.txt"
    talent.write_text("Zoë Saldaña\n")
    screened = dataclasses.replace(
        lc.settings, watchlists=(WatchlistConfig(str(talent), "talent-likeness"),)
    )
    for n in range(8):
        make_genai(f"nightfall/sh0{n}0/double.png", 10 + n, "zoe saldana", settings=screened)
    md = markdown_tables(render(report(lc), "markdown"))
    assert len(md["Escalations not cleared"]) == 1 + 5 and len(md["Escalations"]) == 1 + 8
    assert [row[1] for row in md["Escalations not cleared"][1:]] == [f"sh0{n}0" for n in range(5)]
    assert "and 3 more: see the detail tables." in render(report(lc), "markdown")


def test_places_read_as_folders_below_the_common_one_on_any_host(ledger: Ledger) -> None:
    ledger.record([observation("a", "/jobs/nf/shot010/gen/a.png", verdict="genai"),
                   observation("b", "/jobs/nf/shot020/gen/b_v2.png", verdict="genai")])  # fmt: skip
    one_host = build_report(ledger, Scope("Nightfall"), datetime.now(UTC))
    md = markdown_tables(render(one_host, "markdown"))
    assert {row[0]: row[6] for row in md["Generated assets"][1:]} == {
        "a.png": "shot010/gen/", "b_v2.png": "shot020/gen/",
    }  # fmt: skip
    assert dict(row for row in md["Summary"][1:])["Generated files below"] == "testhost:/jobs/nf/"
    ledger.record([observation("c", "C:\\jobs\\nf\\shot030\\c.png", host="win7", verdict="genai")])
    md = markdown_tables(
        render(build_report(ledger, Scope("Nightfall"), datetime.now(UTC)), "markdown")
    )
    where = {row[0]: row[6] for row in md["Generated assets"][1:]}
    unescaped = where["c.png"].replace("\\\\", "\\")  # Markdown doubles a backslash
    assert unescaped == "win7:C:\\jobs\\nf\\shot030\\"  # hosts share no folder: whole places
    assert where["a.png"] == "testhost:/jobs/nf/shot010/gen/"
    summary = dict(row for row in md["Summary"][1:])
    assert summary["Generated files below"] == "(no common folder: places are shown whole)"


HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>.png",
    "[sign here](javascript:alert(1)).png",
    "clip\u202egnp.exe",
    "pipe|name.png",
)


def test_markdown_shows_hostile_names_as_names_in_a_viewer(ledger: Ledger) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    ledger.record([observation(f"h{n}", f"/jobs/nf/gen/{name}", verdict="genai")
                   for n, name in enumerate(HOSTILE_NAMES)])  # fmt: skip
    text = render(build_report(ledger, Scope("Nightfall"), datetime.now(UTC)), "markdown")
    assert "\u202e" not in text and "clip\\u202egnp.exe" in text
    shown = Tables()
    shown.feed(markdown_it.MarkdownIt("commonmark").enable("table").render(text))
    assert not shown.tags & {"img", "a", "script"}, "a name became markup"
    names = {row[0] for row in shown.tables["Generated assets"][1:]}
    assert names == {n.replace("\u202e", "\\u202e") for n in HOSTILE_NAMES}


BROKEN_NAMES = ("two\nlines.png", "carriage\rreturn.png", "tab\there.png")


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_name_with_a_line_break_is_shown_as_it_is_not_as_another_name(
    ledger: Ledger, fmt: Format
) -> None:
    # Written as a space, "two\nlines.png" read "two lines.png": a name no file has.
    ledger.record([observation(f"b{n}", f"/jobs/nf/gen/{name}", verdict="genai")
                   for n, name in enumerate(BROKEN_NAMES)])  # fmt: skip
    text = render(build_report(ledger, Scope("Nightfall"), datetime.now(UTC)), fmt)
    if fmt == "markdown":
        markdown_it = pytest.importorskip("markdown_it")
        text = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    shown = Tables()
    shown.feed(text)
    names = {row[0] for row in shown.tables["Generated assets"][1:]}
    assert names == {"two\\x0alines.png", "carriage\\x0dreturn.png", "tab\\x09here.png"}
