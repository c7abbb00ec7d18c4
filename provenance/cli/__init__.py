"""The ``provenance`` command line.

Commands are thin: load settings, open the ledger, call one library function,
render the result. This module is the only place that prints, exits or sets
up logging. Every :class:`~provenance.errors.ProvenanceError` becomes one line
``Error: <what>: <where>. <what to do>`` on stderr and its exit code:

* 0: done, nothing wrong;
* 1: a check failed (``verify`` found a broken chain);
* 2: the command could not be carried out (bad arguments or settings, unknown
  target, ledger unreachable or out of date);
* 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import gc
import importlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from provenance import __version__
from provenance.errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, ProvenanceError
from provenance.settings import (
    LoadedSettings,
    load_settings,
    settings_as_dict,
    settings_help,
)

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn

    from provenance.ingest.record import IngestResult
    from provenance.store import AssetQuery, Ledger

# The library modules behind each command are imported in the command: a
# command pays only for what it uses, and `scan` starts hashing before the
# ledger's modules (SQLAlchemy) have loaded.

F = TypeVar("F", bound=Callable[..., Any])
INTERRUPTED = (
    "interrupted: what was already recorded in the ledger stays (every write is a whole"
    " transaction); run the command again to finish"
)

out = Console(soft_wrap=True)
err = Console(stderr=True)


# Commands defined in the cli_*.py modules, which register themselves on
# `cli` when imported: a module is imported only when one of its commands
# runs (or for --help), so `scan` does not pay for the audit's imports.
LAZY_COMMANDS = {
    **dict.fromkeys(("watch", "status", "service"), "provenance.cli.watch"),
    "audit": "provenance.cli.audit",
    **dict.fromkeys(
        ("approve", "revoke", "replace", "expire", "set-expiry", "rescreen", "purge", "restore",
         "policy", "report", "document"),
        "provenance.cli.lifecycle",
    ),
}  # fmt: skip


class ProvenanceGroup(click.Group):
    """A click group that turns :class:`ProvenanceError` into a one-line message and exit code.

    It also finds the commands of :data:`LAZY_COMMANDS` by importing their module on demand.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loaded or not, sorted."""
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def load_all(self) -> MutableMapping[str, click.Command]:
        """Every command, in the order the reference lists them (definition order)."""
        for module in dict.fromkeys(LAZY_COMMANDS.values()):
            importlib.import_module(module)
        return self.commands

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
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(LAZY_COMMANDS[cmd_name])
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; errors meant for people become ``Error: ...`` lines."""
        try:
            return super().invoke(ctx)
        except ProvenanceError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1: for `audit`, 1 means "blocked".
            click.echo(f"Error: {INTERRUPTED}", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def ledger_options(func: F) -> F:
    """Add ``--db`` and ``--config`` to a command."""
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Settings file (TOML). Default: $PROVENANCE_CONFIG or the user config dir.",
    )(func)
    func = click.option(
        "--db",
        "db_url",
        metavar="URL",
        envvar="PROVENANCE_DB",
        help="Ledger URL: sqlite:///PATH or postgresql+psycopg://HOST/DB. Env: PROVENANCE_DB.",
    )(func)
    return func


