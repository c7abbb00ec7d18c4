"""Commands that ask the ledger about assets: ``history`` and ``ls``."""

from __future__ import annotations

from pathlib import Path

import click

from provenance import lifecycle
from provenance.audit.single import similar_to_file
from provenance.cli.arguments import path_filter, tool_id
from provenance.cli.group import cli
from provenance.cli.options import (
    console_for,
    json_option,
    ledger_options,
    open_ledger,
    open_lifecycle,
    out,
    parse_moment,
    print_json,
    wide_option,
)
from provenance.errors import TargetNotFound
from provenance.history import Unrecorded, answer_for
from provenance.likeness.search import similar_assets
from provenance.reports import console as views
from provenance.reports.answers import unrecorded_view
from provenance.reports.shortened import EVENTS_AT_EACH_END, LOCATIONS_SHOWN
from provenance.store import AssetQuery
from provenance.util.json_shapes import listing
from provenance.vocab import STATUSES, VERDICTS


@cli.command()
@click.argument("target")
@wide_option
@click.option(
    "--all",
    "whole",
    is_flag=True,
    help=f"Every place and event. The table otherwise lists {LOCATIONS_SHOWN} places (present"
    f" copies first) and the first and last {EVENTS_AT_EACH_END} events, and counts the rest;"
    " --json always has them all.",
)
@ledger_options
@json_option
def history(
    target: str,
    wide: bool,
    whole: bool,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Say whether TARGET may go into finals, what it is and where it came from.

    TARGET is a file (recorded or not: a file the ledger has never seen is
    checked as the audit would check it, and nothing is written) or a SHA-256 prefix.
    """

    with open_ledger(db_url, config_path) as (ledger, loaded):
        story = answer_for(target, ledger, loaded.settings)
    if as_json:
        print_json(story.to_dict())
    elif isinstance(story, Unrecorded):
        out.print(unrecorded_view(story))
    else:
        console_for(wide).print(views.history_view(story, wide=wide, whole=whole))


@cli.command(name="ls")
@click.argument("path_prefix", required=False)
@click.option(
    "--genai/--not-genai", default=None, help="Only generated (or only not generated) assets."
)
@click.option(
    "--verdict",
    type=click.Choice(VERDICTS, case_sensitive=False),
    help="Only assets the detectors judged so.",
)
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
    help="Only assets whose pictures look like TARGET's (a file, recorded or not, or a SHA-256"
    " prefix), nearest first: its re-encoded, resized or stripped copies, then the pictures"
    " and masters holding it (masters with their time ranges).",
)
@wide_option
@ledger_options
@json_option
def list_assets(
    path_prefix: str | None,
    wide: bool,
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
        path_prefix=path_filter(path_prefix or None),
        limit=limit,
    )
    if needs_approval:
        return _list_needs(query, db_url, config_path, as_json)
    if looks_like is not None:
        return _list_similar(looks_like, query, db_url, config_path, as_json)
    with open_ledger(db_url, config_path) as (ledger, _):
        assets = ledger.assets.list(query)
        paths = ledger.locations.present_paths(a.sha256 for a in assets) if not as_json else {}
    if as_json:
        print_json(listing("assets", (a.to_dict() for a in assets)))
    else:
        console_for(wide).print(views.asset_list(assets, paths, wide=wide))


def _list_similar(
    target: str, query: AssetQuery, db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    with open_ledger(db_url, config_path) as (ledger, loaded):
        try:
            similar = similar_assets(target, ledger, query)
        except TargetNotFound:
            if not Path(target).expanduser().is_file():
                raise
            similar = similar_to_file(Path(target).expanduser(), ledger, loaded.settings, query)
    if as_json:
        print_json(listing("assets", (item.to_dict() for item in similar)))
    else:
        out.print(views.similar_list(similar))


def _list_needs(
    query: AssetQuery, db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """``ls --needs-approval``: generated assets still lacking approvals for finals."""
    with open_lifecycle(db_url, config_path) as lc:
        needs = lifecycle.needs_approval(lc, query)
    if as_json:
        print_json(listing("assets", (n.to_dict() for n in needs)))
    else:
        out.print(views.needs_list(needs))
