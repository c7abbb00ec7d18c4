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
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from provenance.audit.run import AuditOptions, Thumbnailer, audit
from provenance.audit.timelines import is_timeline
from provenance.cli.arguments import path_filter, require_existing, writable_output, write_output
from provenance.cli.cut import CutRun, audit_cut_command
from provenance.cli.group import cli, echo_out
from provenance.cli.options import (
    NamesConsole,
    err,
    format_option,
    json_option,
    ledger_options,
    notarized,
    open_ledger,
    out,
    print_json,
)
from provenance.cli.progress import StageBars, stage_bars
from provenance.cli.signals import temp_areas_removed_on_signals
from provenance.errors import (
    EXIT_CHECK_FAILED,
    DatabaseRefused,
    InvalidValue,
    NothingMatched,
    OutputNotWritable,
)
from provenance.reports.audit_formats import RENDERERS, to_table
from provenance.reports.audit_html import to_html
from provenance.rules.policy import Policy, load_policy
from provenance.settings import Settings, load_settings
from provenance.util.names import data_shown, shown_in_json

if TYPE_CHECKING:
    from rich.console import Console

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
@format_option(
    FORMATS,
    "table",
    "The report's form: junit and sarif for CI systems, html and markdown for people.",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="[FORMAT=]FILE",
    help="Write the report to FILE instead of standard output, in --format or in FORMAT"
    " (json=a.json); repeat it for several formats from one run, recorded once.",
)
@click.option(
    "--strict", is_flag=True, help="Block on warnings too (unknown provenance, lapsing approvals)."
)
@click.option(
    "--no-record",
    is_flag=True,
    help="Do not record this audit in the ledger (the fingerprints and features it computes"
    " for generated assets that had none are stored, as `scan` stores them).",
)
@click.option(
    "--allow-empty", is_flag=True, help="Pass an empty package (refused by default: exit 2)."
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A cut: a folder its media may be in, besides the timeline's own (repeatable).",
)
@click.option(
    "--markers",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A cut: write it to this .otio, .edl, .xml or .fcpxml with a red marker on every"
    " blocked clip and a yellow one on every warned clip.",
)
@click.option(
    "--edl-rate",
    type=float,
    default=24.0,
    show_default=True,
    help="A cut: the frame rate of an EDL, which does not state one.",
)
@ledger_options
def audit_command(
    package: Path, policy_path: Path | None, fmt: str, as_json: bool, outputs: tuple[str, ...],
    strict: bool, no_record: bool, allow_empty: bool, roots: tuple[Path, ...],
    markers: Path | None, edl_rate: float, db_url: str | None, config_path: Path | None,
) -> None:  # fmt: skip
    """Gate a hand-off PACKAGE (folder, .zip, .tar, .tar.gz) or a CUT: exit 1 on unapproved genAI.

    A cut is an editorial timeline (.otio, .otioz, .edl, FCP .xml, .fcpxml, .aaf):
    every clip is judged on the frames it uses, one row per clip.
    """

    require_existing([package], "package")
    fmt = "json" if as_json else fmt
    targets = _targets(outputs, fmt)
    settings = load_settings(config_path, overrides={"db": db_url}).settings
    policy = _policy(policy_path, settings)
    with _refusal_explained(no_record):
        if is_timeline(package):
            cut = CutRun(package, roots, markers, strict, not no_record, allow_empty, edl_rate)
            bars = partial(_cut_progress, shown=fmt != "json")
            _finish(*audit_cut_command(cut, settings, policy, bars, _signed), fmt, targets)
            return
        if roots or markers:
            raise InvalidValue(
                "--root and --markers are for cuts (editorial timelines)",
                where=package,
                fix="give a timeline, or leave the options out",
            )
        # No thread runs yet (the progress bar draws from this one), so the
        # audit may hash on forked processes.
        formats = [f for f, _ in targets] or [fmt]
        thumbnails = _thumbnails() if "html" in formats else None
        progress = _progress(shown=fmt != "json")  # JSON is for scripts: no bars
        with ExitStack() as stack, progress as shown, temp_areas_removed_on_signals():
            options = AuditOptions(policy, strict, thumbnails, not no_record, processes=True,
                                   on_stage=shown.stage, on_item=shown.item,
                                   on_size=shown.sized)  # fmt: skip

            def open_ledger() -> Ledger:
                # Called by the audit once hashing runs: loading SQLAlchemy overlaps it.
                from provenance.store import Ledger  # noqa: PLC0415

                opened.append(stack.enter_context(Ledger.existing(settings.db)))
                return notarized(opened[-1], settings)

            opened: list[Ledger] = []
            report = audit(package, open_ledger, settings, options, shown.hashed)
            signed = _signed(report, opened, settings)
        if not report.files and not allow_empty:
            raise NothingMatched(
                "the package holds no files",
                where=package,
                fix="check the path; pass --allow-empty if an empty package may go",
            )
        _finish(report, signed, fmt, targets)


