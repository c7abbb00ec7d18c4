"""The ``provenance`` command group: where commands are found, and how errors end them.

Every command lives in a module of :mod:`provenance.cli` named for its family
and registers itself on :func:`cli` when that module is imported. A module is
imported only when one of its commands runs (or for ``--help``), so ``scan``
does not pay for the audit's imports and starts hashing before the ledger's
modules (SQLAlchemy) have loaded.

Every :class:`~provenance.errors.ProvenanceError` becomes one line
``Error: <what>: <where>. <what to do>`` on stderr and its exit code:

* 0: done, nothing wrong;
* 1: a check failed (``verify`` found a broken chain);
* 2: the command could not be carried out (bad arguments or settings, unknown
  target, ledger unreachable or out of date, refused by the database's roles);
* 130: interrupted (Ctrl-C);
* 141: the program reading the output went away first (``provenance ls | head``).

Never 1 for anything else: a question nobody can answer (standard input
closed), or output that cannot be written (a full disk), is exit 2. So is a
file operation that fails where no check foresaw it (``OSError``), and any
other exception: a bug, said in one line (``-v`` adds the traceback), never
Python's traceback and exit code 1, which would read as "blocked".
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import io
import logging
import os
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import click

from provenance import __version__
from provenance.errors import (
    EXIT_CANNOT_RUN,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_CLOSED,
    NO_ROOM,
    NoAnswer,
    OutOfSpace,
    ProvenanceError,
)
from provenance.files.opening import TooLarge
from provenance.util.collector import collector_paused
from provenance.util.logs import LogSetup, PlainLogFormatter, carry_into_workers
from provenance.util.names import on_one_line, register_shown_errors
from provenance.util.spelling import closest

FULL = NO_ROOM | {errno.EFBIG}
"""What a write that ran out of room fails with: the disk, the user's quota, the file size limit."""

INTERRUPTED = (
    "interrupted: what was already recorded in the ledger stays (every write is a whole"
    " transaction); run the command again to finish"
)

# Each command and the module that defines it, in the order the reference lists them.
COMMANDS = {
    "init": "provenance.cli.ledger",
    **dict.fromkeys(("scan", "classify"), "provenance.cli.ingest"),
    **dict.fromkeys(("history", "ls"), "provenance.cli.inspect"),
    **dict.fromkeys(("verify", "config"), "provenance.cli.ledger"),
    "db": "provenance.cli.db",
    "checkpoint": "provenance.cli.anchors",
    **dict.fromkeys(("watch", "status", "service"), "provenance.cli.watch"),
    **dict.fromkeys(("audit", "audits"), "provenance.cli.audit"),
    **dict.fromkeys(
        ("approve", "revoke", "replace", "expire", "rescreen", "set-expiry", "purge", "restore"),
        "provenance.cli.lifecycle",
    ),
    **dict.fromkeys(("policy", "report", "use-log", "document"), "provenance.cli.reports"),
    "serve": "provenance.cli.serve",
}  # fmt: skip


