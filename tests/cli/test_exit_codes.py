"""Exit codes that never lie: a typo is exit 2 with one ``Error:`` line, never a clean answer.

Exit 1 means "blocked" and nothing else, so every refusal here must be 2 (or
0 for a declined confirmation), and none may end in a traceback.
"""

from __future__ import annotations

import dataclasses
import errno
import getpass
import hashlib
import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.exc import OperationalError

from provenance.cli import cli
from provenance.cli.group import unforeseen
from provenance.errors import AmbiguousTarget, LedgerUnavailable
from provenance.files.opening import TooLarge
from provenance.store import Ledger
from provenance.store.engine import parse_url
from provenance.store.transactions import translate
from tests.support.factories import observation
from tests.support.files import A1111, png
from tests.support.signing import approver_key, settings_toml


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def refused(result: Result, *words: str) -> str:
    """The one ``Error:`` line of a refusal with exit code 2, checked to name ``words``."""
    assert result.exit_code == 2, result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output + result.stderr
    for word in words:
        assert word in lines[-1], lines[-1]
    return lines[-1]


@pytest.fixture
def show(tmp_path: Path, ledger_url: str) -> Path:
    root = tmp_path / "nightfall" / "sh010"
    png(root / "gen.png", 1, A1111)
    png(root / "plain.png", 2)
    png(tmp_path / "nightfall" / "sh0100" / "other.png", 3)
    assert invoke("scan", str(tmp_path / "nightfall"), "--db", ledger_url).exit_code == 0
    return root


@pytest.mark.parametrize("command", ["scan", "classify"])
def test_a_missing_path_is_refused(command: str, tmp_path: Path, ledger_url: str) -> None:
    args = [command, str(tmp_path / "typo")]
    args += ["--db", ledger_url] if command == "scan" else []
    refused(invoke(*args), "no such file or folder", "typo")


def test_watching_a_missing_folder_is_refused(tmp_path: Path, ledger_url: str) -> None:
    refused(invoke("watch", str(tmp_path / "typo"), "--db", ledger_url), "no such folder")


def test_an_empty_package_is_refused_unless_allowed(tmp_path: Path, ledger_url: str) -> None:
    (tmp_path / "empty").mkdir()
    refused(invoke("audit", str(tmp_path / "empty"), "--db", ledger_url), "holds no files")
    allowed = invoke("audit", str(tmp_path / "empty"), "--db", ledger_url, "--allow-empty")
    assert allowed.exit_code == 0, allowed.output


def test_an_unwritable_output_is_refused_before_the_audit(
    show: Path, tmp_path: Path, ledger_url: str
) -> None:
    out = tmp_path / "missing-folder" / "report.json"
    args = ["audit", str(show), "--db", ledger_url, "--format", "json", "--output", str(out)]
    refused(invoke(*args), "folder does not exist", str(out))
    refused(invoke(*args[:-1], str(tmp_path)), "is a folder")


def test_a_report_output_that_cannot_be_written_is_exit_2(show: Path, ledger_url: str) -> None:
    args = ["report", "--db", ledger_url, "--output", "/nonexistent/x.md"]
    refused(invoke(*args), "folder does not exist")


def test_a_report_scope_that_matches_nothing_names_the_known_shows(
    show: Path, tmp_path: Path, ledger_url: str
) -> None:
    config = tmp_path / "settings.toml"
    root = show.parent
    config.write_text(f'[[shows]]\nname = "nightfall"\nroots = ["{root}"]\n', encoding="utf-8")
    base = ["report", "--db", ledger_url, "--config", str(config)]
    refused(invoke(*base, "--show", "nightfal"), "nothing to report", "nightfall")
    refused(invoke(*base, "--under", str(root / "sh01")), "nothing to report")
    assert invoke(*base, "--show", "nightfall").exit_code == 0


