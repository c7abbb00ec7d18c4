"""The list of past audits (``provenance audits``): which deliveries were gated, and how.

A delivery coordinator asks "did the package we sent on Friday pass, and
which report was it?": each run with its time, who ran it where, the
package, its verdict and counts, and the hash of its JSON report, so a
forwarded report can be matched to the run that wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from provenance.store import AuditRecord

VERDICT_STYLES = {"blocked": "bold red", "pass": "green"}


def audits_table(audits: Sequence[AuditRecord]) -> Table:
    """Past audits, newest first; the package path folds rather than being cut (80 columns)."""
    table = Table()
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("when (UTC), report", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("package", overflow="fold", ratio=1)
    for a in audits:
        verdict = Text(a.verdict.upper(), style=VERDICT_STYLES.get(a.verdict, ""))
        verdict.append(f"\n{a.blocked} blocked\n{a.warned} warned\n{a.files} files", style="dim")
        when = Text(a.at.strftime("%Y-%m-%d %H:%M")).append(f"\n{a.report_sha256[:12]}", "dim")
        package = Text(a.root).append(f"\nby {a.actor} on {a.host}", style="dim")
        table.add_row(str(a.id), when, verdict, package)
    return table
