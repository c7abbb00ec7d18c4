"""``provenance audit CUT``: the audit of an editorial timeline, part of the CLI layer.

:mod:`provenance.cli.audit` sends a timeline here; the report is then
printed and written exactly as a package's, with one row per clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.cli.arguments import writable_output
from provenance.cli.options import err, notarized
from provenance.errors import NothingMatched

if TYPE_CHECKING:
    from provenance.audit.report import AuditReport
    from provenance.rules.policy import Policy
    from provenance.settings import Settings


@dataclass(frozen=True)
class CutRun:
    """What ``provenance audit CUT`` was asked: the cut, its roots, the markers file."""

    cut: Path
    roots: tuple[Path, ...]
    markers: Path | None
    strict: bool
    record: bool
    allow_empty: bool


def audit_cut_command(
    run: CutRun, settings: Settings, policy: Policy
) -> tuple[AuditReport, dict[str, object]]:
    """Audit the cut, write its markers when asked; the report and its signed JSON."""
    # Lazy: OpenTimelineIO and the audit load only for a cut; cli.audit imports this module.
    from provenance.audit.cut import audit_cut  # noqa: PLC0415
    from provenance.audit.cut_markers import check_markers_path, write_markers  # noqa: PLC0415
    from provenance.audit.run import AuditOptions  # noqa: PLC0415
    from provenance.cli.audit import _progress, _signed  # noqa: PLC0415
    from provenance.store import Ledger  # noqa: PLC0415

    if run.markers is not None:
        check_markers_path(run.markers)
        writable_output(run.markers)
    with Ledger.existing(settings.db) as opened, _progress() as (advance, stage):
        ledger = notarized(opened, settings)
        options = AuditOptions(policy, run.strict, record=run.record, on_stage=stage)
        done = audit_cut(run.cut, ledger, settings, options, run.roots, advance)
        if not done.report.clips and not run.allow_empty:
            raise NothingMatched(
                "the cut holds no clips",
                where=run.cut,
                fix="check the timeline; pass --allow-empty if it may go",
            )
        signed = _signed(done.report, [ledger], settings)
    if run.markers is not None:
        added = write_markers(done.timeline, done.clips, run.markers)
        err.print(f"markers: {added} clip(s) marked in {run.markers}")
    return done.report, signed
