"""The HTML audit and disclosure reports as people see them: headless Chromium, screen and print.

A real ledger is made once for the module: the sample assets, plus nine
generated doubles under a ``likeness`` folder whose rule needs written
consent (so escalations are open, more than the headline shows), scanned;
the consent of one double approved and that of another approved then
revoked; the deliverables audited. Both reports are written through the CLI.
One SQLite ledger is enough here: what is checked is the page, not the store.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.reports.disclosure_tables import HEADLINE_ROWS
from tests.support.browser import (
    BROKEN_WORDS,
    WIDTH,
    browser_page,
    distinct_colours,
    horizontal_overflow,
    open_report,
    pdf_pages,
)
from tests.support.files import png
from tests.support.lifecycle import a1111
from tests.support.signing import approver_key, settings_toml

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"
DOUBLES = 9  # more than the headline's rows
OPEN = DOUBLES - 1  # one double's consent is approved
PRINTED = 700  # pixels across an A4 or Letter page inside 12 mm margins, at 96 dpi
RED = "rgb(176, 0, 32)"
RULES = """
[[folder_rules]]
glob = "*/likeness/*"
verdict = "unknown"
needs = ["talent-likeness"]
"""


@dataclass(frozen=True)
class Reports:
    """The two pages the module checks."""

    disclosure: Path
    audit: Path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reports]:
    root = tmp_path_factory.mktemp("chromium")
    samples = root / "sample_assets"
    shutil.copytree(SAMPLES, samples)
    likeness = samples / "genai" / "likeness"
    for n in range(DOUBLES):
        prompt = f"digital double of the lead actor, scene {n}, " + "rain-soaked street " * 6
        png(likeness / f"sq010_sh0{n}0_double_v001.png", 40 + n, a1111(prompt))
    (root / "consent.pdf").write_bytes(b"%PDF-1.7\nconsent of the lead actor\n%%EOF\n")
    settings = f'approvers = ["producer"]\n{settings_toml()}{RULES}'
    (root / "provenance.toml").write_text(settings, encoding="utf-8")
    env = {
        "PROVENANCE_DB": f"sqlite:///{root}/ledger.sqlite3",
        "PROVENANCE_CONFIG": str(root / "provenance.toml"),
        "PROVENANCE_MACHINE_KEY": str(root / "machine_key"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_DATA_HOME": str(root / "data"),
        "USER": "producer",
        "LOGNAME": "producer",
    }
    found = Reports(root / "disclosure.html", root / "audit.html")
    key = str(approver_key())
    consent = ["--category", "talent-likeness", "--approver", "Jane Doe (legal)",
               "--reference", str(root / "consent.pdf"), "--sign-with", key]  # fmt: skip
    steps = (
        ["scan", str(samples)],
        ["approve", str(likeness / "sq010_sh000_double_v001.png"), *consent],
        ["approve", str(likeness / "sq010_sh010_double_v001.png"), *consent],
        ["revoke", "2", "--reason", "the actor withdrew consent", "--sign-with", key],
        ["audit", str(samples / "deliverables"), "--format", "html", "--output", str(found.audit)],
        ["report", "--show", "sample_assets", "--format", "html", "--output",
         str(found.disclosure)],
    )  # fmt: skip
    runner = CliRunner()
    for args in steps:
        result = runner.invoke(cli, args, env=env, catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output + result.stderr  # the audit blocks: 1
    yield found


def text(pdf_page: str) -> str:
    """A PDF page's text with ligatures (ﬁ, ﬃ) undone and whitespace folded."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", pdf_page))


def test_the_disclosure_report_renders_at_1400_px_without_overflow(
    reports: Reports, chromium: Browser
) -> None:
    with browser_page(chromium) as (page, blocked):
        open_report(page, reports.disclosure)
        shot = page.screenshot(full_page=True)
        headline = page.locator("p.headline").inner_text()
        alert = page.locator("p.headline .alert")
        assert alert.inner_text() == f"{OPEN} escalation(s) not cleared"
        assert alert.evaluate("e => getComputedStyle(e).color") == RED
        assert horizontal_overflow(page) == 0
        assert page.evaluate("window.innerWidth") == WIDTH
    assert distinct_colours(shot) > 8  # text, rules, red: not a blank page
    assert headline.startswith(f"{4 + DOUBLES} generated asset(s)")  # the 4 sample ones
    assert blocked.urls == []


def test_no_word_is_broken_and_not_cleared_is_red(reports: Reports, chromium: Browser) -> None:
    with browser_page(chromium) as (page, _):
        open_report(page, reports.disclosure)
        broken = page.evaluate(BROKEN_WORDS)
        cells = page.locator("td.not-cleared")
        colours = {cells.nth(i).evaluate("e => getComputedStyle(e).color") for i in range(3)}
        count = cells.count()
        word_break = page.locator("td").first.evaluate("e => getComputedStyle(e).wordBreak")
    assert broken == []
    assert colours == {RED} and count == HEADLINE_ROWS + OPEN  # the headline's, and every one
    assert word_break != "break-all"


def test_a_narrow_window_still_breaks_no_word(reports: Reports, chromium: Browser) -> None:
    with browser_page(chromium, width=700) as (page, _):
        open_report(page, reports.disclosure)
        assert page.evaluate(BROKEN_WORDS) == []


@pytest.mark.parametrize("report", ["disclosure", "audit"])
def test_printed_the_page_fits_across_the_paper(
    reports: Reports, report: str, chromium: Browser
) -> None:
    with browser_page(chromium, width=PRINTED) as (page, _):
        open_report(page, getattr(reports, report))
        page.emulate_media(media="print")
        overflow = horizontal_overflow(page)
        broken = page.evaluate(BROKEN_WORDS)
        approvals = page.locator("h2:text-is('Approvals') + table tbody tr").count()
    assert overflow == 0 and broken == []
    assert approvals == (2 if report == "disclosure" else 0)  # the approvals table was drawn


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_summary_prints_on_one_page(reports: Reports, paper: str, chromium: Browser) -> None:
    with browser_page(chromium) as (page, _):
        open_report(page, reports.disclosure)
        pages = pdf_pages(page.pdf(format=paper, print_background=True))
    first = text(pages[0])
    assert first.startswith("Generative AI disclosure: sample_assets")
    assert "not an official form" in first and "Escalations not cleared" in first
    assert f"and {OPEN - HEADLINE_ROWS} more: see the detail tables." in first
    assert "unreadable (fail closed)" in first  # the headline's last table
    assert "Generated assets by tool and status" not in first
    assert text(pages[1]).startswith("Generated assets by tool and status")  # details: a new page


def test_the_audit_report_renders_and_prints(reports: Reports, chromium: Browser) -> None:
    with browser_page(chromium) as (page, blocked):
        open_report(page, reports.audit)
        shot = page.screenshot(full_page=True)
        verdict = page.locator("h1").inner_text()
        overflow = horizontal_overflow(page)
        pages = pdf_pages(page.pdf(format="A4", print_background=True))
    assert verdict == "Audit: BLOCKED"
    assert overflow == 0 and distinct_colours(shot) > 8
    first = text(pages[0])
    assert first.startswith("Audit: BLOCKED") and "policy" in first and "Files" in first
    assert blocked.urls == []


def test_a_page_that_reaches_out_is_caught(tmp_path: Path, chromium: Browser) -> None:
    """The guard the tests above rely on: a request to the network is blocked and named."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<p>x</p><img src="http://example.invalid/pixel.png">', encoding="utf-8")
    with browser_page(chromium) as (page, blocked):
        open_report(page, leaky)
    assert blocked.urls == ["http://example.invalid/pixel.png"]
