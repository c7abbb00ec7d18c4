"""The ``provenance audit`` command: part of the CLI layer (with :mod:`provenance.cli`).

Exit codes: 0 the package may go (warnings allowed unless ``--strict``),
1 the package is blocked, 2 the audit could not be done (bad arguments, an
unreadable or unsafe package, the ledger unreachable).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from provenance.audit_report import AuditReport
from provenance.cli import cli, err, ledger_options, out
from provenance.errors import EXIT_CHECK_FAILED
from provenance.policy import Policy, load_policy
from provenance.reports.audit_formats import RENDERERS, to_table
from provenance.reports.audit_html import to_html
from provenance.settings import Settings, load_settings
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
@ledger_options
def audit_command(
    package: Path, policy_path: Path | None, fmt: str, output: Path | None, strict: bool,
    no_record: bool, db_url: str | None, config_path: Path | None,
) -> None:  # fmt: skip
    """Gate a hand-off PACKAGE (folder, .zip, .tar or .tar.gz): exit 1 on unapproved genAI."""
    from provenance.audit import AuditOptions, audit  # decoders and the index load only here

    settings = load_settings(config_path, overrides={"db": db_url}).settings
    options = AuditOptions(_policy(policy_path, settings), strict, fmt == "html", not no_record)
    with Ledger(settings.db) as ledger, _progress() as advance:
        report = audit(package, ledger, settings, options, advance)
    _emit(report, fmt, output)
    if report.verdict == "blocked":
        sys.exit(EXIT_CHECK_FAILED)


def _policy(path: Path | None, settings: Settings) -> Policy:
    chosen = path or (Path(settings.policy) if settings.policy else None)
    return load_policy(chosen) if chosen else Policy()


@contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    columns = (TextColumn("auditing"), BarColumn(), TextColumn("{task.fields[files]} files"),
               DownloadColumn(), TransferSpeedColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("audit", total=None, files=0)
        count = [0]

        def advance(size: int) -> None:
            count[0] += 1
            bar.update(task, advance=size, files=count[0])

        yield advance


def _emit(report: AuditReport, fmt: str, output: Path | None) -> None:
    if fmt == "table" and output is None:
        out.print(to_table(report))
        return
    text = _render(report, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    out.print(f"{report.verdict.upper()}: report written to {output}")


def _render(report: AuditReport, fmt: str) -> str:
    if fmt == "html":
        return to_html(report)
    if fmt == "table":
        console = Console(record=True, width=120, file=io.StringIO())
        console.print(to_table(report))
        return console.export_text()
    return RENDERERS[fmt](report)