def test_path_filters_mean_below_this_folder(show: Path, ledger_url: str) -> None:
    """``ls /x/sh01`` is the folder sh01, not every name starting with "sh01"."""
    listed = invoke("ls", str(show.parent / "sh01"), "--db", ledger_url, "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == {"assets": []}
    listed = invoke("ls", str(show), "--db", ledger_url, "--json")
    assert listed.stdout.count('"sha256"') == 2
    report = invoke("report", "--db", ledger_url, "--under", str(show), "--format", "json")
    assert '"assets": 2' in report.stdout


def test_path_filters_climb_out_of_the_working_folder(
    show: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From one shot's folder, ``../sh010`` names its neighbour, as the shell would."""
    neighbour = show.parent / "sh0100"
    monkeypatch.chdir(neighbour)
    listed = invoke("ls", "../sh010", "--db", ledger_url, "--json")
    assert listed.stdout.count('"sha256"') == 2, listed.stdout
    report = invoke("report", "--db", ledger_url, "--under", "../sh010/", "--format", "json")
    assert report.exit_code == 0 and '"assets": 2' in report.stdout, report.stderr
    audit = invoke("audit", str(show), "--db", ledger_url)
    assert audit.exit_code == 1  # gen.png: generated and temporary
    audits = invoke("audits", "--db", ledger_url, "--under", "../sh010", "--json")
    assert [a["root"] for a in json.loads(audits.stdout)["audits"]] == [str(show)]


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_a_moment_past_the_last_date_in_utc_is_refused(
    show: Path, ledger_url: str, moment: str
) -> None:
    """In its own zone the date is valid; in UTC, where the ledger keeps it, it does not exist."""
    gen = str(show / "gen.png")
    approve = ["approve", gen, "--category", "final-deliverable", "--approver", "Jane Doe",
               "--reference", str(show / "plain.png"), "--print-message"]  # fmt: skip
    commands = [["ls", "--since", moment], ["report", "--since", moment],
                ["set-expiry", gen, "--until", moment, "--force"],
                [*approve, "--expires", moment]]  # fmt: skip
    for args in commands:
        result = CliRunner().invoke(cli, [*args, "--db", ledger_url])
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        refused(result, "outside the years 1 to 9999")


def test_closed_vocabularies_are_checked(show: Path, ledger_url: str) -> None:
    refused(invoke("ls", "--status", "temprary", "--db", ledger_url), "temprary")
    refused(invoke("ls", "--tool", "nosuchtool", "--db", ledger_url), "unknown tool")


@pytest.mark.parametrize("spelling", ["automatic1111", "AUTOMATIC1111", "Automatic1111"])
def test_tool_names_match_in_any_case(show: Path, ledger_url: str, spelling: str) -> None:
    listed = invoke("ls", "--tool", spelling, "--db", ledger_url, "--json")
    assert listed.exit_code == 0 and listed.stdout.count('"sha256"') == 1


def test_a_past_expiry_needs_force(show: Path, ledger_url: str) -> None:
    target = str(show / "gen.png")
    args = ["set-expiry", target, "--until", "2020-01-01", "--db", ledger_url]
    refused(invoke(*args), "in the past", "--force")
    assert invoke(*args, "--force").exit_code == 0


def test_declining_a_purge_is_nothing_done_and_exit_0(show: Path, ledger_url: str) -> None:
    gen = str(show / "gen.png")
    assert invoke("set-expiry", gen, "--until", "2020-01-01", "--force", "--db", ledger_url)
    assert invoke("expire", "--db", ledger_url).exit_code == 0
    assert invoke("purge", "--expired", "--db", ledger_url).exit_code == 0
    declined = invoke("purge", "--delete", "--db", ledger_url, input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "Nothing done" in declined.stdout
    still = invoke("purge", "--delete", "--dry-run", "--json", "--db", ledger_url)
    assert still.exit_code == 0 and '"quarantine_path"' in still.stdout


def test_postgres_urls_work_like_postgresql() -> None:
    assert parse_url("postgres://127.0.0.1/test").get_backend_name() == "postgresql"
    assert parse_url("postgres+psycopg://h/db").drivername == "postgresql+psycopg"


def test_a_read_only_ledger_says_so_and_suggests_no_record(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    readonly = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(LedgerUnavailable) as caught, translate("ledger"):
        try:
            readonly.execute("INSERT INTO t VALUES (1)")
        except sqlite3.OperationalError as exc:
            raise OperationalError("INSERT", {}, exc) from exc
    assert "read-only" in caught.value.message and "--no-record" in caught.value.message
    assert "server" not in caught.value.message


def test_a_full_disk_says_the_disk_is_full() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    with pytest.raises(LedgerUnavailable) as caught, translate("ledger"):
        raise OperationalError("INSERT", {}, full)
    assert "disk holding the ledger is full" in caught.value.message
    assert "server" not in caught.value.message


def test_a_ledger_locked_by_another_program_says_so(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")  # another program, mid-transaction
    waiting = sqlite3.connect(path, timeout=0)
    with pytest.raises(LedgerUnavailable) as caught, translate("ledger"):
        try:
            waiting.execute("INSERT INTO t VALUES (1)")
        except sqlite3.OperationalError as exc:
            raise OperationalError("INSERT", {}, exc) from exc
    holder.execute("ROLLBACK")
    assert "write lock" in caught.value.message and "fuser" in caught.value.message
    assert "server" not in caught.value.message


def _asset_shas(ledger_url: str) -> list[str]:
    listed = invoke("ls", "--db", ledger_url, "--json")
    return [entry["sha256"] for entry in json.loads(listed.stdout)["assets"]]


def test_any_unique_prefix_of_six_digits_works(show: Path, ledger_url: str) -> None:
    sha = _asset_shas(ledger_url)[0]
    shown = invoke("history", sha[:6], "--db", ledger_url, "--json")
    assert shown.exit_code == 0 and sha in shown.stdout
    refused(invoke("history", sha[:2], "--db", ledger_url), "at least 6 hex digits")


def test_ambiguity_names_candidates(ledger: Ledger) -> None:
    """Two assets sharing a 6-digit prefix, built directly: the error lists both."""
    shas = ["abcdef" + "0" * 58, "abcdef" + "1" * 58]
    for n, sha in enumerate(shas):
        seen = observation(f"asset{n}", f"/show/asset{n}.png")
        ledger.record(
            [dataclasses.replace(seen, asset=dataclasses.replace(seen.asset, sha256=sha))]
        )
    with pytest.raises(AmbiguousTarget) as caught:
        ledger.assets.resolve("abcdef")
    assert all(sha[:16] in caught.value.message for sha in shas)


def test_document_takes_approval_numbers_and_prefixes(
    show: Path, tmp_path: Path, ledger_url: str
) -> None:
    consent = tmp_path / "consent.pdf"
    consent.write_bytes(b"%PDF-1.4 signed consent")
    config = tmp_path / "approvers.toml"
    config.write_text(f'approvers = ["{getpass.getuser()}"]\n{settings_toml()}', encoding="utf-8")
    approved = invoke(
        "approve", str(show / "gen.png"), "--category", "final-deliverable", "--approver",
        "Jane Doe", "--reference", str(consent), "--db", ledger_url, "--config", str(config),
        "--sign-with", str(approver_key()),
    )  # fmt: skip
    assert approved.exit_code == 0, approved.output
    sha = hashlib.sha256(consent.read_bytes()).hexdigest()
    for name in ("1", "#1", sha[:8], sha):
        target = tmp_path / f"out-{name.strip('#')}.pdf"
        done = invoke("document", name, "--output", str(target), "--db", ledger_url)
        assert done.exit_code == 0, done.output
        assert target.read_bytes() == consent.read_bytes()
    refused(invoke("document", "#99", "--output", str(tmp_path / "x"), "--db", ledger_url))
    refused(invoke("document", "ab", "--output", str(tmp_path / "x"), "--db", ledger_url), "6")


def test_config_show_says_where_it_looked_and_keeps_table_names(tmp_path: Path) -> None:
    shown = invoke("config", "show")
    assert shown.exit_code == 0
    first = shown.stdout.splitlines()[0]
    assert first.startswith("settings file: (none; looked for $PROVENANCE_CONFIG")
    assert "[[folder_rules]] tables" in shown.stdout
    data = json.loads(invoke("config", "show", "--json").stdout)
    assert data["config_file"] is None and len(data["looked_in"]) == 2


def test_a_service_for_a_missing_settings_file_is_refused(tmp_path: Path) -> None:
    args = ["service", "install", "--config", str(tmp_path / "nope.toml"), "--print"]
    refused(invoke(*args), "no such settings file")


def test_approve_takes_a_sequence_and_acts_on_its_generated_frames(
    tmp_path: Path, ledger_url: str
) -> None:
    comp = tmp_path / "comp"
    for frame in (1001, 1002, 1004):
        png(comp / f"sh010_comp_v003.{frame}.png", frame)
    png(comp / "sh010_comp_v003.1003.png", 1003, A1111)
    png(tmp_path / "plates" / "plate.1001.png", 1)
    png(tmp_path / "plates" / "plate.1002.png", 2)
    assert invoke("scan", str(tmp_path), "--db", ledger_url).exit_code == 0
    consent = tmp_path / "consent.pdf"
    consent.write_bytes(b"%PDF-1.4 signed")
    config = tmp_path / "approvers.toml"
    config.write_text(f'approvers = ["{getpass.getuser()}"]\n{settings_toml()}', encoding="utf-8")
    base = ["--category", "final-deliverable", "--approver", "Jane Doe", "--reference",
            str(consent), "--db", ledger_url, "--config", str(config),
            "--sign-with", str(approver_key())]  # fmt: skip
    done = invoke("approve", str(comp / "sh010_comp_v003.1001-1004#.png"), *base)
    assert done.exit_code == 0, done.output + done.stderr
    assert "Recorded 1 approval(s)." in done.stdout and "sh010_comp_v003.1003.png" in done.stdout
    line = refused(invoke("approve", str(tmp_path / "plates" / "plate.1001-1002#.png"), *base))
    assert "no frame of this sequence is generated (plate.1001.png, plate.1002.png)" in line
    line = refused(invoke("approve", str(tmp_path / "plates" / "plate.1001.png"), *base))
    assert "not a generated asset" in line and "plate.1001.png" in line


def test_set_expiry_takes_a_sequence_and_changes_its_generated_frames(
    tmp_path: Path, ledger_url: str
) -> None:
    comp = tmp_path / "comp"
    png(comp / "sh020.1001.png", 1)
    png(comp / "sh020.1002.png", 2, A1111)
    assert invoke("scan", str(tmp_path), "--db", ledger_url).exit_code == 0
    done = invoke("set-expiry", str(comp / "sh020.1001-1002#.png"), "--until", "2099-01-01",
                  "--db", ledger_url, "--json")  # fmt: skip
    assert done.exit_code == 0, done.output + done.stderr
    changed = json.loads(done.stdout)["assets"]
    assert len(changed) == 1 and changed[0]["expires_at"].startswith("2099-01-01")


def _damaged_ledgers(folder: Path) -> dict[str, Path]:
    """A truncated ledger (scanned, then cut short) and a file that holds no database at all."""
    whole = folder / "whole.sqlite3"
    png(folder / "media" / "plain.png", 1)
    assert invoke("scan", str(folder / "media"), "--db", f"sqlite:///{whole}").exit_code == 0
    cut = folder / "cut.sqlite3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 4])
    garbage = folder / "garbage.sqlite3"
    garbage.write_bytes(hashlib.sha256(b"not a ledger").digest() * 2048)
    return {"cut": cut, "garbage": garbage}


@pytest.mark.parametrize("command", [["ls"], ["verify"], ["audit"], ["scan"], ["init"]])
def test_a_damaged_ledger_file_is_refused_in_one_line(command: list[str], tmp_path: Path) -> None:
    package = tmp_path / "package"
    png(package / "frame.png", 2)
    paths = [str(package)] if command[0] in ("audit", "scan") else []
    for path in _damaged_ledgers(tmp_path).values():
        result = CliRunner().invoke(cli, [*command, *paths, "--db", f"sqlite:///{path}"])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        refused(result, "damaged", str(path))


@pytest.mark.parametrize("command", ["init", "ls", "verify"])
def test_a_ledger_from_a_newer_provenance_is_refused(command: str, tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    assert invoke("init", "--db", f"sqlite:///{path}").exit_code == 0
    with sqlite3.connect(path) as future:
        future.execute("UPDATE alembic_version SET version_num = '9999'")
    future.close()
    result = CliRunner().invoke(cli, [command, "--db", f"sqlite:///{path}"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    refused(result, "9999 is newer", "upgrade provenance")


@pytest.mark.timeout(60)  # were it to listen after all, it would serve until stopped
def test_serve_on_a_port_another_program_holds_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert invoke("init", "--db", db).exit_code == 0
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        result = CliRunner().invoke(cli, ["serve", "--db", db, "--port", port])
    line = refused(result, f"127.0.0.1:{port}", "another --port")
    assert "Serving" not in result.stdout  # it never said it served where it could not
    name = CliRunner().invoke(
        cli, ["serve", "--db", db, "--host", "nowhere.invalid", "--token", "t"]
    )
    refused(name, "nowhere.invalid")
    assert line.startswith("Error: cannot listen there")


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["scan", "audit"])
def test_a_server_taking_no_writes_is_a_refusal(
    pg_schema_url: str, tmp_path: Path, command: str
) -> None:
    """A hot standby, or a login with default_transaction_read_only: exit 2, not a traceback
    and exit 1 (which says "blocked")."""
    assert invoke("init", "--db", pg_schema_url).exit_code == 0
    read_only = pg_schema_url + quote(" -cdefault_transaction_read_only=on")
    path = png(tmp_path / "package" / "plate.png", 1)
    line = refused(invoke(command, str(path.parent), "--db", read_only), "takes no writes")
    assert "read-only transaction" in line
    assert invoke("audit", "--no-record", str(path.parent), "--db", read_only).exit_code == 0


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (OSError(errno.EACCES, "Permission denied", "/share/out"), "(Permission denied): /share"),
        (RuntimeError("a state no code expected"), "this is a bug in provenance"),
        # EFBIG like a write past the file size limit, but a read: not "no room left".
        (TooLarge("/share/in.json", 100), "cannot use a file or folder (larger than 100 bytes)"),
    ],
    ids=["unforeseen file failure", "bug", "a file read past its limit"],
)
def test_an_exception_no_check_foresaw_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception, said: str
) -> None:
    """Python's own ending is a traceback and exit code 1, which reads as "blocked"."""

    def fails(*_: object) -> None:
        raise failure

    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert invoke("init", "--db", db).exit_code == 0
    # The real boundary, imported before conftest's _bugs_surface replaced it.
    monkeypatch.setattr("provenance.cli.group.unforeseen", unforeseen)
    monkeypatch.setattr("provenance.cli.anchors.export_checkpoint", fails)
    result = CliRunner().invoke(cli, ["checkpoint", "--db", db])
    line = refused(result, said)
    assert "Traceback" not in result.output
    verbose = CliRunner().invoke(cli, ["-v", "checkpoint", "--db", db])
    assert verbose.exit_code == 2
    assert ("Traceback" in verbose.stderr) is isinstance(failure, RuntimeError), verbose.stderr
    assert line == verbose.stderr.strip().splitlines()[-1]


def _abort(interrupted: bool) -> None:
    """What click.prompt and click.confirm raise: Abort, for Ctrl-C and end of input alike."""
    try:
        if interrupted:
            raise KeyboardInterrupt
        raise EOFError
    except (KeyboardInterrupt, EOFError) as exc:
        raise click.Abort from exc


@pytest.mark.parametrize(
    ("interrupted", "code", "said"),
    [(False, 2, "no answer to the command's question: standard input is closed"),
     (True, 130, "interrupted")],
    ids=["end of input", "Ctrl-C"],
)  # fmt: skip
def test_a_question_no_one_answers_is_never_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupted: bool, code: int, said: str
) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert invoke("init", "--db", db).exit_code == 0
    monkeypatch.setattr("provenance.cli.anchors.export_checkpoint", lambda *_: _abort(interrupted))
    result = CliRunner().invoke(cli, ["checkpoint", "--db", db])
    assert result.exit_code == code, result.output + result.stderr
    assert result.stderr.startswith(f"Error: {said}"), result.stderr


NAMES_TOO_LONG = {
    "one name past NAME_MAX": "x" * 300 + ".png",
    "a path past PATH_MAX": "d/" * 3000 + "x.png",
}


@pytest.mark.parametrize("name", NAMES_TOO_LONG.values(), ids=NAMES_TOO_LONG.keys())
def test_a_name_too_long_for_the_system_is_not_in_the_ledger(
    name: str, show: Path, ledger_url: str
) -> None:
    # Path.is_file raises ENAMETOOLONG before Python 3.14: it was a traceback and exit 1.
    refused(invoke("history", str(show / name), "--db", ledger_url), "no such file")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    "command", [["audit", "--no-record", "--format", "json"], ["ls", "--json"]]
)
def test_an_answer_that_does_not_fit_on_the_disk_is_exit_2(
    command: list[str], show: Path, ledger_url: str
) -> None:
    # `audit > report.json` on a full disk was a traceback and exit 1: "blocked".
    args = [*command[:1], str(show), *command[1:]] if command[0] == "audit" else command
    with Path("/dev/full").open("w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "provenance", *args, "--db", ledger_url],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: no room left to write the answer") and "standard output" in line


@pytest.mark.parametrize("command", ["report", "use-log"])
def test_nothing_new_since_a_date_is_an_answer_not_a_typo(
    command: str, show: Path, ledger_url: str
) -> None:
    since = ["--since", "2999-01-01", "--json", "--db", ledger_url]
    quiet = invoke(command, "--show", "nightfall", *since)
    assert quiet.exit_code == 0, quiet.stderr  # was "no asset was ever seen ... check the spelling"
    assert json.loads(quiet.stdout)["title"] == "nightfall"
    refused(invoke(command, "--show", "nightfal", *since), "no asset was ever seen")


def test_a_text_too_long_to_search_for_is_refused_in_its_own_words(
    show: Path, ledger_url: str
) -> None:
    """SQLite takes LIKE patterns of at most 50,000 bytes: a longer show or folder is no
    ledger that is down (the advice was to check the database server)."""
    long = "a" * 60_000
    for args in (["report", "--show", long], ["ls", f"/{long}"], ["use-log", "--show", long]):
        result = invoke(*args, "--db", ledger_url)
        if ledger_url.startswith("sqlite"):
            refused(result, "longer than the ledger can search for", "a shorter part")
        else:  # PostgreSQL searches for it, and finds nothing
            assert result.exit_code in (0, 2) and "database server" not in result.stderr
