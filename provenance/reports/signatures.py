"""Console views of what ``verify`` found about signatures, and of checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from provenance.lifecycle.anchors import Finding, SignatureReport
    from provenance.signing.checkpoints import Checkpoint


def signature_report(
    report: SignatureReport, against: Sequence[Finding], paths: Sequence[Path]
) -> Text:
    """Lines on the checkpoints, approvals' signatures and the anchors checked against."""
    text = Text()
    if report.ok:
        text.append(
            f"OK: {report.checkpoints} signed checkpoints; anchored through event"
            f" {report.anchored_seq}",
            style="green",
        )
    if report.approvals:
        _approvals(text, report)
    for finding in report.findings:
        _finding(text, finding)
    if paths and not against:
        text.append(f"\nOK: the ledger extends every head in {len(paths)} path(s)", style="green")
    for finding in against:
        _finding(text, finding)
    return text


def _approvals(text: Text, report: SignatureReport) -> None:
    if text:
        text.append("\n")
    if report.honoured == report.approvals:
        line = f"{report.approvals} approval(s), each signed by a key trusted for its approver"
        text.append(f"OK: {line}", style="green")
    else:
        line = f"{report.honoured} of {report.approvals} approval(s) honoured; the notes say why"
        text.append(f"NOTE: {line} the others are not", style="yellow")


def _finding(text: Text, finding: Finding) -> None:
    if text:
        text.append("\n")
    if finding.fatal:
        text.append(f"BROKEN: {finding.what}", style="bold red")
    else:
        text.append(f"NOTE: {finding.what}", style="yellow")


def checkpoint_written(checkpoint: Checkpoint, path: Path | None) -> Text:
    """One line for ``provenance checkpoint``."""
    where = f" to {path}" if path is not None else ""
    return Text(
        f"Checkpoint of head {checkpoint.seq} {checkpoint.hash} signed by {checkpoint.host}{where}."
    )
