"""Commands that read files: ``scan`` records them, ``classify`` only says what made them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from provenance.cli.arguments import require_existing
from provenance.cli.group import cli
from provenance.cli.options import (
    json_option,
    ledger_options,
    notarized,
    out,
    print_json,
    progress_bar,
    settings_for,
)
from provenance.ingest.examine import Examiner
from provenance.ingest.scan import plan_scan, run_scan
from provenance.settings import load_settings
from provenance.store.identity import current_host
from provenance.util.json_shapes import listing

if TYPE_CHECKING:
    from provenance.ingest.record import IngestResult


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@ledger_options
@json_option
def scan(
    paths: tuple[Path, ...], db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Ingest files and whole folders into the ledger, classifying each."""

    require_existing(paths)
    settings = settings_for(db_url, config_path).settings
    plan = plan_scan(paths, settings)
    # Hashing starts before the ledger opens: opening it loads SQLAlchemy
    # and checks the schema, a few hundred milliseconds of one core. No
    # other thread runs yet, so the examiner may fork its workers.
    with Examiner(plan.files, settings, current_host()) as examined:
        from provenance.store import Ledger  # noqa: PLC0415

        progress = _progress(len(plan.files), plan.total_bytes)
        with Ledger(settings.db) as ledger, progress as (advance, tick):
            notarized(ledger, settings)
            summary = run_scan(plan, ledger, settings, advance, examined=examined, tick=tick)
    if as_json:
        print_json(summary.to_dict())
    else:
        # Lazy: `scan --json` never loads the console views (fileseq's parser among them).
        from provenance.reports import console as views  # noqa: PLC0415

        out.print(views.scan_summary(summary))


Advance = Callable[["IngestResult"], None]
Tick = Callable[[str], None]


@contextmanager
def _progress(files: int, total_bytes: int) -> Iterator[tuple[Advance, Tick]]:
    """Two bars: the files read (human-readable bytes), then the likeness stage, step by step."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rate]}"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with progress_bar(*columns) as (bar, due):
        task = bar.add_task("scanning", total=total_bytes or 1, rate="")
        done, steps = [0], Counter[str]()

        def advance(result: IngestResult) -> None:
            done[0] += 1
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{done[0] / elapsed:.0f} files/s" if elapsed else ""
            description = f"scanning {done[0]:,}/{files:,} files"
            bar.update(task, advance=result.size, rate=rate, description=description, refresh=due())

        likeness: list[TaskID] = []

        def tick(step: str) -> None:
            if not likeness:  # reading is over: the likeness stage starts its own bar
                bar.update(task, completed=total_bytes or 1, refresh=True)
                likeness.append(bar.add_task("likeness", total=None, rate=""))
            steps[step] += 1
            elapsed = bar.tasks[likeness[0]].elapsed or 0.0
            rate = f"{steps[step] / elapsed:.1f} pictures/s" if elapsed else ""
            bar.update(likeness[0], description=f"{step}: {steps[step]:,}", rate=rate,
                       refresh=due())  # fmt: skip

        yield advance, tick


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
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