def json_option(func: F) -> F:
    """Add ``--json`` to a reporting command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )


def settings_for(db_url: str | None, config_path: Path | None) -> LoadedSettings:
    """The settings a command runs with: the settings file, with ``--db`` over it."""
    return load_settings(config_path, overrides={"db": db_url})


@contextmanager
def open_ledger(
    db_url: str | None, config_path: Path | None
) -> Iterator[tuple[Ledger, LoadedSettings]]:
    """The existing ledger a reading command works on, and the settings it was found by.

    Never creates one (see :meth:`~provenance.store.Ledger.existing`); closed on exit.
    """
    from provenance.store import Ledger

    loaded = settings_for(db_url, config_path)
    with Ledger.existing(loaded.settings.db) as ledger:
        yield ledger, loaded


def print_json(data: object) -> None:
    """Print a JSON document (the ``--json`` output of every reporting command)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(cls=ProvenanceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provenance")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """Track where every file in a pipeline came from, and whether generative AI made it."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


@cli.command()
@ledger_options
@json_option
def init(db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Create or upgrade the ledger schema, and say where the ledger is."""
    from provenance.store import Ledger

    loaded = settings_for(db_url, config_path)
    ledger, before, after = Ledger.init(loaded.settings.db)
    with ledger:
        state = "created" if before is None else ("current" if before == after else "upgraded")
        if as_json:
            print_json({"ledger": ledger.where, "schema": after, "previous_schema": before,
                        "state": state})  # fmt: skip
            return
        said = {"created": "created", "current": "already current"}.get(
            state, f"upgraded from {before}"
        )
        out.print(f"Ledger at {ledger.where}: schema {after} ({said}).")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@ledger_options
@json_option
def scan(
    paths: tuple[Path, ...], db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Ingest files and whole folders into the ledger, classifying each."""
    from provenance.ingest.examine import Examiner
    from provenance.ingest.scan import plan_scan, run_scan
    from provenance.store.identity import current_host

    settings = settings_for(db_url, config_path).settings
    plan = plan_scan(paths, settings)
    # Hashing starts before the ledger opens: opening it loads SQLAlchemy
    # and checks the schema, a few hundred milliseconds of one core. No
    # other thread runs yet, so the examiner may fork its workers.
    with Examiner(plan.files, settings, current_host(), processes=True) as examined:
        from provenance.store import Ledger

        progress = _progress(len(plan.files), plan.total_bytes)
        with Ledger(settings.db) as ledger, progress as advance:
            summary = run_scan(plan, ledger, settings, advance, examined=examined)
    if as_json:
        print_json(summary.to_dict())
    else:
        from provenance.reports import console as views

        out.print(views.scan_summary(summary))


@contextmanager
def _progress(files: int, total_bytes: int) -> Iterator[Callable[[IngestResult], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} files/s"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with progress_bar(*columns) as (bar, due):
        task = bar.add_task("scanning", total=total_bytes or 1, rate="0")
        done = [0]

        def advance(result: IngestResult) -> None:
            done[0] += 1
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{done[0] / elapsed:.0f}" if elapsed else "0"
            description = f"scanning {done[0]}/{files}"
            bar.update(task, advance=result.size, rate=rate, description=description, refresh=due())

        yield advance


@contextmanager
def progress_bar(*columns: ProgressColumn) -> Iterator[tuple[Progress, Callable[[], bool]]]:
    """A progress bar on stderr (none when it is not a terminal) and a "redraw now?" clock.

    The bar never draws from a thread of its own: scan and audit fork worker
    processes, which is only safe while no other thread runs. Callers redraw
    when the clock says so, ten times a second.
    """
    from rich.progress import Progress

    last = [0.0]

    def due() -> bool:
        now = time.monotonic()
        if now - last[0] < 0.1:
            return False
        last[0] = now
        return True

    disabled = not err.is_terminal
    with Progress(
        *columns, console=err, transient=True, disable=disabled, auto_refresh=False
    ) as bar:
        yield bar, due


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@json_option
def classify(paths: tuple[Path, ...], config_path: Path | None, as_json: bool) -> None:
    """Say what made each file (folders are walked); nothing is written to the ledger."""
    from provenance.ingest.survey import classify_paths
    from provenance.reports import console as views

    settings = load_settings(config_path).settings
    rows = classify_paths(paths, settings)
    if as_json:
        print_json([row.to_dict() for row in rows])
    else:
        out.print(views.classification_table(rows))


@cli.command()
@click.argument("target")
@ledger_options
@json_option
def history(target: str, db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Show what TARGET is and where it came from (a file path or a SHA-256 prefix)."""
    from provenance.history import find_history
    from provenance.reports import console as views

    with open_ledger(db_url, config_path) as (ledger, _):
        story = find_history(target, ledger)
    if as_json:
        print_json(story.to_dict())
    else:
        out.print(views.history_view(story))


@cli.command(name="ls")
@click.argument("path_prefix", required=False)
@click.option(
    "--genai/--not-genai", default=None, help="Only generated (or only not generated) assets."
)
@click.option("--verdict", type=click.Choice(["genai", "not_genai", "unknown", "unreadable"]))
@click.option("--status", help="Lifecycle status, e.g. temporary.")
@click.option("--tool", help="Canonical tool id, e.g. comfyui.")
@click.option("--since", help="First seen on or after this ISO date/time (UTC).")
@click.option("--limit", type=click.IntRange(min=1), help="At most N assets (default: all).")
@click.option(
    "--needs-approval",
    is_flag=True,
    help="Only generated assets still lacking approvals for finals, and which.",
)
@click.option(
    "--looks-like",
    metavar="TARGET",
    help="Only assets whose pictures look like TARGET's (a file or SHA-256 prefix), nearest"
    " first: its re-encoded, resized or stripped copies.",
)
@ledger_options
@json_option
def list_assets(
    path_prefix: str | None,
    genai: bool | None,
    verdict: str | None,
    status: str | None,
    tool: str | None,
    since: str | None,
    limit: int | None,
    needs_approval: bool,
    looks_like: str | None,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """List assets, newest first, optionally only those ever seen under PATH_PREFIX."""
    from provenance.reports import console as views
    from provenance.store import AssetQuery

    query = AssetQuery(
        verdict=verdict,
        genai=genai,
        status=status,
        tool=tool,
        since=parse_moment(since, "--since"),
        path_prefix=str(Path(path_prefix).absolute()) if path_prefix else None,
        limit=limit,
    )
    if needs_approval:
        from provenance.cli.lifecycle import list_needs

        return list_needs(query, db_url, config_path, as_json)
    if looks_like is not None:
        return _list_similar(looks_like, query, db_url, config_path, as_json)
    with open_ledger(db_url, config_path) as (ledger, _):
        assets = ledger.assets.list(query)
    if as_json:
        print_json([a.to_dict() for a in assets])
    else:
        out.print(views.asset_list(assets))


def _list_similar(
    target: str, query: AssetQuery, db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    from provenance.likeness.search import similar_assets
    from provenance.reports import console as views

    with open_ledger(db_url, config_path) as (ledger, _):
        similar = similar_assets(target, ledger, query)
    if as_json:
        print_json([item.to_dict() for item in similar])
    else:
        out.print(views.similar_list(similar))


def parse_moment(text: str | None, option: str) -> datetime | None:
    """An ISO date or time given to ``option`` (naive means UTC), or a usage error."""
    from provenance.store.ledger import parse_since

    if text is None:
        return None
    try:
        return parse_since(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date or time: {text!r}", param_hint=option) from exc


@cli.command()
@ledger_options
@json_option
def verify(db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Check the whole event chain; exit 1 naming the first changed, removed or inserted event."""
    from provenance.reports import console as views

    with open_ledger(db_url, config_path) as (ledger, _):
        report = ledger.events.verify()
    if as_json:
        print_json(report.to_dict())
    else:
        out.print(views.chain_report(report))
    if not report.ok:
        sys.exit(EXIT_CHECK_FAILED)


@cli.group()
def config() -> None:
    """Inspect settings."""


@config.command(name="show")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--db", "db_url", metavar="URL", envvar="PROVENANCE_DB")
@json_option
def config_show(config_path: Path | None, db_url: str | None, as_json: bool) -> None:
    """Print the effective settings and where each value came from."""
    loaded = settings_for(db_url, config_path)
    values, helps = settings_as_dict(loaded.settings), settings_help()
    if as_json:
        print_json(
            {
                "config_file": str(loaded.config_path) if loaded.config_path else None,
                "settings": {
                    k: {"value": v, "source": loaded.sources[k], "help": helps[k]}
                    for k, v in values.items()
                },
            }
        )
        return
    out.print(f"settings file: {loaded.config_path or '(none)'}")
    for name, value in values.items():
        out.print(
            f"[bold]{name}[/bold] = {json.dumps(value, default=str)}"
            f"  [dim]({loaded.sources[name]})[/dim]"
        )
        out.print(f"    [dim]{helps[name]}[/dim]")


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
