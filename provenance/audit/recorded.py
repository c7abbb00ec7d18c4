"""What an audit run records: its ``audits`` row, and an ``audited`` event per asset it found.

A file that *is* an asset (exact, near or region match) is recorded against
that asset. A delivered video that shows generated assets is recorded
against each asset it shows, with every stretch where that asset is on
screen (timecodes in and out, seconds from the start): the evidence the
generative-AI use log cites for on-screen use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from provenance.audit.report import AuditReport, FileResult

if TYPE_CHECKING:
    from provenance.store import AuditedFile, Ledger

MATCHES = ("ledger", "near", "region")


def audited_files(report: AuditReport) -> list[AuditedFile]:
    """One record per (file, asset) the audit tied together."""
    found: list[AuditedFile] = []
    for item in report.files:
        found += _shown(item) if item.segments else _matched(item)
    return found


def _matched(item: FileResult) -> list[AuditedFile]:
    # Lazy: SQLAlchemy loads while the package is hashed, not before.
    from provenance.store import AuditedFile  # noqa: PLC0415

    match = item.match
    if not match.asset or match.kind not in MATCHES:
        return []
    return [AuditedFile(match.asset, item.path, item.verdict, match.kind)]


def _shown(item: FileResult) -> list[AuditedFile]:
    """A video's record for each generated asset it shows, with where on screen."""
    from provenance.store import AuditedFile  # noqa: PLC0415

    spans: dict[str, list[Mapping[str, object]]] = {}
    kinds: dict[str, str] = {}
    for s in item.segments:
        spans.setdefault(s.asset, []).append(
            {"tc_in": s.tc_in, "tc_out": s.tc_out, "start": s.start, "end": s.end}
        )
        kinds.setdefault(s.asset, s.kind)
    return [
        AuditedFile(asset, item.path, item.verdict, kinds[asset], on_screen=tuple(found))
        for asset, found in spans.items()
    ]


def record_audit(report: AuditReport, ledger: Ledger) -> int:
    """Record the audit run and an ``audited`` event on every asset a file matched or shows."""
    # Lazy: SQLAlchemy loads while the package is hashed, not before.
    from provenance.store import AuditIn  # noqa: PLC0415

    digest = hashlib.sha256(report.to_json().encode()).hexdigest()
    s = report.summary
    run = AuditIn(report.root, report.verdict, s["files"], s["pass"], s["warn"], s["block"],
                  report.policy, digest)  # fmt: skip
    return ledger.audits.add(run, audited_files(report))
