"""Names that are not UTF-8 appear escaped (``\\xNN``) in every JSON output, never raw."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from provenance.cli import cli
from provenance.util.names import on_one_line, on_terminal, shown, shown_values
from tests.support.files import A1111, generated_with_odd_name, png
from tests.support.studio import generated_png


def test_valid_text_is_unchanged() -> None:
    assert shown("plate_v001.exr") == "plate_v001.exr"
    assert shown("café/ショット.png") == "café/ショット.png"


def test_undecodable_bytes_are_escaped() -> None:
    name = os.fsdecode(b"bad\xff\xfe.txt")
    assert shown(name) == "bad\\xff\\xfe.txt"
    assert shown_values({name: [name, 3]}) == {"bad\\xff\\xfe.txt": ["bad\\xff\\xfe.txt", 3]}


@given(st.binary(max_size=40))
def test_any_name_becomes_valid_utf8(raw: bytes) -> None:
    shown(os.fsdecode(raw)).encode("utf-8")


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pkg"
    folder.mkdir()
    try:
        (folder / os.fsdecode(b"bad\xff\xfe.txt")).write_bytes(b"notes")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    return folder


def test_classify_json_escapes_names(odd_folder: Path) -> None:
    result = CliRunner().invoke(cli, ["classify", str(odd_folder), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout_bytes.decode("utf-8"))["files"]  # strict UTF-8, or it fails
    assert rows[0]["path"].endswith("bad\\xff\\xfe.txt")


def test_audit_json_escapes_names_the_same_way(odd_folder: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["init", "--db", db]).exit_code == 0
    args = ["audit", str(odd_folder), "--db", db, "--format", "json", "--no-record"]
    result = CliRunner().invoke(cli, args)
    report = json.loads(result.stdout_bytes.decode("utf-8"))
    assert report["files"][0]["path"] == "bad\\xff\\xfe.txt"


def test_the_disclosure_report_signs_and_shows_names_escaped(tmp_path: Path) -> None:
    odd = generated_with_odd_name(tmp_path / "show")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["scan", str(odd), "--db", db]).exit_code == 0
    written = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["report", "--db", db, "--json", "--output", str(written)])
    assert result.exit_code == 0, result.output
    [generated] = json.loads(written.read_bytes().decode("utf-8"))["generated"]  # strict UTF-8
    assert generated["name"] == "gen\\xff.png"
    verified = CliRunner().invoke(cli, ["verify", "--db", db, "--against", str(written)])
    assert verified.exit_code == 0, verified.output


# What a name can make a terminal do: recolour (ESC [), clear (CSI as one C1 byte), ring,
# back over and overwrite what was printed (BS, CR), retitle the window (ESC ]).
COMMANDS_TO_A_TERMINAL = ("\x1b[32mPASS\x1b[0m", "\x9b2J", "\x07", "\x08\x08", "\r", "\x1b]0;t\x07")
_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _hostile_package(folder: Path) -> list[Path]:
    """One generated PNG per command to a terminal, each named with it."""
    return [
        png(folder / f"gen{index}{command}.png", index, A1111)
        for index, command in enumerate(COMMANDS_TO_A_TERMINAL)
    ]


def test_control_characters_in_names_reach_no_terminal(tmp_path: Path) -> None:
    package = _hostile_package(tmp_path / "pkg")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    for args in (["scan", str(package[0].parent)], ["ls"], ["audit", str(package[0].parent)],
                 ["history", str(package[0])]):  # fmt: skip
        result = CliRunner().invoke(cli, [*args, "--db", db])
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert not _RAW.findall(result.output), (args, result.output)
    listed = CliRunner().invoke(cli, ["ls", "--db", db, "--wide"]).stdout
    assert "gen0\\x1b[32mPASS\\x1b[0m.png" in listed and "gen1\\x9b2J.png" in listed


def test_an_error_naming_a_hostile_file_stays_one_line(tmp_path: Path) -> None:
    name = tmp_path / "never\nscanned\x1b[2J.png"
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["init", "--db", db]).exit_code == 0
    result = CliRunner().invoke(cli, ["history", str(name), "--db", db])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ") and "never\\x0ascanned\\x1b[2J.png" in line


def test_what_must_stay_one_line_escapes_unicode_line_separators_too() -> None:
    # str.splitlines (and an EDL reader) ends a line at U+2028 and U+2029 as at a newline.
    text = on_one_line("a\u2028b\u2029c\nd")
    assert text == "a\\u2028b\\u2029c\\x0ad" and len(text.splitlines()) == 1


def test_a_table_is_laid_out_with_names_as_shown(tmp_path: Path) -> None:
    generated_with_odd_name(tmp_path / "show")
    png(tmp_path / "show" / "plain.png", 4)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["scan", str(tmp_path / "show"), "--db", db]).exit_code == 0
    table = CliRunner().invoke(cli, ["ls", "--db", db]).stdout
    assert "gen\\xff.png" in table
    assert len({len(line) for line in table.splitlines()}) == 1, table  # every row as wide


def test_a_newline_in_a_name_stays_in_its_cell(tmp_path: Path) -> None:
    """A name with a newline split its cell: its second half read as the file's folder."""
    show = tmp_path / "show"
    png(show / "take\nsh010.png", 5, A1111)
    db = ["--db", f"sqlite:///{tmp_path / 'ledger.sqlite3'}"]
    assert CliRunner().invoke(cli, ["scan", str(show), *db]).exit_code == 0
    runner = CliRunner(env={"COLUMNS": "200"})
    for args in (["classify", str(show)], ["ls", *db]):
        table = runner.invoke(cli, args).stdout
        assert "take\\x0ash010.png" in table, table


