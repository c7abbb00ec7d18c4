"""Output for an 80-column terminal (any pipe): decisive words whole, paths folded, never cut."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.reports.event_words import event_words
from tests.support.files import A1111, png

BOX = re.compile(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴ ]+")


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), terminal_width=80, catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    # Tables fit; a sentence is one line, which the terminal wraps between words.
    assert all(len(line) <= 80 for line in result.stdout.splitlines() if line[:1] in "│┃┏┡└")
    return result.stdout


def _cells(text: str) -> str:
    """The table's text with the box drawing and line breaks gone, for whole-word checks."""
    return BOX.sub("", text)


@pytest.fixture
def deep(tmp_path: Path, ledger_url: str) -> Path:
    folder = tmp_path / "jobs" / "nightfall" / "shots" / "sq010" / "sh010" / "comp" / "v003"
    png(folder / "sh010_comp_v003.1001.png", 1, A1111)
    png(folder / "sh010_plate_v001.1001.png", 2)
    _run("scan", str(tmp_path / "jobs"), "--db", ledger_url)
    return folder


def test_ls_shows_names_and_whole_paths_beside_a_short_hash(deep: Path, ledger_url: str) -> None:
    out = _run("ls", "--db", ledger_url)
    assert "sh010_comp_v003.1001.png" in out and "temporary" in out and "genai" in out
    assert "…" not in out
    assert f"{deep}/" in _cells(out).replace("\n", "")


def test_ls_wide_adds_the_whole_hash_and_kind(deep: Path, ledger_url: str) -> None:
    result = CliRunner().invoke(cli, ["ls", "--wide", "--db", ledger_url], terminal_width=80)
    assert result.exit_code == 0
    assert re.search(r"\b[0-9a-f]{64}\b", result.stdout) and "first seen" in result.stdout


def test_history_keeps_paths_and_events_whole(deep: Path, ledger_url: str) -> None:
    out = _run("history", str(deep / "sh010_comp_v003.1001.png"), "--db", ledger_url)
    assert "…" not in out.split("Locations")[1]
    flat = _cells(out.split("Locations")[1]).replace("\n", "")
    assert f"{deep}/sh010_comp_v003.1001.png" in flat
    assert "genai (automatic1111)" in out


def test_classify_does_not_wrap_paths_letter_by_letter(deep: Path) -> None:
    out = _run("classify", str(deep))
    assert "sh010_comp_v003.1001.png" in out and "sh010_plate_v001.1001.png" in out
    assert "genai" in out and "automatic1111" in out


@pytest.mark.parametrize(
    ("kind", "details", "words"),
    [
        ("detected", {"verdict": "genai", "tool": "comfyui"}, "genai (comfyui)"),
        ("moved", {"from": "/a/b.png"}, "moved from /a/b.png"),
        (
            "audited",
            {"verdict": "block", "match": "ledger", "package_path": "x.png", "package": "/d",
             "audit": 3},
            "blocked as x.png in /d; ledger match; audit #3",
        ),
        (
            "audited",
            {"verdict": "block", "match": "near", "package_path": "m.mov", "package": "/d",
             "audit": 4, "on_screen": [{"tc_in": "01:00:03:00", "tc_out": "01:00:05:00"},
                                       {"tc_in": "01:00:09:00", "tc_out": "01:00:10:00"}]},
            "blocked as m.mov in /d; near match; on screen 01:00:03:00-01:00:05:00,"
            " 01:00:09:00-01:00:10:00; audit #4",
        ),
        (
            "approved",
            {"approval": 2, "category": "likeness", "scope": "final", "approver": "Jane",
             "status": "approved", "previous_status": "temporary"},
            "approval #2: likeness (final) by Jane; unsigned; temporary -> approved",
        ),
        ("some-new-event", {"reference_sha256": "ab12"}, "reference sha256 ab12"),
    ],
)  # fmt: skip
def test_event_details_read_as_words(kind: str, details: dict[str, object], words: str) -> None:
    assert event_words(kind, details) == words


def test_verbose_speaks_for_provenance_only() -> None:
    """-vv turns on provenance's debug lines, not Pillow's or watchdog's."""
    ours, theirs = logging.getLogger("provenance"), logging.getLogger("PIL")
    before = ours.level
    try:
        result = CliRunner().invoke(cli, ["-vv", "config", "show"])
        assert result.exit_code == 0, result.output
        assert ours.getEffectiveLevel() == logging.DEBUG
        assert theirs.getEffectiveLevel() >= logging.WARNING
    finally:
        ours.setLevel(before)
