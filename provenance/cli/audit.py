"""The ``provenance audit`` command: part of the CLI layer (with :mod:`provenance.cli`).

Exit codes: 0 the package may go (warnings allowed unless ``--strict``),
1 the package is blocked, 2 the audit could not be done (bad arguments, an
unreadable or unsafe package, the ledger unreachable).
"""

from __future__ import annotations

import html
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import BarColumn, DownloadColumn, TextColumn, TransferSpeedColumn

from provenance.audit.run import AuditOptions, audit
from provenance.cli.arguments import require_existing, writable_output, write_output
from provenance.cli.group import cli
from provenance.cli.options import NamesConsole, ledger_options, notarized, out, progress_bar
from provenance.cli.signals import temp_areas_removed_on_signals
from provenance.errors import EXIT_CHECK_FAILED, NothingMatched, OutputNotWritable
from provenance.reports.audit_formats import RENDERERS, to_table
from provenance.reports.audit_html import to_html
from provenance.reports.thumbnails import thumbnails_for
from provenance.rules.policy import Policy, load_policy
from provenance.settings import Settings, load_settings
from provenance.util.names import shown_in_json

if TYPE_CHECKING:
    from provenance.audit.report import AuditReport
    from provenance.rules.policy import Policy
    from provenance.store import Ledger

FORMATS = ("table", "json", "junit", "sarif", "html", "markdown")


@cli.command(name="audit")
@click.argument("package", type=click.Path(path_type=Path))
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The show's policy file (default: the `policy` setting, else built-in).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report here instead of standard output.",
)
@click.option(
    "--strict", is_flag=True, help="Block on warnings too (unknown provenance, lapsing approvals)."
)
@click.option("--no-record", is_flag=True, help="Do not record this audit in the ledger.")
@click.option(
    "--allow-empty", is_flag=True, help="Pass an empty package (refused by default: exit 2)."
)
@ledger_options
def audit_command(
    package: Path, policy_path: Path | None, fmt: str, output: Path | None, strict: bool,
    no_record: bool, allow_empty: bool, db_url: str | None, config_path: Path | None,
) -> None:  # fmt: skip
    """Gate a hand-off PACKAGE (folder, .zip, .tar or .tar.gz): exit 1 on unapproved genAI."""

    require_existing([package], "package")
    writable_output(output)
    settings = load_settings(config_path, overrides={"db": db_url}).settings
    policy = _policy(policy_path, settings)
    # No thread runs yet (the progress bar draws from this one), so the
    # audit may hash on forked processes.
    thumbnails = thumbnails_for if fmt == "html" else None
    options = AuditOptions(policy, strict, thumbnails, not no_record, processes=True)
    with ExitStack() as stack, _progress() as advance, temp_areas_removed_on_signals():

        def open_ledger() -> Ledger:
            # Called by the audit once hashing runs: loading SQLAlchemy overlaps it.
            from provenance.store import Ledger  # noqa: PLC0415

            opened.append(stack.enter_context(Ledger.existing(settings.db)))
            return notarized(opened[-1], settings)

        opened: list[Ledger] = []
        report = audit(package, open_ledger, settings, options, advance)
        signed = _signed(report, opened, settings)
    if not report.files and not allow_empty:
        raise NothingMatched(
            "the package holds no files",
            where=package,
            fix="check the path; pass --allow-empty if an empty package may go",
        )
    _emit(report, fmt, output, signed)
    if report.verdict == "blocked":
        sys.exit(EXIT_CHECK_FAILED)


def _policy(path: Path | None, settings: Settings) -> Policy:
    chosen = path or (Path(settings.policy) if settings.policy else None)
    return load_policy(chosen) if chosen else Policy()


@contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    columns = (TextColumn("auditing"), BarColumn(), TextColumn("{task.fields[files]} files"),
               DownloadColumn(), TransferSpeedColumn())  # fmt: skip
    with progress_bar(*columns) as (bar, due):
        task = bar.add_task("audit", total=None, files=0)
        count = [0]

        def advance(size: int) -> None:
            count[0] += 1
            bar.update(task, advance=size, files=count[0], refresh=due())

        yield advance


def _signed(report: AuditReport, opened: list[Ledger], settings: Settings) -> dict[str, object]:
    """The report's JSON form with the ledger head and this machine's signature."""
    # Lazy: cryptography loads once the audit is done.
    from provenance.lifecycle.anchors import signed_report  # noqa: PLC0415

    data = json.loads(report.to_json())
    return signed_report(opened[0], settings, data) if opened else data


def _emit(report: AuditReport, fmt: str, output: Path | None, signed: dict[str, object]) -> None:
    from provenance.lifecycle.anchors import head_line  # noqa: PLC0415

    if fmt == "table" and output is None:
        out.print(to_table(report))
        out.print(head_line(signed))
        return
    text = _render(report, fmt)
    if fmt == "json":
        text = shown_in_json(json.dumps(signed, indent=2, ensure_ascii=False))
    elif fmt in ("table", "markdown"):
        text += f"\n{head_line(signed)}\n"
    elif fmt == "html":
        closing = f'<p class="ledger-head">{html.escape(head_line(signed))}</p>\n</body>'
        text = text.replace("</body>", closing, 1)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_output(output, text)
    except OutputNotWritable as exc:
        raise OutputNotWritable(
            f"the package is {report.verdict.upper()}, but {exc.what}", where=output, fix=exc.fix
        ) from exc
    out.print(f"{report.verdict.upper()}: report written to {output}")


def _render(report: AuditReport, fmt: str) -> str:

    if fmt == "html":
        return to_html(report)
    if fmt == "table":
        console = NamesConsole(record=True, width=120, file=io.StringIO())
        console.print(to_table(report))
        return console.export_text()
    return RENDERERS[fmt](report)