def test_names_that_look_like_rich_markup_are_printed_as_they_are(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    names = ["shot[bold]x.png", "plate[red].png", "comp[/red]v2.png", "\\[dim].png"]
    for index, name in enumerate(names):
        png(package / name, index, A1111)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["scan", str(package), "--db", db]).exit_code == 0
    written = tmp_path / "report[green].json"
    args = ["audit", str(package), "--db", db, "--no-record"]
    table = CliRunner().invoke(cli, args).stdout
    wide = CliRunner(env={"COLUMNS": "250"})  # the whole path on one line, however deep tmp is
    history = wide.invoke(cli, ["history", str(package / names[0]), "--db", db]).stdout
    said = CliRunner().invoke(cli, [*args, "--output", str(written)]).stdout
    for name in names:
        assert name in table, table
    assert names[0] in history and "[automatic1111]" in history, history
    assert str(written) in said and written.is_file()


def test_brackets_in_names_are_text_not_markup(tmp_path: Path) -> None:
    """A folder ``x[`` holding ``bold]y.png``: the path reads as a closing tag of rich markup."""
    generated_png(tmp_path / "pkg" / "x[" / "bold]y.png", 1)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["init", "--db", db]).exit_code == 0
    audited = CliRunner().invoke(cli, ["audit", str(tmp_path / "pkg"), "--db", db, "--no-record"])
    classified = CliRunner().invoke(cli, ["classify", str(tmp_path / "pkg")])
    for result, code in ((audited, 1), (classified, 0)):
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code == code, result.output
        assert "bold]y.png" in result.stdout  # a long path may be folded after its "x[/"
    assert "x[/bold]y.png" in audited.stdout  # the audit's table shows the package's own path


def test_control_characters_are_shown_not_obeyed() -> None:
    assert on_terminal("a\x1b[2J\rb\tc\nd\x9b") == "a\\x1b[2J\\x0db\tc\nd\\x9b"
    assert on_terminal(os.fsdecode(b"bad\xff")) == "bad\\xff"


def test_bidirectional_controls_cannot_reverse_a_name_on_screen(tmp_path: Path) -> None:
    # "comp<RLO>gnp.rxe" is shown "compexr.png" by a terminal that honours the override.
    assert on_terminal("comp\u202egnp.rxe") == "comp\\u202egnp.rxe"
    assert on_terminal("a\u2066b\u2069\u200f") == "a\\u2066b\\u2069\\u200f"
    assert on_terminal("caf\u00e9 \u65e5\u672c \u05e9\u05dc\u05d5\u05dd") == (
        "caf\u00e9 \u65e5\u672c \u05e9\u05dc\u05d5\u05dd"  # letters of any script stay
    )
    generated_png(tmp_path / "pkg" / "comp\u202eexr.png", 1)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["init", "--db", db]).exit_code == 0
    audited = CliRunner().invoke(cli, ["audit", str(tmp_path / "pkg"), "--db", db, "--no-record"])
    assert "\u202e" not in audited.stdout and "comp\\u202eexr.png" in audited.stdout


def test_a_name_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """ESC, carriage return and CSI in a name: the table would clear the screen or overwrite
    ``block`` with ``pass``; they are written ``\\xNN``, in plain cells and styled ones alike."""
    generated_png(tmp_path / "pkg" / "a\x1b[2J\rpass\x9b.png", 1)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert CliRunner().invoke(cli, ["init", "--db", db]).exit_code == 0
    audited = CliRunner().invoke(cli, ["audit", str(tmp_path / "pkg"), "--db", db, "--no-record"])
    classified = CliRunner().invoke(cli, ["classify", str(tmp_path / "pkg")])  # the name in bold
    for result in (audited, classified):
        assert not set("\x1b\r\x9b") & set(result.stdout), repr(result.stdout)
    assert "a\\x1b[2J\\x0dpass\\x9b.png" in audited.stdout


def test_an_error_line_shows_the_controls_of_the_name_it_gives(tmp_path: Path) -> None:
    missing = tmp_path / "nope\x1b]0;title\x07\x1b[2J"
    result = CliRunner().invoke(cli, ["audit", str(missing)], color=True)  # ANSI kept, as a tty
    assert result.exit_code == 2, result.output
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "nope\\x1b]0;title\\x07\\x1b[2J" in result.stderr
