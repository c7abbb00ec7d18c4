"""Commands that report on the ledger for a show: ``policy check``, ``report``, ``use-log``
and ``document``."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from provenance.cli.arguments import path_filter, writable_output, write_output
from provenance.cli.group import cli, echo_out
from provenance.cli.options import (
    err,
    format_option,
    json_option,
    ledger_options,
    open_lifecycle,
    out,
    parse_moment,
    print_json,
)
from provenance.errors import NothingMatched
from provenance.lifecycle import Lifecycle
from provenance.lifecycle.disclosure import DisclosureReport, Scope, build_report
from provenance.lifecycle.documents import reference_document
from provenance.lifecycle.use_log import build_use_log
from provenance.reports import lifecycle_views
from provenance.reports.disclosure import FORMATS, Format, render
from provenance.reports.use_log import USE_LOG_FORMATS, UseLogFormat, render_use_log
from provenance.rules.policy import Policy, load_policy, policy_keys
from provenance.settings import Settings, load_settings
from provenance.util.names import data_shown, shown_in_json


@cli.group(name="policy")
def policy_group() -> None:
    """Validate a show's policy file."""


@policy_group.command(name="check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Settings file, for its `policy` setting when FILE is not given.",
)
@json_option
def policy_check(file: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Validate FILE (or the `policy` setting); errors name the key and line."""
    # Read even when FILE is given: a damaged settings file is refused by every command.
    configured = load_settings(config_path).settings.policy
    if file is None:
        if configured is None:
            raise click.UsageError("give FILE, or set `policy` in the settings")
        file = Path(configured)
    policy = load_policy(file)
    if as_json:
        print_json({"valid": True, "source": policy.source, **_policy_values(policy)})
    else:
        out.print(lifecycle_views.policy_view(policy))


def _policy_values(policy: Policy) -> dict[str, object]:
    return {key: getattr(policy, key.split(".", 1)[1]) for key in policy_keys()}


def scope_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--show``, ``--under`` and ``--since``: which assets a report covers."""
    for option in reversed(
        (
            click.option(
                "--show",
                help="The title: assets ever seen under its [[shows]] roots, or, for a title the "
                "settings do not list, in a folder of this name.",
            ),
            click.option(
                "--under", type=click.Path(path_type=Path), help="Only assets ever seen under PATH."
            ),
            click.option(
                "--since", help="Only assets first seen, and events, on or after this ISO date."
            ),
        )
    ):
        command = option(command)
    return command


@cli.command(name="report")
@scope_options
@format_option(
    FORMATS,
    "markdown",
    "markdown to edit or forward, html to print (one A4 or Letter summary page), json.",
)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@ledger_options
@json_option
def report_command(
    show: str | None,
    under: Path | None,
    since: str | None,
    fmt: Format,
    output: Path | None,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """The disclosure report a production sends its studio (Markdown, HTML or JSON)."""
    moment = parse_moment(since, "--since")
    writable_output(output)
    with open_lifecycle(db_url, config_path) as lc:
        report = _scoped_report(lc, show, under, moment)
        text = _anchored(lc, report, "json" if as_json else fmt)
    _deliver(text, output, "the disclosure report", as_json or fmt == "json")


@cli.command(name="use-log")
@scope_options
@format_option(USE_LOG_FORMATS, "csv", "csv for a spreadsheet, or json.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@ledger_options
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
def use_log_command(
    show: str | None,
    under: Path | None,
    since: str | None,
    fmt: UseLogFormat,
    output: Path | None,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """The generative-AI use log of a title: one row per generated asset and use (CSV or JSON).

    Each row: title, shot, asset, tool and version, the tool's published licence
    and enterprise offering, the production's tier ([[approved_tools]]), the use's
    category and escalation state, approver, reference document hash, consent
    documents, and the on-screen timecodes recorded audits found. Prepared
    following the `guidance` setting; not an official form.
    """
    moment = parse_moment(since, "--since")
    writable_output(output)
    with open_lifecycle(db_url, config_path) as lc:
        report = _scoped_report(lc, show, under, moment)
        log = build_use_log(lc.ledger, report, lc.settings.approved_tools)
    json_asked = as_json or fmt == "json"
    text = render_use_log(log, "json" if json_asked else fmt)
    _deliver(text, output, "the generative-AI use log", json_asked)


def _scoped_report(
    lc: Lifecycle, show: str | None, under: Path | None, since: datetime | None
) -> DisclosureReport:
    """The disclosure report's data for the scope the options name; an empty named scope is
    refused (exit 2), as a typo must not read as a clean show."""
    title = show or (str(under) if under else "all assets")
    scope = _report_scope(lc.settings, title, show, under, since)
    settings = lc.settings
    report = build_report(lc.ledger, scope, lc.now(), settings.shot_pattern, settings.guidance)
    # Nothing new --since a date is an answer; a scope that never held an asset is a typo.
    if (
        report.counts["assets"] == 0
        and (show or under)
        and not lc.ledger.assets.count(scope.query())
    ):
        raise _nothing_in(scope, settings)
    return report


def _deliver(text: str, output: Path | None, what: str, json_asked: bool) -> None:
    """Print ``text``, or write it to ``output`` and say so (on stderr when JSON was asked
    for: a script's stdout holds the JSON or nothing)."""
    if output is None:
        echo_out(text, nl=False)
    else:
        write_output(output, text)
        (err if json_asked else out).print(f"Wrote {what} to {output}", soft_wrap=True)


def _nothing_in(scope: Scope, settings: Settings) -> NothingMatched:
    """The refusal of a report scope that holds no asset: a typo must not read as a clean show."""
    known = ", ".join(sorted(entry.name for entry in settings.shows))
    hint = f"the shows in the settings are: {known}" if known else "no [[shows]] are set up"
    return NothingMatched(
        "no asset was ever seen in this scope, so there is nothing to report",
        where=scope.describe(),
        fix=f"check the spelling ({hint}; a title not listed there means a folder of that name)",
    )


def _anchored(lc: Lifecycle, report: DisclosureReport, fmt: str) -> str:
    """The report carrying the ledger's head and this machine's signature (JSON: a
    ``ledger`` block over the whole report; Markdown and HTML: a closing line)."""
    # Lazy: cryptography loads only for the report.
    from provenance.lifecycle.anchors import head_line, signed_report  # noqa: PLC0415

    # Signed as shown: a name that is not UTF-8 cannot be signed as it is held.
    signed = signed_report(lc.ledger, lc.settings, data_shown(report.to_dict()))
    if fmt == "json":
        return shown_in_json(json.dumps(signed, indent=2, ensure_ascii=False)) + "\n"
    text = render(report, fmt)  # type: ignore[arg-type]
    line = head_line(signed)
    if fmt == "html":
        return text.replace(
            "</body>", f'<p class="ledger-head">{html.escape(line)}</p>\n</body>', 1
        )
    return f"{text}\n{line}\n"


def _report_scope(
    settings: Settings, title: str, show: str | None, under: Path | None, since: datetime | None
) -> Scope:
    listed = {entry.name: entry for entry in settings.shows}
    folder = None if show is None or show in listed else show
    roots = listed[show].roots if show in listed else ()
    return Scope(title, folder, path_filter(under), since, roots)


@cli.command(name="document")
@click.argument("document")
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the document.",
)
@ledger_options
def document_command(
    document: str, output: Path, db_url: str | None, config_path: Path | None
) -> None:
    """Write out a reference DOCUMENT, exactly as it was approved.

    DOCUMENT is an approval's number (12 or #12) or the document's SHA-256 (a
    unique prefix of 6 digits or more will do).
    """
    writable_output(output)
    with open_lifecycle(db_url, config_path) as lc:
        stored = reference_document(lc, document)
    write_output(output, stored.content)
    out.print(f"Wrote {stored.name} ({len(stored.content)} bytes) to {output}")
