"""Progress for long work, drawn on a terminal: a bar per stage, and each stage's time after.

Stderr is made a terminal by swapping the CLI's stderr console for one that
writes to a buffer with ``force_terminal``; what the bars said is read back
from it. No assertion is about time.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from rich.console import Console

from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli, options
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.files import A1111, png
from tests.support.generated import big_generated_png


class Screen(io.StringIO):
    """What a terminal shows, kept to read: a stream that is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Stderr as a 160-column terminal: the bars are drawn, and kept here to read."""
    screen = Screen()
    monkeypatch.setattr(options, "err", Console(file=screen, force_terminal=True, width=160))
    return screen


def shown(screen: io.StringIO) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "show"
    png(root / "gen.png", 1, A1111)
    for n in range(4):
        png(root / "plates" / f"plate.{1001 + n}.png", 10 + n)
    return root


def test_scan_draws_a_bar_for_every_stage_with_counts_bytes_and_rates(
    tree: Path, ledger_url: str, terminal: io.StringIO
) -> None:
    done = CliRunner().invoke(cli, ["scan", str(tree), "--db", ledger_url])
    assert done.exit_code == 0, done.output
    screen = shown(terminal)
    for words in ("walking", "reading", "5/5 files", "files/s", "KiB", "fingerprints",
                  "descriptions", "pictures/s"):  # fmt: skip
        assert words in screen, (words, screen)


def test_the_scan_summary_gives_each_stage_its_time_and_the_total(
    tree: Path, ledger_url: str
) -> None:
    table = CliRunner().invoke(cli, ["scan", str(tree), "--db", ledger_url]).stdout
    assert re.search(r"walk\s+5 files in \d+\.\d\d s", table), table
    assert re.search(r"read and recorded\s+\d+ B in \d+\.\d\d s \([\d.]+ K?i?B/s\)", table)
    assert re.search(r"likeness stage\s+\d+ pictures fingerprinted in \d+\.\d\d s", table)
    assert re.search(r"  fingerprints\s+5 pictures looked at in \d+\.\d\d s", table)
    assert re.search(r"  descriptions\s+\d pictures looked at in \d+\.\d\d s", table)
    assert re.search(r"total\s+\d+\.\d\d s, start to end", table)
    png(tree / "later.png", 99)
    data = json.loads(CliRunner().invoke(cli, ["scan", str(tree), "--db", ledger_url,
                                               "--json"]).stdout)  # fmt: skip
    stages = {s["stage"]: s for s in data["stages"]}
    assert stages["walk"]["count"] == 6 and stages["reading"]["count"] == 6
    assert stages["fingerprints"] == {**stages["fingerprints"], "unit": "pictures", "count": 1}
    took = sum(s["seconds"] for s in data["stages"])
    assert data["wall_seconds"] >= took - 0.01


@pytest.fixture
def delivery(tmp_path: Path, ledger_url: str) -> Path:
    """A package holding a resized copy of a generated picture and three plates of noise."""
    generated = big_generated_png(tmp_path / "work" / "gen.png", 200)
    assert (
        CliRunner().invoke(cli, ["scan", str(generated.parent), "--db", ledger_url]).exit_code == 0
    )
    root = tmp_path / "delivery"
    root.mkdir()
    with Image.open(generated) as picture:
        picture.resize((150, 150)).save(root / "copy.png")
    for n in range(3):
        big_generated_png(tmp_path / "noise" / f"{n}.png", 64 + n)
        with Image.open(tmp_path / "noise" / f"{n}.png") as noise:
            noise.save(root / f"plate{n}.png")  # the pixels, without the markers
    return root


def test_the_audit_counts_the_files_of_its_later_stages(delivery: Path, ledger_url: str) -> None:
    told: list[str] = []
    with Ledger(ledger_url) as ledger:
        audit(delivery, ledger, Settings(db=ledger_url),
              AuditOptions(record=False, on_item=told.append))  # fmt: skip
    assert told.count("classify") == 4  # none of them is in the ledger
    assert told.count("fingerprint") == 4  # every picture that could be a copy
    assert set(told) <= {"classify", "fingerprint", "regions", "segments"}


def test_audit_draws_a_bar_for_each_stage(
    delivery: Path, ledger_url: str, terminal: io.StringIO
) -> None:
    done = CliRunner().invoke(cli, ["audit", str(delivery), "--db", ledger_url, "--no-record"])
    assert done.exit_code == 1, done.output  # the copy of the generated picture blocks
    screen = shown(terminal)
    for words in ("auditing: hashing", "4/4 files", "files/s", "KiB", "auditing: classifying",
                  "auditing: fingerprinting",
                  "4 pictures", "pictures/s", "auditing: checking the ledger"):  # fmt: skip
        assert words in screen, (words, screen)


def test_verify_draws_a_bar_of_the_events_it_checks(
    tree: Path, ledger_url: str, terminal: io.StringIO
) -> None:
    assert CliRunner().invoke(cli, ["scan", str(tree), "--db", ledger_url]).exit_code == 0
    with Ledger(ledger_url) as ledger:
        head, _ = ledger.checkpoints.head()
    terminal.truncate(0)
    done = CliRunner().invoke(cli, ["verify", "--db", ledger_url])
    assert done.exit_code == 0, done.output
    screen = shown(terminal)
    assert "verifying events" in screen and f"{head}/{head}" in screen, screen


BARS = ("walking", "reading", "verifying events", "screening", "auditing:", "files/s")


@pytest.mark.parametrize(
    "command",
    [["scan", "--json"], ["audit", "--json", "--no-record"],
     ["audit", "--format", "json", "--no-record"], ["verify", "--json"],
     ["rescreen", "--json"]],
)  # fmt: skip
def test_json_output_draws_no_bars_even_on_a_terminal(
    command: list[str], tree: Path, ledger_url: str, terminal: io.StringIO
) -> None:
    """``--json`` is for a script: its stderr (a log, a CI step) gets no bars either."""
    assert CliRunner().invoke(cli, ["scan", str(tree), "--db", ledger_url]).exit_code == 0
    terminal.seek(0)
    terminal.truncate(0)
    paths = [str(tree)] if command[0] in ("scan", "audit") else []
    done = CliRunner().invoke(cli, [command[0], *paths, *command[1:], "--db", ledger_url])
    assert done.exit_code in (0, 1), done.output  # the audit blocks gen.png
    json.loads(done.stdout)
    screen = shown(terminal)
    assert not [word for word in BARS if word in screen], screen


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_a_pipe_gets_no_bars_when_colour_is_forced(
    variable: str, tree: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI jobs set FORCE_COLOR for colour; rich then takes their log for a terminal, and a
    scan wrote its bars, redrawn ten times a second, into it."""
    monkeypatch.setenv(variable, "1")
    # made as the process starts, with the variable set: rich reads it then too
    monkeypatch.setattr(options, "err", options.NamesConsole(stderr=True))
    for command in (["scan", str(tree)], ["verify"], ["audit", str(tree), "--no-record"]):
        done = CliRunner().invoke(cli, [*command, "--db", ledger_url])
        assert done.exit_code in (0, 1), done.output
        assert not [word for word in BARS if word in done.stderr], done.stderr


