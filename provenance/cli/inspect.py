"""Commands that ask the ledger about assets: ``history`` and ``ls``."""

from __future__ import annotations

from pathlib import Path

import click

from provenance import lifecycle
from provenance.cli.arguments import tool_id
from provenance.cli.group import cli
from provenance.cli.options import (
    json_option,
    ledger_options,
    open_ledger,
    open_lifecycle,
    out,
    parse_moment,
    print_json,
)
from provenance.history import find_history
from provenance.likeness.search import similar_assets
from provenance.reports import console as views
from provenance.store import AssetQuery
from provenance.vocab import STATUSES, VERDICTS


@cli.command()
@click.argument("target")
@ledger_options
@json_option
def history(target: str, db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Show what TARGET is and where it came from (a file path or a SHA-256 prefix)."""

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
@click.option("--verdict", type=click.Choice(VERDICTS, case_sensitive=False))
@click.option(
    "--status", type=click.Choice(STATUSES, case_sensitive=False), help="Lifecycle status."
)
@click.option("--tool", help="A tool's id or name, any case, e.g. comfyui or ComfyUI.")
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
    query = AssetQuery(
        verdict=verdict,
        genai=genai,
        status=status,
        tool=tool_id(tool),
        since=parse_moment(since, "--since"),
        path_prefix=str(Path(path_prefix).absolute()) if path_prefix else None,
        limit=limit,
    )
    if needs_approval:
        return _list_needs(query, db_url, config_path, as_json)
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
    with open_ledger(db_url, config_path) as (ledger, _):
        similar = similar_assets(target, ledger, query)
    if as_json:
        print_json([item.to_dict() for item in similar])
    else:
        out.print(views.similar_list(similar))


def _list_needs(
    query: AssetQuery, db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """``ls --needs-approval``: generated assets still lacking approvals for finals."""
    with open_lifecycle(db_url, config_path) as lc:
        needs = lifecycle.needs_approval(lc, query)
    if as_json:
        print_json([n.to_dict() for n in needs])
    else:
        out.print(views.needs_list(needs))
