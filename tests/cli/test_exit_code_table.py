"""Exit codes, command by command and failure by failure, as the README's table states them.

A script reads the exit code before anything else: 1 must mean "blocked" (or,
for ``verify``, "the ledger does not check out") and nothing else. Every other
failure a person or a pipeline can cause (a usage error, a damaged or missing
settings file, an unknown target, a missing file, no ledger, a question with no
one to answer it, output that cannot be written) is exit 2 with one ``Error:``
line; a reader that goes away (``| head``) is 141, as the shell's SIGPIPE.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from provenance.cli import cli
from provenance.errors import EXIT_CANNOT_RUN, EXIT_CHECK_FAILED, EXIT_OUTPUT_CLOSED
from tests.support.commands import every_command
from tests.support.files import A1111, png

pytestmark = pytest.mark.timeout(120)  # `watch` and `serve` would run until stopped


@dataclass(frozen=True)
class Place:
    """A small show scanned into a SQLite ledger, and the files the failures need."""

    root: Path
    db: str

    @property
    def gen(self) -> str:
        return str(self.root / "show" / "gen.png")

    @property
    def plain(self) -> str:
        return str(self.root / "show" / "plain.png")

    @property
    def damaged(self) -> str:
        return str(self.root / "damaged.toml")

    @property
    def bad_value(self) -> str:
        return str(self.root / "bad-value.toml")

    @property
    def missing(self) -> str:
        return str(self.root / "typo")


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Place:
    """One place for the refusals (each refused before the ledger's signed head matters)."""
    return made_in(tmp_path_factory.mktemp("exits"))


def made_in(root: Path) -> Place:
    png(root / "show" / "gen.png", 1, A1111)
    png(root / "show" / "plain.png", 2)
    (root / "damaged.toml").write_text("workers = [\n", encoding="utf-8")
    (root / "bad-value.toml").write_text('workers = "many"\n', encoding="utf-8")
    (root / "policy.toml").write_text('[provenance]\nunknown = "warn"\n', encoding="utf-8")
    made = Place(root, f"sqlite:///{root / 'ledger.sqlite3'}")
    assert run(["scan", str(root / "show"), "--db", made.db]).exit_code == 0
    return made


def run(args: Sequence[str], runner: CliRunner | None = None, **options: Any) -> Result:
    return (runner or CliRunner()).invoke(cli, list(args), catch_exceptions=False, **options)


def refused(result: Result, code: int = EXIT_CANNOT_RUN, *words: str) -> None:
    """Exit ``code`` with one ``Error:`` line (naming ``words``) and no traceback."""
    said = result.stdout + result.stderr
    assert result.exit_code == code, f"exit {result.exit_code}: {said}"
    assert "Traceback" not in said and "Aborted!" not in said, said
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.startswith("Error: "), result.stderr
    for word in words:
        assert word in last, last


# What each command needs to get as far as reading its settings: real paths and values.
Arguments = Callable[[Place], list[str]]
ARGUMENTS: dict[str, Arguments] = {
    "init": lambda p: [],
    "scan": lambda p: [p.plain],
    "classify": lambda p: [p.plain],
    "history": lambda p: [p.gen],
    "ls": lambda p: [],
    "verify": lambda p: [],
    "config show": lambda p: [],
    "db roles": lambda p: [],
    "checkpoint": lambda p: [],
    "watch": lambda p: [str(Path(p.plain).parent)],
    "status": lambda p: [],
    "service install": lambda p: ["--print"],
    "audit": lambda p: [p.plain],
    "audits": lambda p: [],
    "approve": lambda p: [
        *(p.gen, "--category", "final-deliverable", "--approver", "J", "--reference", p.plain)
    ],
    "revoke": lambda p: ["1", "--reason", "typo"],
    "replace": lambda p: [p.gen, p.plain],
    "expire": lambda p: [],
    "rescreen": lambda p: ["--dry-run"],
    "set-expiry": lambda p: [p.gen, "--until", "2099-01-01"],
    "purge": lambda p: ["--expired", "--dry-run"],
    "restore": lambda p: [p.gen],
    "policy check": lambda p: [str(p.root / "policy.toml")],
    "report": lambda p: [],
    "use-log": lambda p: [],
    "document": lambda p: ["1", "--output", str(p.root / "document.pdf")],
    "serve": lambda p: ["--port", "65000"],
}
COMMANDS = sorted(ARGUMENTS)


def with_config(words: str) -> bool:
    return any(p.name == "config_path" for p in every_command()[words].params)


def test_the_table_names_every_command() -> None:
    groups = {"", "config", "db", "service", "policy"}
    assert set(ARGUMENTS) == set(every_command()) - groups


@pytest.mark.parametrize("words", COMMANDS)
def test_a_usage_error_is_2(words: str, place: Place) -> None:
    result = run([*words.split(), *ARGUMENTS[words](place), "--no-such-option"])
    assert result.exit_code == EXIT_CANNOT_RUN, result.output
    assert "No such option" in result.stderr


@pytest.mark.parametrize("words", [w for w in COMMANDS if with_config(w)])
@pytest.mark.parametrize(
    ("settings", "says"),
    [("damaged", "invalid TOML"), ("missing", "typo"), ("bad_value", "config show")],
)
def test_a_damaged_or_missing_settings_file_is_2(
    words: str, settings: str, says: str, place: Place
) -> None:
    """Every command refuses the settings file it was given, even one that would not use it."""
    config = getattr(place, settings)
    args = [*words.split(), *ARGUMENTS[words](place), "--config", config]
    refused(run(args, env={"PROVENANCE_DB": place.db}), EXIT_CANNOT_RUN, says)


UNKNOWN = "abcdef999999"
# A target that names nothing, for each command that takes one.
UNKNOWN_TARGETS: dict[str, Arguments] = {
    "history": lambda p: [UNKNOWN],
    "ls": lambda p: ["--looks-like", UNKNOWN],
    "approve": lambda p: [UNKNOWN, *ARGUMENTS["approve"](p)[1:]],
    "revoke": lambda p: ["999", "--reason", "typo"],
    "replace": lambda p: [UNKNOWN, p.plain],
    "set-expiry": lambda p: [UNKNOWN, "--until", "2099-01-01"],
    "purge": lambda p: ["--delete", UNKNOWN],
    "restore": lambda p: [UNKNOWN],
    "document": lambda p: ["999", "--output", str(p.root / "document.pdf")],
    "report": lambda p: ["--show", "nosuchshow"],
    "use-log": lambda p: ["--show", "nosuchshow"],
}
# A file or folder that does not exist, for each command that reads or writes one.
MISSING_FILES: dict[str, Arguments] = {
    "scan": lambda p: [p.missing],
    "classify": lambda p: [p.missing],
    "audit": lambda p: [p.missing],
    "watch": lambda p: [p.missing],
    "history": lambda p: [p.missing + ".png"],
    "policy check": lambda p: [p.missing + ".toml"],
    "verify": lambda p: ["--against", p.missing],
    "approve": lambda p: [*ARGUMENTS["approve"](p)[:-1], p.missing + ".pdf"],
    "audit --policy": lambda p: [p.plain, "--policy", p.missing + ".toml"],
    "report --output": lambda p: ["--output", p.missing + "/report.md"],
    "checkpoint --export": lambda p: ["--export", str(Path(p.plain) / "cannot-be-a-folder")],
}


@pytest.mark.parametrize("words", sorted(UNKNOWN_TARGETS))
def test_an_unknown_target_is_2(words: str, place: Place) -> None:
    args = [*words.split(), *UNKNOWN_TARGETS[words](place), "--db", place.db]
    refused(run(args))


@pytest.mark.parametrize("case", sorted(MISSING_FILES))
def test_a_missing_file_is_2(case: str, place: Place) -> None:
    words = case.split(" --", maxsplit=1)[0]
    args = [*words.split(), *MISSING_FILES[case](place)]
    refused(run(args, env={"PROVENANCE_DB": place.db}))


@pytest.mark.parametrize(
    "words", [w for w in COMMANDS if w not in {"init", "scan", "classify", "policy check",
                                               "config show", "service install", "watch",
                                               "serve", "db roles"}]
)  # fmt: skip
def test_no_ledger_at_the_url_is_2(words: str, place: Place, tmp_path: Path) -> None:
    """Commands that read the ledger never create one: a mistyped --db is refused."""
    db = f"sqlite:///{tmp_path / 'typo.sqlite3'}"
    result = run([*words.split(), *ARGUMENTS[words](place), "--db", db])
    refused(result, EXIT_CANNOT_RUN, "no ledger")
    assert not (tmp_path / "typo.sqlite3").exists()


def test_blocked_is_1_and_the_only_1(tmp_path: Path) -> None:
    place = made_in(tmp_path)  # signed by this test's machine key, which the audit trusts
    blocked = run(["audit", place.gen, "--db", place.db, "--no-record"])
    assert blocked.exit_code == EXIT_CHECK_FAILED, blocked.output
    passed = run(["audit", place.plain, "--db", place.db, "--no-record"])
    assert passed.exit_code == 0, passed.output


@pytest.fixture
def quarantined(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A ledger with one expired generated copy moved into quarantine (a fresh ledger per
    test: deleting it for good is what some of them do)."""
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    gen = png(tmp_path / "show" / "gen.png", 1, A1111)
    config = tmp_path / "settings.toml"
    config.write_text(f'quarantine_dir = "{tmp_path / "q"}"\n', encoding="utf-8")
    for args in (["scan", str(gen.parent)], ["set-expiry", str(gen), "--until", "2001-01-01",
                 "--force"], ["expire"], ["purge", "--expired"]):  # fmt: skip
        assert run([*args, "--db", db, "--config", str(config)]).exit_code == 0
    yield db, config


@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_a_question_no_one_can_answer_is_2_naming_the_option(
    quarantined: tuple[str, Path], as_json: list[str]
) -> None:
    """``purge --delete`` in a script without ``--yes``: standard input is closed. It was
    click's "Aborted!" and exit 1, which reads as "blocked"."""
    db, config = quarantined
    result = run(["purge", "--delete", *as_json, "--db", db, "--config", str(config)], input="")
    refused(result, EXIT_CANNOT_RUN, "no answer", "--yes")
    assert (result.stdout == "") == bool(as_json)  # a script reading JSON gets no table
    listed = run(["purge", "--delete", "--dry-run", "--json", "--db", db, "--config", str(config)])
    assert '"quarantine_path"' in listed.stdout  # nothing was deleted


def test_ctrl_c_at_the_question_is_130(
    quarantined: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object, **__: object) -> bool:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise click.Abort from None  # what click.confirm does with Ctrl-C

    monkeypatch.setattr(click, "confirm", interrupted)
    db, config = quarantined
    result = run(["purge", "--delete", "--db", db, "--config", str(config)])
    refused(result, 130, "interrupted")


class _FailingOutput(io.TextIOBase):
    """Standard output that fails every write with ``error`` (a full disk, a closed pipe)."""

    def __init__(self, error: int) -> None:
        self.error = error

    def write(self, text: str) -> int:
        raise OSError(self.error, os.strerror(self.error))  # EPIPE makes a BrokenPipeError


class OutputRunner(CliRunner):
    """A CliRunner whose standard output fails with ``error``; stderr is kept to read."""

    def __init__(self, error: int) -> None:
        super().__init__()
        self.error = error

    @contextmanager
    def isolation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with super().isolation(*args, **kwargs) as streams:
            sys.stdout = _FailingOutput(self.error)  # restored by the isolation
            yield streams


# The commands' outputs: JSON (click.echo), a rich table, a rendered report.
OUTPUTS: Mapping[str, Arguments] = {
    "ls --json": lambda p: ["ls", "--json"],
    "ls": lambda p: ["ls"],
    "verify --json": lambda p: ["verify", "--json"],
    "report": lambda p: ["report"],
    "audit --json": lambda p: ["audit", p.plain, "--json", "--no-record"],
    "history": lambda p: ["history", p.gen],
}


@pytest.mark.parametrize("case", sorted(OUTPUTS))
def test_output_that_cannot_be_written_is_2(case: str, place: Place) -> None:
    """``provenance verify --json > out.json`` on a full disk: it was a traceback and exit 1,
    "the ledger does not check out"."""
    result = run([*OUTPUTS[case](place), "--db", place.db], OutputRunner(errno.ENOSPC))
    refused(result, EXIT_CANNOT_RUN, "No space left on device", "free space")


@pytest.mark.parametrize("case", sorted(OUTPUTS))
def test_a_reader_that_went_away_is_141_and_silent(case: str, place: Place) -> None:
    """``provenance audit PKG --json | head``: click and rich made it exit 1, "blocked"."""
    result = run([*OUTPUTS[case](place), "--db", place.db], OutputRunner(errno.EPIPE))
    assert result.exit_code == EXIT_OUTPUT_CLOSED, result.stderr
    assert "Error" not in result.stderr and "Traceback" not in result.stderr


def test_a_pipe_broken_elsewhere_is_not_taken_for_a_reader_gone(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the answer's own writes mean "the reader went away" (141, silent); a helper's
    pipe breaking is a failure to say (click made it a silent exit 1, "blocked")."""

    def broken(*_: object, **__: object) -> object:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    monkeypatch.setattr("provenance.cli.inspect.answer_for", broken)
    refused(run(["history", place.gen, "--db", place.db]), EXIT_CANNOT_RUN, "pipe")