def test_tty_interactive_turns_the_bars_on_or_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    assert options.draws_progress(Console(file=io.StringIO()))
    monkeypatch.setenv("TTY_INTERACTIVE", "0")
    assert not options.draws_progress(Console(file=Screen(), force_terminal=True))


@pytest.mark.parametrize("as_json", [False, True])
def test_purge_counts_the_assets_it_quarantines_and_the_copies_it_checks(
    as_json: bool, tree: Path, ledger_url: str, terminal: io.StringIO, tmp_path: Path
) -> None:
    """Moving or hashing many big copies takes a while: a bar on a terminal, none with JSON."""
    config = tmp_path / "settings.toml"
    config.write_text(f'quarantine_dir = "{tmp_path / "q"}"\n', encoding="utf-8")
    base = ["--db", ledger_url, "--config", str(config)]
    gen = str(tree / "gen.png")
    for args in (["scan", str(tree)], ["set-expiry", gen, "--until", "2001-01-01", "--force"]):
        assert CliRunner().invoke(cli, [*args, *base]).exit_code == 0
    json_flag = ["--json"] if as_json else []
    for args in (["purge", "--expired"], ["purge", "--delete", "--yes"]):
        done = CliRunner().invoke(cli, [*args, *json_flag, *base])
        assert done.exit_code == 0, done.output
    screen = shown(terminal)
    drawn = [words for words in ("quarantining", "checking before deleting") if words in screen]
    assert drawn == ([] if as_json else ["quarantining", "checking before deleting"]), screen
