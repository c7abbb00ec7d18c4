"""Flags and expiry at ingest: prompt screening (accents, case), the tool registry, folder rules."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from pathlib import Path

import pytest

from provenance.errors import ConfigError
from provenance.ingest.record import ingest
from provenance.lifecycle import Lifecycle
from provenance.settings import FolderRule, Settings, load_settings
from provenance.settings.tables import ApprovedTool, ShowConfig, WatchlistConfig
from provenance.store import AssetRecord
from tests.support.files import png
from tests.support.lifecycle import Make


@pytest.fixture
def screened(lc: Lifecycle, tmp_path: Path) -> Settings:
    talent = tmp_path / "lists" / "talent.txt"
    talent.parent.mkdir()
    talent.write_text("# cast\nZoë Saldaña\nre:meryl\\s+streep\n")
    figures = tmp_path / "lists" / "figures.txt"
    figures.write_text("Abraham Lincoln\n")
    return dataclasses.replace(
        lc.settings,
        watchlists=(
            WatchlistConfig(str(talent), "talent-likeness"),
            WatchlistConfig(str(figures), "deceased-person"),
        ),
    )


def categories(asset: AssetRecord) -> list[str]:
    return sorted(str(f["category"]) for f in asset.flags)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("portrait of zoe saldana, cinematic", ["talent-likeness"]),
        ("PORTRAIT OF ZOË SALDAÑA", ["talent-likeness"]),
        ("Meryl   STREEP's nose", ["talent-likeness"]),
        ("abraham lincoln reading the news", ["deceased-person"]),
        ("Zoe Saldana shaking hands with ABRAHAM LINCÔLN", ["deceased-person", "talent-likeness"]),
        ("a castle at dawn", []),
        ("zoetrope saldanas", []),
    ],
)
def test_prompt_screening_through_ingest(
    screened: Settings, make_genai: Make, prompt: str, expected: list[str]
) -> None:
    _, asset = make_genai("gen.png", 1, prompt, settings=screened)
    assert categories(asset) == expected
    assert all(f["source"] == "prompt-screen" for f in asset.flags)


def test_flags_are_in_the_chained_detected_event(
    screened: Settings, make_genai: Make, lc: Lifecycle
) -> None:
    _, asset = make_genai("gen.png", 2, "Zoë Saldaña", settings=screened)
    detected = lc.ledger.events.of(asset.sha256)[0]
    assert detected.type == "detected"
    flags = detected.details["flags"]
    assert isinstance(flags, list)
    [flag] = flags
    assert "Zoë Saldaña" in flag["reason"] and "talent" in flag["reason"]


def test_tool_registry_flags_unlisted_tools(lc: Lifecycle, make_genai: Make) -> None:
    listed = dataclasses.replace(
        lc.settings, approved_tools=(ApprovedTool("automatic1111", "enterprise"),)
    )
    other = dataclasses.replace(lc.settings, approved_tools=(ApprovedTool("adobe-firefly"),))
    assert make_genai("a.png", 3, settings=listed)[1].flags == []
    [flag] = make_genai("b.png", 4, settings=other)[1].flags
    assert flag["category"] == "unapproved-tool" and "automatic1111" in str(flag["reason"])
    assert make_genai("c.png", 5)[1].flags == []  # no registry: nothing to check against


def test_folder_rule_needs_and_ttl(lc: Lifecycle, make_genai: Make) -> None:
    rules = (
        FolderRule("*/likeness/*", "unknown", needs=("talent-likeness", "voice"), ttl_days=7),
        FolderRule("*/likeness/keep/*", "unknown", ttl_days=90),
    )
    settings = dataclasses.replace(lc.settings, folder_rules=rules, genai_ttl_days=30)
    _, flagged = make_genai("show/likeness/gen.png", 6, settings=settings)
    assert categories(flagged) == ["talent-likeness", "voice"]
    assert flagged.flags[0]["source"] == "folder-rule"
    assert flagged.expires_at is not None
    week = flagged.expires_at - flagged.first_seen
    assert timedelta(days=7) - timedelta(minutes=1) < week <= timedelta(days=7)
    _, plain = make_genai("show/plates/gen.png", 7, settings=settings)
    assert plain.expires_at is not None and plain.flags == []
    assert plain.expires_at - plain.first_seen > timedelta(days=29)


def test_files_not_generated_get_no_flags_or_expiry(lc: Lifecycle, make_plain: Make) -> None:
    _, asset = make_plain("likeness/plate.png", 8)
    assert (asset.status, asset.expires_at, asset.flags) == (None, None, [])


def test_a_bad_watchlist_stops_the_scan_with_its_name(lc: Lifecycle, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("re:(unclosed\n")
    settings = dataclasses.replace(
        lc.settings, watchlists=(WatchlistConfig(str(bad), "public-figure"),)
    )
    path = png(tmp_path / "gen.png", 9, "x\nSteps: 20, Sampler: Euler a, Seed: 1, Model: m")
    with pytest.raises(ConfigError, match=f"{bad}:1"):
        ingest(path, lc.ledger, settings)


def test_lifecycle_settings_from_toml(tmp_path: Path) -> None:
    config = tmp_path / "provenance.toml"
    config.write_text(
        'approvers = ["jane", "raj"]\ngenai_ttl_days = 14\n'
        'quarantine_dir = "/srv/quarantine"\napprover_db_role = "provenance_approver"\n'
        '[[watchlists]]\npath = "/show/talent.txt"\ncategory = "talent-likeness"\n'
        '[[approved_tools]]\ntool = "Adobe Firefly"\ntier = "enterprise"\n'
        '[[folder_rules]]\nglob = "*/likeness/*"\nverdict = "unknown"\n'
        'needs = ["talent-likeness"]\nttl_days = 7\n'
        '[[shows]]\nname = "Nightfall"\nroots = ["/jobs/nightfall/", "/mnt/nas/nightfall"]\n'
    )
    settings = load_settings(config, environ={"PROVENANCE_APPROVERS": "jane, sam"}).settings
    assert settings.approvers == ("jane", "sam") and settings.genai_ttl_days == 14
    assert settings.approved_tools == (ApprovedTool("adobe-firefly", "enterprise"),)
    assert settings.watchlists == (WatchlistConfig("/show/talent.txt", "talent-likeness"),)
    assert settings.folder_rules[0].needs == ("talent-likeness",)
    assert settings.folder_rules[0].ttl_days == 7
    assert settings.shows == (ShowConfig("Nightfall", ("/jobs/nightfall", "/mnt/nas/nightfall")),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[watchlists]]\npath = "x"\ncategory = "likeness"\n', "unknown approval category"),
        ('[[watchlists]]\ncategory = "voice"\n', "watchlists[0].path"),
        ('[[approved_tools]]\ntier = "x"\n', "approved_tools[0].tool"),
        ('[[folder_rules]]\nglob = "*"\nneeds = ["nope"]\n', "unknown approval category"),
        ('[[folder_rules]]\nglob = "*"\nttl_days = -3\n', "folder_rules[0].ttl_days"),
        ("approvers = 3\n", "approvers"),
        ('[[shows]]\nname = "a"\nroots = ["jobs/a"]\n', "shows[0].roots must be absolute"),
        ('[[shows]]\nname = "a"\n', "shows[0].roots"),
        ('[[shows]]\nroots = ["/a"]\n', "shows[0].name"),
        (
            '[[shows]]\nname = "a"\nroots = ["/a"]\n[[shows]]\nname = "a"\nroots = ["/b"]\n',
            "'a' is declared more than once",
        ),
    ],
)
def test_bad_lifecycle_settings_are_explained(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "provenance.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_settings(config, environ={})
