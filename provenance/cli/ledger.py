"""Commands on the ledger itself: ``init``, ``verify`` and ``config show``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.markup import escape

from provenance.cli.group import cli
from provenance.cli.options import (
    counting_bar,
    json_option,
    ledger_options,
    open_ledger,
    out,
    print_json,
    settings_for,
)
from provenance.errors import EXIT_CHECK_FAILED
from provenance.reports import console as views
from provenance.reports import signatures as signature_views
from provenance.settings import settings_as_dict, settings_help
from provenance.settings.model import CONFIG_ENV, default_config_path
from provenance.store import Ledger
from provenance.util.json_shapes import ledger_block, ledger_head


@cli.command()
@ledger_options
@json_option
def init(db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Create or upgrade the ledger schema, and say where the ledger is."""

    loaded = settings_for(db_url, config_path)
    # Lazy: cryptography loads only for commands that write to the ledger.
    from provenance.signing.checkpoints import notary_for  # noqa: PLC0415

    ledger, before, after = Ledger.init(
        loaded.settings.db, lambda where: notary_for(loaded.settings, where)
    )
    with ledger:
        state = "created" if before is None else ("current" if before == after else "upgraded")
        if as_json:
            print_json({"ledger": ledger_block(ledger.where), "schema": after,
                        "previous_schema": before, "state": state})  # fmt: skip
            return
        said = {"created": "created", "current": "already current"}.get(
            state, f"upgraded from {before}"
        )
        out.print(f"Ledger at {ledger.where}: schema {after} ({said}).")


@cli.command()
@click.option(
    "--against",
    "against",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    metavar="PATH",
    help="A checkpoint file, a signed JSON report, or a folder of them (repeatable): the"
    " ledger must still extend each head.",
)
@ledger_options
@json_option
def verify(
    against: tuple[Path, ...], db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Check the chain, its signed checkpoints, the approvals' signatures and every table.

    Exit 1 naming the first changed, removed, inserted or unsigned event, a
    checkpoint or anchor the ledger no longer extends, a badly signed
    approval, and every row of assets, approvals, quarantine, audits,
    documents and locations that is not what its events say (or that no
    event accounts for). Unsigned approvals are listed: they count for nothing.
    """

    # Lazy: cryptography loads only for verify.
    from provenance.lifecycle.anchors import check_against, check_signatures  # noqa: PLC0415

    with open_ledger(db_url, config_path) as (ledger, loaded):
        # a million events take about half a minute
        events = ledger.checkpoints.head()[0]
        with counting_bar("verifying events", events, shown=not as_json) as advance:
            report = ledger.state.verify(progress=advance)
        signatures = check_signatures(ledger, loaded.settings)
        anchored = check_against(ledger, loaded.settings, against)
    ok = report.ok and signatures.ok and not anchored
    if as_json:
        head = ledger_head(ledger.where, report.chain.head_seq, report.chain.head_hash)
        print_json(report.to_dict() | {"ok": ok, "ledger": head, "signatures": signatures.to_dict(),
                                       "against": [f.to_dict() for f in anchored]})  # fmt: skip
    else:
        out.print(views.ledger_check(report))
        out.print(signature_views.signature_report(signatures, anchored, against))
    if not ok:
        sys.exit(EXIT_CHECK_FAILED)


@cli.group()
def config() -> None:
    """Inspect settings."""


@config.command(name="show")
@ledger_options
@json_option
def config_show(config_path: Path | None, db_url: str | None, as_json: bool) -> None:
    """Print the effective settings and where each value came from."""
    loaded = settings_for(db_url, config_path)
    values, helps = settings_as_dict(loaded.settings), settings_help()
    looked = _looked_in(config_path)
    if as_json:
        print_json(
            {
                "config_file": str(loaded.config_path) if loaded.config_path else None,
                "looked_in": looked,
                "settings": {
                    k: {"value": v, "source": loaded.sources[k], "help": helps[k]}
                    for k, v in values.items()
                },
            }
        )
        return
    found = loaded.config_path or f"(none; looked for {' and '.join(looked)})"
    out.print(f"settings file: {escape(str(found))}", markup=True)
    for name, value in values.items():
        # The one command that prints markup (the consoles read none, see NamesConsole):
        # escaped, a value or help naming [[folder_rules]] is text, not rich markup.
        out.print(
            f"[bold]{name}[/bold] = {escape(json.dumps(value, default=str))}"
            f"  [dim]({escape(loaded.sources[name])})[/dim]",
            markup=True,
        )
        out.print(f"    [dim]{escape(helps[name])}[/dim]", markup=True)


def _looked_in(config_path: Path | None) -> list[str]:
    """Every place a settings file was looked for, in order, as people read them."""
    if config_path is not None:
        return [f"--config {config_path}"]
    named = os.environ.get(CONFIG_ENV)
    env = f"${CONFIG_ENV} ({named})" if named else f"${CONFIG_ENV} (unset)"
    return [env, str(default_config_path())]
