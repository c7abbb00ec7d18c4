"""The generative-AI use log against a scripted history: one row per asset and use."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provenance.lifecycle import Lifecycle, approve, revoke
from provenance.lifecycle.disclosure import Scope, build_report
from provenance.lifecycle.use_log import NOT_ESCALATED, OnScreen, UseLog, build_use_log
from provenance.settings.tables import ApprovedTool, WatchlistConfig
from provenance.store import AuditedFile, AuditIn
from tests.support.lifecycle import Make, final

SPAN = {"tc_in": "01:00:03:00", "tc_out": "01:00:05:00", "start": 3.0, "end": 5.0}
LATER = {"tc_in": "01:02:00:00", "tc_out": "01:02:01:12", "start": 120.0, "end": 121.5}


@pytest.fixture
def log(lc: Lifecycle, make_genai: Make, consent: Path, tmp_path: Path) -> UseLog:
    talent = tmp_path / "talent.txt"
    talent.write_text("Zoë Saldaña\n")
    screened = dataclasses.replace(
        lc.settings, watchlists=(WatchlistConfig(str(talent), "talent-likeness"),)
    )
    lc = dataclasses.replace(lc, settings=screened)
    double = make_genai("nightfall/shot010/gen/double.png", 1, "zoe saldana, close up", screened)
    sky = make_genai("nightfall/shot020/gen/sky.png", 2, "a stormy sky")
    voice = make_genai("nightfall/shot030/gen/voice.png", 3, "a town")
    make_genai("daybreak/shot010/gen/other.png", 4, "elsewhere")
    approve(lc, [double[1].sha256], final(consent, "talent-likeness"))
    approve(lc, [sky[1].sha256], final(consent, scope="temporary-use"))
    [withdrawn] = approve(lc, [voice[1].sha256], final(consent, "voice")).records
    revoke(lc, withdrawn.id, "consent withdrawn")
    shown = AuditedFile(sky[1].sha256, "edit/master.mov", "block", "near", (SPAN, LATER))
    run = AuditIn("/deliveries/reel1", "block", 1, 0, 0, 1, "built-in default", "0" * 64)
    lc.ledger.audits.add(run, [shown])
    report = build_report(lc.ledger, Scope("Nightfall", folder="nightfall"), lc.now())
    return build_use_log(lc.ledger, report, (ApprovedTool("automatic1111", "studio seat"),))


def rows_of(log: UseLog, asset: str) -> dict[str, dict[str, object]]:
    return {
        str(r["category"]): r for r in (row.to_dict() for row in log.rows) if r["name"] == asset
    }


def test_every_generated_asset_of_the_title_is_logged_with_its_tool(log: UseLog) -> None:
    assert {row.asset for row in log.rows} == {"double.png", "sky.png", "voice.png"}
    row = log.rows[0].to_dict()
    assert (row["title"], row["tool"], row["tool_version"], row["model"]) == (
        "Nightfall", "automatic1111", "v1.10.1", "sdxl",
    )  # fmt: skip
    assert (row["licence"], row["production_tier"]) == ("AGPL-3.0", "studio seat")
    assert [r.shots for r in log.rows][:1] == [("shot010",)]


def test_a_cleared_likeness_names_its_approver_document_and_consent(log: UseLog) -> None:
    [likeness] = [
        r for r in log.rows if r.asset == "double.png" and r.category == "talent-likeness"
    ]
    assert likeness.escalation.startswith("cleared: #")
    assert likeness.approvers == ("Jane Doe (VFX supervisor)",)
    [document] = likeness.reference_sha256
    [consent] = likeness.consent
    assert consent.endswith(f"consent-signed.pdf sha256:{document}")
    assert rows_of(log, "double.png")["final-deliverable"]["escalation"] == "NOT CLEARED"


def test_temporary_use_and_revoked_approvals_are_not_clearances(log: UseLog) -> None:
    sky = rows_of(log, "sky.png")["final-deliverable"]
    assert str(sky["escalation"]).startswith("approved for temporary use only: #")
    voice = rows_of(log, "voice.png")["voice"]
    assert voice["escalation"] == "NOT CLEARED (approval revoked or lapsed)"
    assert voice["consent"] and voice["approvers"] == ["Jane Doe (VFX supervisor)"]


def test_on_screen_timecodes_come_from_recorded_audits(log: UseLog) -> None:
    sky = next(row for row in log.rows if row.asset == "sky.png")
    assert sky.on_screen == (
        OnScreen("edit/master.mov", "01:00:03:00", "01:00:05:00"),
        OnScreen("edit/master.mov", "01:02:00:00", "01:02:01:12"),
    )
    assert all(row.on_screen == () for row in log.rows if row.asset != "sky.png")


def test_the_log_says_what_it_follows_and_that_it_is_not_a_form(log: UseLog) -> None:
    data = log.to_dict()
    assert data["official_form"] is False and "Using Generative AI" in str(
        data["prepared_following"]
    )
    assert str(data["generated_at"]).endswith("Z")


def test_an_asset_in_no_use_is_still_disclosed(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    _, asset = make_genai("nightfall/shot040/gen/approved.png", 5)
    approve(lc, [asset.sha256], final(consent))
    report = build_report(lc.ledger, Scope("Nightfall", folder="nightfall"), lc.now())
    plain = dataclasses.replace(report.generated[0], needs=(), approvals=())
    bare = dataclasses.replace(report, generated=[plain])
    [row] = build_use_log(lc.ledger, bare, ()).rows
    assert (row.category, row.escalation, row.production_tier) == ("", NOT_ESCALATED, "")
