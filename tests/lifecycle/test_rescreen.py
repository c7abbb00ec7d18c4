"""Rescreening: assets already recorded gain the flags the show's current rules raise."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.ingest.scan import scan
from provenance.lifecycle import Lifecycle, approve
from provenance.lifecycle import rescreen as rescreen_module
from provenance.lifecycle.rescreen import rescreen
from provenance.reports.lifecycle_views import rescreened
from provenance.settings import FolderRule
from provenance.settings.tables import ApprovedTool, WatchlistConfig
from tests.support.lifecycle import Make, final


def categories(lc: Lifecycle, sha: str) -> list[str]:
    return sorted(str(f["category"]) for f in lc.ledger.assets.resolve(sha).flags)


def write_list(path: Path, *terms: str) -> None:
    """Write a watchlist and move its mtime on, as an editor saving it later would."""
    path.write_text("".join(f"{term}\n" for term in terms))
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def talent(lc: Lifecycle, tmp_path: Path) -> tuple[Lifecycle, Path]:
    """A lifecycle whose settings screen prompts against a talent list (first: Abraham Lincoln)."""
    names = tmp_path / "lists" / "talent.txt"
    names.parent.mkdir()
    write_list(names, "Abraham Lincoln")
    watched = (WatchlistConfig(str(names), "talent-likeness"),)
    return dataclasses.replace(
        lc, settings=dataclasses.replace(lc.settings, watchlists=watched)
    ), names


def test_a_name_added_to_a_watchlist_flags_assets_already_recorded(
    talent: tuple[Lifecycle, Path], make_genai: Make
) -> None:
    lc, names = talent
    _, face = make_genai("face.png", 1, "portrait of zoe saldana", settings=lc.settings)
    _, castle = make_genai("castle.png", 2, "a castle", settings=lc.settings)
    assert categories(lc, face.sha256) == []
    write_list(names, "Abraham Lincoln", "Zoë Saldaña")

    result = rescreen(lc)

    assert (result.screened, [c.sha256 for c in result.changes]) == (2, [face.sha256])
    assert categories(lc, face.sha256) == ["talent-likeness"]
    assert categories(lc, castle.sha256) == []
    [flagged] = [e for e in lc.ledger.events.of(face.sha256) if e.type == "flagged"]
    assert "'Zoë Saldaña'" in flagged.details["flags"][0]["reason"]  # type: ignore[index]
    assert flagged.details["status"] == "temporary"
    assert lc.ledger.events.verify().ok
    assert rescreen(lc).changes == []  # nothing new the second time


def test_a_dry_run_writes_nothing(talent: tuple[Lifecycle, Path], make_genai: Make) -> None:
    lc, names = talent
    _, face = make_genai("face.png", 1, "portrait of zoe saldana", settings=lc.settings)
    write_list(names, "Zoë Saldaña")
    events = len(lc.ledger.events.list())
    result = rescreen(lc, dry_run=True)
    assert [c.added[0]["category"] for c in result.changes] == ["talent-likeness"]
    assert categories(lc, face.sha256) == [] and len(lc.ledger.events.list()) == events


def test_an_approved_asset_that_now_needs_consent_is_temporary_again(
    talent: tuple[Lifecycle, Path], make_genai: Make, consent: Path
) -> None:
    lc, names = talent
    _, face = make_genai("face.png", 1, "portrait of zoe saldana", settings=lc.settings)
    approve(lc, [face.sha256], final(consent))
    assert lc.ledger.assets.resolve(face.sha256).status == "approved"
    write_list(names, "Zoë Saldaña")

    [change] = rescreen(lc).changes

    assert (change.previous_status, change.status) == ("approved", "temporary")
    approve(lc, [face.sha256], final(consent, "talent-likeness"))
    assert lc.ledger.assets.resolve(face.sha256).status == "approved"


def test_a_term_taken_off_the_list_keeps_its_flag(
    talent: tuple[Lifecycle, Path], make_genai: Make
) -> None:
    lc, names = talent
    _, lincoln = make_genai("abe.png", 1, "abraham lincoln", settings=lc.settings)
    assert categories(lc, lincoln.sha256) == ["talent-likeness"]
    write_list(names, "Someone Else")
    assert rescreen(lc).changes == []
    assert categories(lc, lincoln.sha256) == ["talent-likeness"]


def test_a_tool_registry_started_later_flags_unlisted_tools(
    lc: Lifecycle, make_genai: Make
) -> None:
    _, asset = make_genai("gen.png", 1)
    registry = dataclasses.replace(lc.settings, approved_tools=(ApprovedTool("adobe-firefly"),))
    [change] = rescreen(dataclasses.replace(lc, settings=registry)).changes
    assert [f["category"] for f in change.added] == ["unapproved-tool"]
    assert change.sha256 == asset.sha256


def test_a_folder_rule_flags_assets_present_below_it(
    lc: Lifecycle, make_genai: Make, tmp_path: Path
) -> None:
    (tmp_path / "likeness").mkdir()
    _, inside = make_genai("likeness/face.png", 1)
    _, outside = make_genai("castle.png", 2)
    rule = FolderRule("*/likeness/*", "unknown", needs=("talent-likeness",))
    ruled = dataclasses.replace(lc, settings=dataclasses.replace(lc.settings, folder_rules=(rule,)))
    changes = rescreen(ruled).changes
    assert [c.sha256 for c in changes] == [inside.sha256]
    assert categories(lc, outside.sha256) == []


def test_the_command_reports_what_it_added(
    ledger_url: str, tmp_path: Path, make_genai: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, face = make_genai("face.png", 1, "portrait of zoe saldana")
    names = tmp_path / "talent.txt"
    names.write_text("Zoë Saldaña\n")
    config = tmp_path / "provenance.toml"
    config.write_text(f'[[watchlists]]\npath = "{names}"\ncategory = "talent-likeness"\n')
    options = ["--db", ledger_url, "--config", str(config)]

    shown = CliRunner().invoke(cli, ["rescreen", "--dry-run", *options], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "1 of 1 generated asset(s) would gain flags" in shown.stdout
    done = CliRunner().invoke(cli, ["rescreen", "--json", *options])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["screened"], report["dry_run"]) == (1, False)
    assert report["flagged"][0]["sha256"] == face.sha256
    again = CliRunner().invoke(cli, ["rescreen", *options])
    assert "no new flags" in again.stdout
    story = CliRunner().invoke(cli, ["history", "--wide", face.sha256, *options])
    assert "flagged talent-likeness (prompt references" in story.stdout
    data = json.loads(CliRunner().invoke(cli, ["history", "--json", face.sha256, *options]).stdout)
    [flagged] = [e for e in data["events"] if e["type"] == "flagged"]
    assert flagged["details"]["flags"][0]["reason"].startswith("prompt references 'Zoë Saldaña'")


def test_the_audit_applies_todays_watchlists_before_any_rescreen(
    talent: tuple[Lifecycle, Path], make_genai: Make, consent: Path, tmp_path: Path
) -> None:
    lc, names = talent
    path, face = make_genai("face.png", 1, "portrait of zoe saldana", settings=lc.settings)
    approve(lc, [face.sha256], final(consent))
    package = tmp_path / "delivery"
    package.mkdir()
    shutil.copy(path, package / "face.png")
    options = AuditOptions(record=False)
    assert audit(package, lc.ledger, lc.settings, options).files[0].verdict == "pass"

    write_list(names, "Zoë Saldaña")
    [blocked] = audit(package, lc.ledger, lc.settings, options).files

    assert blocked.verdict == "block"
    assert any("talent-likeness" in r and "provenance rescreen" in r for r in blocked.reasons)
    assert lc.ledger.assets.resolve(face.sha256).flags == []  # judged, not recorded
    rescreen(lc)
    approve(lc, [face.sha256], final(consent, "talent-likeness"))
    [cleared] = audit(package, lc.ledger, lc.settings, options).files
    assert cleared.verdict == "pass", cleared.reasons


def test_a_rescreen_goes_a_page_at_a_time(
    talent: tuple[Lifecycle, Path], make_genai: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    lc, names = talent
    monkeypatch.setattr(rescreen_module, "PAGE", 2)
    prompts = ["zoe saldana", "a castle", "ZOË SALDAÑA at dusk", "a river", "saldana, zoe"]
    made = [make_genai(f"g{i}.png", i, p, settings=lc.settings)[1] for i, p in enumerate(prompts)]
    write_list(names, "Zoë Saldaña")
    pages: list[int] = []
    result = rescreen(lc, progress=pages.append)
    assert pages == [2, 2, 1] and result.screened == 5
    assert sorted(c.sha256 for c in result.changes) == sorted(a.sha256 for a in made[0:3:2])
    shown = Console(width=300, record=True, file=io.StringIO())
    shown.print(rescreened(result))
    [row] = [line for line in shown.export_text().splitlines() if "talent-likeness" in line]
    assert row.split("│")[1].strip() == "2"  # one row for both, counted


def test_an_interrupted_rescreen_keeps_its_pages_and_a_rerun_finishes(
    talent: tuple[Lifecycle, Path], make_genai: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or a lost connection) between pages: the pages written stay, each whole; the
    next run adds only what is still missing, once, and the chain holds."""
    lc, names = talent
    monkeypatch.setattr(rescreen_module, "PAGE", 2)
    made = [make_genai(f"g{i}.png", i, f"zoe saldana {i}", settings=lc.settings)[1]
            for i in range(5)]  # fmt: skip
    write_list(names, "Zoë Saldaña")
    pages: list[int] = []

    def interrupted_after_one_page(screened: int) -> None:
        pages.append(screened)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rescreen(lc, progress=interrupted_after_one_page)
    flagged = [a.sha256 for a in made if categories(lc, a.sha256)]
    assert pages == [2] and len(flagged) == 2
    again = rescreen(lc)
    assert again.screened == 5
    assert sorted(c.sha256 for c in again.changes) == sorted(
        set(a.sha256 for a in made) - set(flagged)
    )
    assert all(categories(lc, a.sha256) == ["talent-likeness"] for a in made)
    assert rescreen(lc).changes == []
    assert lc.ledger.events.verify().ok


def test_a_folder_rule_follows_where_the_ledger_last_saw_the_files(
    lc: Lifecycle, make_genai: Make, tmp_path: Path
) -> None:
    """Files moved or gone since the last scan: the rule applies to the places the ledger
    holds as present (a scan records the move or the loss), never to a path no copy is at."""
    (tmp_path / "likeness").mkdir()
    moved_in, moving = make_genai("moved_in.png", 1)
    path_gone, gone = make_genai("likeness/gone.png", 2)
    moved_in.rename(tmp_path / "likeness" / "moved_in.png")
    path_gone.unlink()
    rule = FolderRule("*/likeness/*", "unknown", needs=("talent-likeness",))
    ruled = dataclasses.replace(lc, settings=dataclasses.replace(lc.settings, folder_rules=(rule,)))
    assert [c.sha256 for c in rescreen(ruled, dry_run=True).changes] == [gone.sha256]
    scan([tmp_path], lc.ledger, lc.settings)  # records the move, and the loss
    assert [c.sha256 for c in rescreen(ruled).changes] == [moving.sha256]
    assert categories(lc, gone.sha256) == []
