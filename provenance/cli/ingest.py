"""Commands that read files: ``scan`` records them, ``classify`` only says what made them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from provenance.cli.arguments import require_existing
from provenance.cli.group import cli
from provenance.cli.options import (
    config_option,
    json_option,
    ledger_options,
    notarized,
    out,
    print_json,
    settings_for,
)
from provenance.cli.progress import StageBars, stage_bars
from provenance.ingest.examine import Examiner
from provenance.ingest.scan import plan_scan, run_scan
from provenance.settings import load_settings
from provenance.store.identity import current_host
from provenance.util.json_shapes import listing

if TYPE_CHECKING:
    from provenance.ingest.scan import ScanSummary
    from provenance.settings import Settings


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@ledger_options
@json_option
def scan(
    paths: tuple[Path, ...], db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Ingest files and whole folders into the ledger, classifying each."""

    require_existing(paths)
    started = time.monotonic()
    settings = settings_for(db_url, config_path).settings
    with stage_bars({"walk": "walking"}, shown=not as_json) as bars:
        summary = _scan(paths, settings, bars)
    summary.wall_seconds = time.monotonic() - started  # settings and ledger opening included
    if as_json:
        print_json(summary.to_dict())
    else:
        # Lazy: `scan --json` never loads the console views (fileseq's parser among them).
        from provenance.reports import console as views  # noqa: PLC0415

        out.print(views.scan_summary(summary))


def _scan(paths: tuple[Path, ...], settings: Settings, bars: StageBars) -> ScanSummary:
    """Walk, read and record, then the likeness stage: each stage with its own bar."""
    plan = plan_scan(paths, settings, lambda size: bars.item("walk", size))
    bars.end("walk")
    bars.begin("reading", total=len(plan.files), total_bytes=plan.total_bytes)
    # Hashing starts before the ledger opens: opening it loads SQLAlchemy
    # and checks the schema, a few hundred milliseconds of one core. No
    # other thread runs yet (the bars draw from this one), so the examiner
    # may fork its workers.
    with Examiner(plan.files, settings, current_host()) as examined:
        from provenance.store import Ledger  # noqa: PLC0415

        with Ledger(settings.db) as ledger:
            notarized(ledger, settings)
            return run_scan(
                plan, ledger, settings, lambda result: bars.item("reading", result.size),
                examined=examined, tick=lambda step: bars.item(step, unit="pictures"),
            )  # fmt: skip


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@config_option
@json_option
def classify(paths: tuple[Path, ...], config_path: Path | None, as_json: bool) -> None:
    """Say what made each file (folders are walked); nothing is written to the ledger."""
    # Lazy: `scan`, in the same module, never loads the survey or the console views.
    from provenance.ingest.survey import classify_paths  # noqa: PLC0415
    from provenance.reports import console as views  # noqa: PLC0415

    require_existing(paths)
    settings = load_settings(config_path).settings
    rows = classify_paths(paths, settings)
    if as_json:
        print_json(listing("files", (row.to_dict() for row in rows)))
    else:
        out.print(views.classification_table(rows))
