"""``provenance checkpoint``: sign the ledger's head with this machine's key, and keep it.

A checkpoint file written to a place the database's writers cannot touch (a
share only this machine writes, a git repository) is an anchor a rewrite of
the database cannot move: ``provenance verify --against DIR`` proves the
ledger still extends every head in it.
"""

from __future__ import annotations

from pathlib import Path

import click

from provenance.cli.group import cli
from provenance.cli.options import json_option, ledger_options, open_ledger, out, print_json
from provenance.lifecycle.anchors import export_checkpoint
from provenance.reports import signatures as views


@cli.command()
@click.option(
    "--export",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Write the signed checkpoint file into DIR (made if missing).",
)
@ledger_options
@json_option
def checkpoint(folder: Path | None, db_url: str | None, config_path: Path | None,
               as_json: bool) -> None:  # fmt: skip
    """Sign the ledger's current head (seq and hash) with this machine's key."""
    with open_ledger(db_url, config_path) as (ledger, loaded):
        signed, path = export_checkpoint(ledger, loaded.settings, folder)
    if as_json:
        print_json({"checkpoint": signed.to_dict(), "file": str(path) if path else None})
    else:
        out.print(views.checkpoint_written(signed, path))
