"""``provenance audit CUT``: the audit of an editorial timeline, part of the CLI layer.

:mod:`provenance.cli.audit` sends a timeline here; the report is then
printed and written exactly as a package's, with one row per clip.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.cli.arguments import writable_output
from provenance.cli.options import err, notarized
from provenance.errors import InvalidValue, NothingMatched

if TYPE_CHECKING:
    from provenance.audit.report import AuditReport
    from provenance.rules.policy import Policy
    from provenance.settings import Settings
    from provenance.store import Ledger


@dataclass(frozen=True)
class CutRun:
    """What ``provenance audit CUT`` was asked: the cut, its roots, the markers file."""

    cut: Path
    roots: tuple[Path, ...]
    markers: Path | None
    strict: bool
    record: bool
    allow_empty: bool
    edl_rate: float


Progress = Callable[[], AbstractContextManager[tuple[Callable[[int], None], Callable[[str], None]]]]
"""Makes the audit's progress bar: (advance by bytes, name the stage)."""
Signer = Callable[["AuditReport", list["Ledger"], "Settings"], dict[str, object]]
"""Signs a report's JSON with the ledger head and this machine's key."""


def audit_cut_command(
    run: CutRun, settings: Settings, policy: Policy, progress: Progress, signer: Signer
) -> tuple[AuditReport, dict[str, object]]:
    """Audit the cut, write its markers when asked; the report and its signed JSON.

    The progress bar and the signing are ``provenance audit``'s own, handed in.
    """
    # Lazy: OpenTimelineIO and the audit load only for a cut.
    from provenance.audit.cut import audit_cut  # noqa: PLC0415
    from provenance.audit.cut_markers import check_markers_path, write_markers  # noqa: PLC0415
    from provenance.audit.run import AuditOptions  # noqa: PLC0415
    from provenance.store import Ledger  # noqa: PLC0415

    if run.markers is not None:
        check_markers_path(run.markers)
        if run.markers.absolute().resolve() == run.cut.absolute().resolve():
            raise InvalidValue(
                "--markers would overwrite the cut being audited",
                where=run.markers,
                fix="write the markers to a new file; the editor's timeline is never changed",
            )
        writable_output(run.markers)
    with Ledger.existing(settings.db) as opened, progress() as (advance, stage):
        ledger = notarized(opened, settings)
        options = AuditOptions(policy, run.strict, record=run.record, on_stage=stage)
        done = audit_cut(run.cut, ledger, settings, options, run.roots, advance, run.edl_rate)
        if not done.report.clips and not run.allow_empty:
            raise NothingMatched(
                "the cut holds no clips",
                where=run.cut,
                fix="check the timeline; pass --allow-empty if it may go",
            )
        signed = signer(done.report, [ledger], settings)
    if run.markers is not None:
        added = write_markers(done.timeline, done.clips, run.markers)
        err.print(f"markers: {added} clip(s) marked in {run.markers}")
    return done.report, signed