class ProvenanceGroup(click.Group):
    """A click group that turns :class:`ProvenanceError` into a one-line message and exit code.

    It finds each command of :data:`COMMANDS` by importing its module on demand.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loaded or not, sorted."""
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def load_all(self) -> MutableMapping[str, click.Command]:
        """Every command, in the order the reference lists them (that of :data:`COMMANDS`)."""
        for module in dict.fromkeys(COMMANDS.values()):
            importlib.import_module(module)
        order = list(COMMANDS)
        return dict(sorted(self.commands.items(), key=lambda item: order.index(item[0])))

    def command_paths(self) -> list[list[str]]:
        """The group itself, each command and each subcommand, as the reference lists them."""
        found: list[list[str]] = [[]]
        for name, command in self.load_all().items():
            found.append([name])
            if isinstance(command, click.Group):
                found += [[name, sub] for sub in command.commands]
        return found

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing the module that defines it when needed."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            # What a command imports lives as long as the process: frozen, it
            # is never walked again by the collector's full passes. Left in
            # reach, one of them (during an audit's listing, set off by the
            # paths it makes) walked all of SQLAlchemy and cost a known
            # package's audit 0.05 s of its 1 s; and one set off by the
            # imports themselves walked what the freeze takes out (0.025 s).
            with collector_paused():
                importlib.import_module(COMMANDS[cmd_name])
                gc.freeze()
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command ``args`` name; a misspelt one is refused with the name meant."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            meant = closest(name, self.list_commands(ctx))
            # click's own wording, as its subgroups (`db`, `service`) answer
            ctx.fail(f"No such command '{name}'." + (f" Did you mean '{meant}'?" if meant else ""))
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; errors meant for people become ``Error: ...`` lines."""
        _show_names_escaped()
        try:
            return self._invoke_explained(ctx)
        except ProvenanceError as exc:
            click.echo(f"Error: {on_one_line(exc.message)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1: for `audit`, 1 means "blocked".
            click.echo(f"Error: {INTERRUPTED}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except OutputClosed:
            # Click's own answer is exit 1, which says "blocked"; a reader that stopped
            # reading (`| head`) ends the command as SIGPIPE would, silently.
            sys.stdout = _ClosedOutput(sys.stdout)
            ctx.exit(EXIT_OUTPUT_CLOSED)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # click's own endings: usage errors, --help, ctx.exit
        except Exception as exc:  # noqa: BLE001 - the last boundary: no exit code 1 for a bug
            # A bug. Said as one line with an honest exit code; the traceback is
            # for the report, on asking.
            if ctx.params.get("verbose"):
                traceback.print_exc()
            click.echo(f"Error: {on_one_line(unforeseen(exc))}", err=True)
            ctx.exit(EXIT_CANNOT_RUN)

    def _invoke_explained(self, ctx: click.Context) -> Any:
        """Run the command, with the failures click and the OS report in their own words
        (``Aborted!``, a traceback, exit 1) made :class:`ProvenanceError`s."""
        try:
            return super().invoke(ctx)
        except click.Abort as exc:
            fix = "run it in a terminal to answer, or give the option that answers it"
            raise unanswered(exc, "the command's question", fix) from None
        except OutputClosed:
            raise
        except BrokenPipeError as exc:
            # Not standard output (that is OutputClosed): a helper's pipe. Click would
            # exit 1 in silence, which says "blocked".
            raise ProvenanceError(
                f"a pipe to a helper process closed ({exc.strerror})",
                fix="run the command again; if it happens again, run it with -vv and report it",
            ) from exc
        except OSError as exc:
            # TooLarge is EFBIG too, but a file read past its reader's limit, not a write.
            if exc.errno not in FULL or isinstance(exc, TooLarge):
                # A file or folder no check named first. Python's own ending would be
                # a traceback and exit code 1, which means "blocked".
                raise ProvenanceError(
                    f"cannot use a file or folder ({exc.strerror or exc})",
                    where=exc.filename,
                    fix="check the path, its folder and this user's permissions, then run the"
                    " command again",
                ) from exc
            # `audit > report.json` on a full disk: what standard output still buffers
            # would fail again on the way out, after the one line that says so.
            _silence_stdout()
            raise OutOfSpace(
                f"no room left to write the answer ({exc.strerror})",
                where=exc.filename or "the standard output",
                fix="free space there (or send it elsewhere), then run the command again (the"
                " ledger keeps what it recorded)",
            ) from exc


def unanswered(exc: click.Abort, question: str, fix: str) -> BaseException:
    """What a prompt's :class:`click.Abort` stands for: Ctrl-C (the ``KeyboardInterrupt``
    it came from), or ``question`` with no one to answer it (standard input closed);
    click raises Abort for both alike."""
    if isinstance(exc.__context__, KeyboardInterrupt):
        return exc.__context__
    return NoAnswer(f"no answer to {question}: standard input is closed", fix=fix)


def unforeseen(exc: Exception) -> str:
    """The ``Error:`` text of an exception no code expected: a bug in provenance."""
    return (
        f"unexpected failure ({type(exc).__name__}: {exc}); this is a bug in provenance."
        " run the command again with -v for the traceback, and report it with that"
    )


def _silence_stdout() -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a file descriptor (a test's runner): nothing left to flush there


class OutputClosed(BrokenPipeError):
    """The program reading standard output went away (``| head``): raised by the writes of
    a command's answer only (:func:`echo_out`, the consoles), so a pipe broken elsewhere (a
    worker's) is never taken for it."""


def echo_out(text: str, nl: bool = True) -> None:
    """``click.echo`` of a command's answer to standard output."""
    try:
        click.echo(text, nl=nl)
    except BrokenPipeError as exc:
        raise OutputClosed(*exc.args) from exc


class _ClosedOutput(io.TextIOBase):
    """Standard output once its reader went away: what is left in its buffer is dropped.

    The interpreter flushes standard output as it exits; flushing into the
    closed pipe again would print a traceback after the command had ended.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.flush()


def _show_names_escaped() -> None:
    # A file name that is not UTF-8 is printed with its odd bytes as \xNN,
    # in every table, log line and error (see provenance.util.names), never
    # as raw bytes and never as a crash half-way through a report.
    errors = register_shown_errors()
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=errors)


@click.group(cls=ProvenanceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """Track where every file in a pipeline came from, and whether generative AI made it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PlainLogFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    carry_into_workers(log_as)
    # -v speaks for provenance only: Pillow's and watchdog's debug output
    # would drown what a person asked to see.
    if verbose:
        logging.getLogger("provenance").setLevel(logging.WARNING - 10 * min(verbose, 2))


def log_as(setup: LogSetup) -> None:
    """Log to stderr as ``setup`` says: ``watch``'s daemon lines, and in a worker process its
    parent's (see :mod:`provenance.util.logs`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(setup.formatter)
    logging.basicConfig(level=setup.root_level, handlers=[handler], force=True)
    for name, level in setup.levels:
        logging.getLogger(name).setLevel(level)


def main() -> None:
    """Entry point of the ``provenance`` console script."""
    # Where files are hashed on threads (the watch daemon; scan and audit
    # where forking is not available), hashing gives up the GIL for every
    # chunk and must win it back from threads classifying in Python; a shorter
    # switch interval than the default 5 ms keeps the cores busy.
    sys.setswitchinterval(0.001)
    try:
        cli.main(prog_name="provenance")
    finally:
        # Exiting, the interpreter collects every object it tracks once more
        # before the OS takes the memory back anyway: after a scan (SQLAlchemy,
        # numpy, the results) that was 0.1 s of a 2 s command. Frozen objects
        # are skipped by that collection; files and the ledger are closed by now.
        gc.freeze()
