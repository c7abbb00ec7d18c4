"""The watch daemon's commands of the ``provenance`` command line.

Part of the CLI layer (with :mod:`provenance.cli`): ``watch`` runs the daemon
in the foreground with its logging set up here, ``status`` reads the daemons'
heartbeats from the ledger, and ``service install`` writes a systemd unit or
launchd agent. They register themselves on the ``cli`` group when
:mod:`provenance.cli` imports this module (see ``COMMANDS`` in :mod:`provenance.cli.group`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from provenance.cli.arguments import require_existing
from provenance.cli.group import cli, echo_out, log_as
from provenance.cli.options import (
    json_option,
    ledger_options,
    notarized,
    open_ledger,
    out,
    print_json,
    settings_for,
)
from provenance.errors import ConfigError
from provenance.reports.watch_status import status_view
from provenance.settings import WATCH_MODES, Settings, WatchMode, WatchRootConfig
from provenance.util.logs import JsonLogFormatter, LogSetup, PlainLogFormatter
from provenance.watchers.service import SERVICE_KINDS, ServiceKind, default_kind, install, render
from provenance.watchers.status import watch_status


def _log_to_stderr(log_format: str) -> None:
    # A daemon reports what it does: INFO at least, more with -v/-vv; the
    # libraries it uses speak only of warnings, whatever -v says.
    ours = min(logging.INFO, logging.getLogger("provenance").getEffectiveLevel())
    formatter = (
        JsonLogFormatter()
        if log_format == "json"
        else PlainLogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    log_as(LogSetup(formatter, logging.WARNING, (("provenance", ours),)))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--mode",
    type=click.Choice(WATCH_MODES),
    default="auto",
    help="How to watch the PATHs: auto polls network and FUSE mounts, native elsewhere.",
)
@click.option(
    "--log-format",
    type=click.Choice(["plain", "json"]),
    default="plain",
    help="Log lines on stderr: plain text, or one JSON object per line.",
)
@ledger_options
def watch(
    paths: tuple[Path, ...],
    mode: WatchMode,
    log_format: str,
    db_url: str | None,
    config_path: Path | None,
) -> None:
    """Watch folders (or the [[watch]] roots) and ingest every finished file, until stopped.

    SIGTERM or Ctrl-C drains the queue and stops; SIGHUP reloads the settings.
    Exits non-zero when it cannot recover, for its service manager to restart it.
    """
    # Lazy: `status` and `service` do not load the daemon, the observers or SQLAlchemy.
    from provenance.store import Ledger  # noqa: PLC0415
    from provenance.watchers import WatchDaemon, install_signal_handlers, roots_for  # noqa: PLC0415

    require_existing(paths, "folder")
    _log_to_stderr(log_format)

    def load() -> tuple[Settings, list[WatchRootConfig]]:
        settings = settings_for(db_url, config_path).settings
        return settings, roots_for(paths, settings, mode)

    settings, roots = load()
    if not roots:
        raise ConfigError(
            "nothing to watch",
            where="provenance watch",
            fix="name folders, or add [[watch]] tables",
        )
    with Ledger(settings.db) as ledger:
        notarized(ledger, settings)
        daemon = WatchDaemon(ledger, settings, roots, reload=load)
        restore = install_signal_handlers(daemon)
        try:
            daemon.run()
        finally:
            restore()


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Every daemon, not only the latest per host.")
@ledger_options
@json_option
def status(show_all: bool, db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Show every watch daemon from its heartbeats: roots, modes, backlog, and any trouble."""

    with open_ledger(db_url, config_path) as (ledger, _):
        report = watch_status(ledger, show_all)
    if as_json:
        print_json(report.to_dict())
    else:
        out.print(status_view(report))


@cli.group()
def service() -> None:
    """Run `provenance watch` as a service of your session (systemd or launchd)."""


@service.command(name="install")
@click.option(
    "--kind", type=click.Choice(SERVICE_KINDS), help="Default: launchd on macOS, else systemd."
)
@click.option("--print", "print_only", is_flag=True, help="Print the unit instead of writing it.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Settings file the service runs with. Default: $PROVENANCE_CONFIG or the user config dir.",
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar="PROVENANCE_DB",
    help="Ledger URL the service writes to, over the settings' db. Env: PROVENANCE_DB.",
)
def service_install(
    kind: ServiceKind | None, print_only: bool, config_path: Path | None, db_url: str | None
) -> None:
    """Write a service that runs `provenance watch` on the settings' [[watch]] roots.

    The unit names the settings file found now (--config, $PROVENANCE_CONFIG
    or the user config dir), and the ledger when --db or $PROVENANCE_DB is given.
    """
    # A unit pointing at a missing or broken settings file, or at one with no
    # [[watch]] roots, would replace a working one with a service that fails
    # at every start, restarted every few seconds: refused here instead.
    require_existing([config_path] if config_path else [], "settings file")
    loaded = settings_for(db_url, config_path)
    if not loaded.settings.watch:
        raise ConfigError(
            "nothing to watch: the service runs `provenance watch` on the settings'"
            " [[watch]] roots, and they list none",
            where=str(loaded.config_path or "no settings file"),
            fix="add [[watch]] tables (path = the folder to watch) to the settings, then install",
        )
    # The service manager does not see this shell's $PROVENANCE_CONFIG: the file is named.
    unit = render(kind or default_kind(), sys.executable, loaded.config_path, db_url)
    if print_only:
        echo_out(unit.text, nl=False)
        return
    out.print(f"Wrote {install(unit)}. Next:\n{unit.next_steps}")