@contextmanager
def _refusal_explained(no_record: bool) -> Iterator[None]:
    """A database that refuses the audit's record (a reader's login) names the way around it."""
    try:
        yield
    except DatabaseRefused as exc:
        if no_record:
            raise
        raise DatabaseRefused(
            f"{exc.what}, recording the audit",
            where=exc.where,
            fix=f"{exc.fix}; or audit without recording it: --no-record",
        ) from exc


def _finish(
    report: AuditReport, signed: dict[str, object], fmt: str, targets: list[tuple[str, Path]]
) -> None:
    """Print or write the report in each format asked; exit 1 when it is blocked.

    With JSON asked for, stdout holds the JSON or nothing: the lines saying where
    reports were written go to stderr.
    """
    if not targets:
        _emit(report, fmt, None, signed)
    for target_fmt, output in targets:
        _emit(report, target_fmt, output, signed, err if fmt == "json" else out)
    if report.verdict == "blocked":
        sys.exit(EXIT_CHECK_FAILED)


def _thumbnails() -> Thumbnailer:
    # Lazy: previews decode pictures (numpy, OpenCV), which only an HTML report needs.
    from provenance.reports.thumbnails import thumbnails_for  # noqa: PLC0415

    return thumbnails_for


def _targets(outputs: tuple[str, ...], fmt: str) -> list[tuple[str, Path]]:
    """Each ``--output`` as (format, file), checked writable before the audit runs."""
    targets = []
    for text in outputs:
        named, sep, rest = text.partition("=")
        target = (named, Path(rest)) if sep and named in FORMATS else (fmt, Path(text))
        if sep and named not in FORMATS and not Path(text).parent.is_dir():
            raise InvalidValue(
                f"unknown report format {named!r}",
                where="--output",
                fix=f"use one of {', '.join(FORMATS)}, as in --output json=report.json",
            )
        writable_output(target[1])
        targets.append(target)
    return targets


def _policy(path: Path | None, settings: Settings) -> Policy:
    chosen = path or (Path(settings.policy) if settings.policy else None)
    return load_policy(chosen) if chosen else Policy()


# The stages that get a bar, what each bar says, and what it counts ("": timed only).
STAGE_LABELS = {
    "list": "listing", "hash": "hashing", "markers": "reading markers", "classify": "classifying",
    "references": "fingerprinting generated assets not fingerprinted yet",
    "fingerprint": "fingerprinting", "near": "near-match check",
    "regions": "looking for generated pictures inside", "segments": "sweeping videos",
    "state": "checking the ledger", "record": "recording", "thumbnails": "previews",
}  # fmt: skip
STAGE_UNITS = {"hash": "files", "classify": "files", "fingerprint": "pictures",
               "regions": "pictures", "segments": "videos"}  # fmt: skip


