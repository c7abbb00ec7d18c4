"""Commands on the ledger's database server: ``db roles``."""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.group import cli
from provenance.cli.options import json_option, ledger_options, open_ledger, out, print_json
from provenance.util.json_shapes import ledger_block


@cli.group()
def db() -> None:
    """Set up the ledger's database server (PostgreSQL)."""


@db.command(name="roles")
@click.option(
    "--reader",
    default="provenance_reader",
    show_default=True,
    help="Role that only reads (history, ls, verify, reports, the web view).",
)
@click.option(
    "--daemon",
    default="provenance_daemon",
    show_default=True,
    help="Role that records files: scan, watch, audit, expire.",
)
@click.option(
    "--approver",
    default="provenance_approver",
    show_default=True,
    help="Role that also approves, revokes, replaces, purges and restores.",
)
@ledger_options
@json_option
def roles(
    reader: str,
    daemon: str,
    approver: str,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Create the roles and grants, and guard the event log, approvals and verdicts.

    Run it as the owner of the ledger's tables (who ran `provenance init`),
    again after every `provenance init` that upgraded the schema. Logins are
    then made members of a role (docs/POSTGRES_ROLES.md).
    """  # fmt: skip
    with open_ledger(db_url, config_path) as (ledger, _):
        done = ledger.roles.apply(reader=reader, daemon=daemon, approver=approver)
    names = [reader, daemon, approver]
    if as_json:
        print_json({"ledger": ledger_block(ledger.where), "schema": done.schema, "roles": names,
                    "created": list(done.created), "tables": done.tables})  # fmt: skip
        return
    made = f" (created {', '.join(done.created)})" if done.created else ""
    out.print(
        f"Roles {', '.join(names)}{made} granted on {done.tables} tables of schema"
        f" {done.schema}; the event log, approvals and statuses are guarded."
    )
