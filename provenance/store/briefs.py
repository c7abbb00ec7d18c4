"""Brief assets: the few columns a show's dashboard decides and lists with.

A dashboard looks at every generated asset of a show (thousands) to say
which are temporary, which expire soon and which still need an approval, but
lists only the first few of each. Reading each asset in full (its evidence
and prompt parsed into records) was most of the dashboard's time; a brief
carries only what those decisions and the list read. The approval rules
take it as they take a full record (:class:`provenance.rules.policy.PolicyFacts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from provenance.vocab import Status, Verdict


@dataclass(frozen=True)
class AssetBrief:
    """An asset's hash, classification, lifecycle state and flags; nothing else."""

    sha256: str
    verdict: Verdict
    tool: str | None
    status: Status | None
    expires_at: datetime | None
    flags: Sequence[Mapping[str, object]]


BRIEF_COLUMNS = ("sha256", "verdict", "tool", "status", "expires_at", "flags")


def brief_from_row(row: Sequence[object]) -> AssetBrief:
    """An :class:`AssetBrief` from a row of :data:`BRIEF_COLUMNS`, in that order."""
    sha256, verdict, tool, status, expires_at, flags = row
    return AssetBrief(sha256, verdict, tool, status, expires_at, flags or ())  # type: ignore[arg-type]