class _Progress:
    """The audit's bars: one per stage, each counting its files where the stage counts them."""

    def __init__(self, bars: StageBars) -> None:
        self.bars = bars
        self.sizes: dict[str, int] = {}

    def hashed(self, size: int) -> None:
        self.bars.item("hash", size)

    def stage(self, name: str) -> None:
        if name in STAGE_LABELS:
            self.bars.begin(name, STAGE_UNITS.get(name, ""), self.sizes.get(name))

    def sized(self, name: str, files: int) -> None:
        self.sizes[name] = files

    def item(self, name: str) -> None:
        self.bars.item(name, unit=STAGE_UNITS.get(name, "files"))


@contextmanager
def _progress(shown: bool) -> Iterator[_Progress]:
    labels = {name: f"auditing: {label}" for name, label in STAGE_LABELS.items()}
    with stage_bars(labels, shown=shown) as bars:
        yield _Progress(bars)


@contextmanager
def _cut_progress(shown: bool) -> Iterator[tuple[Callable[[int], None], Callable[[str], None]]]:
    """The same bars for a cut, as the two callbacks its audit takes (bytes hashed, stage)."""
    with _progress(shown) as bars:
        yield bars.hashed, bars.stage


def _signed(report: AuditReport, opened: list[Ledger], settings: Settings) -> dict[str, object]:
    """The report's JSON form with the ledger head and this machine's signature."""
    # Lazy: cryptography loads once the audit is done.
    from provenance.lifecycle.anchors import signed_report  # noqa: PLC0415

    # The same data as the report's JSON text parsed back, without its indentation (which
    # only the pure-Python encoder writes): the signed form is rendered once, by the caller.
    data = data_shown(report.to_dict())
    return signed_report(opened[0], settings, data) if opened else data


def _emit(
    report: AuditReport,
    fmt: str,
    output: Path | None,
    signed: dict[str, object],
    notice: Console = out,
) -> None:
    from provenance.lifecycle.anchors import head_line  # noqa: PLC0415

    if fmt == "table" and output is None:
        out.print(to_table(report))
        out.print(head_line(signed))
        return
    text = _with_head(report, fmt, signed)
    if output is None:
        echo_out(text, nl=False)
        return
    try:
        write_output(output, text)
    except OutputNotWritable as exc:
        raise OutputNotWritable(
            f"the package is {report.verdict.upper()}, but {exc.what}", where=output, fix=exc.fix
        ) from exc
    notice.print(f"{report.verdict.upper()}: report written to {output}", soft_wrap=True)


def _with_head(report: AuditReport, fmt: str, signed: dict[str, object]) -> str:
    """The report in ``fmt``, showing the signed ledger head (JSON: the signed form itself)."""
    from provenance.lifecycle.anchors import head_line  # noqa: PLC0415

    if fmt == "json":  # not rendered first: the signed form is the report's JSON plus its head
        return shown_in_json(json.dumps(signed, indent=2, ensure_ascii=False))
    text = _render(report, fmt)
    if fmt in ("table", "markdown"):
        return text + f"\n{head_line(signed)}\n"
    if fmt == "html":
        closing = f'<p class="ledger-head">{html.escape(head_line(signed))}</p>\n</body>'
        return text.replace("</body>", closing, 1)
    return text


def _render(report: AuditReport, fmt: str) -> str:

    if fmt == "html":
        return to_html(report)
    if fmt == "table":
        console = NamesConsole(record=True, width=120, file=io.StringIO())
        console.print(to_table(report))
        return console.export_text()
    return RENDERERS[fmt](report)


@cli.command(name="audits")
@click.option("--under", type=click.Path(path_type=Path), help="Only packages at or below PATH.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most N audits."
)
@ledger_options
@json_option
def audits_command(
    under: Path | None, limit: int, db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """List past audits, newest first: verdict, package, counts and the report's hash."""
    from provenance.reports.audit_list import audits_table  # noqa: PLC0415

    with open_ledger(db_url, config_path) as (ledger, _):
        found = ledger.audits.list(limit, path_filter(under))
    if as_json:
        print_json({"audits": [a.to_dict() for a in found]})
    else:
        out.print(audits_table(found))
