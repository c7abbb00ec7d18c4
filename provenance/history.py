"""History: what a file is and where it came from.

A target may be a file on disk, a path the ledger knew (even if the file is
gone), or a SHA-256 (full or an unambiguous prefix). For a file on disk the
content decides: it is hashed and looked up, so a renamed or copied file still
finds its story. If the file's current content is not in the ledger, the
content last recorded at that path is shown, with a note saying so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from provenance.errors import TargetNotFound
from provenance.hashing import is_sha256_prefix, sha256_file
from provenance.policy import asset_state, missing_approvals
from provenance.store import ApprovalRecord, AssetRecord, EventRecord, Ledger, LocationRecord
from provenance.walk import absolute

# Statuses in which a generated asset can still need approvals for finals.
OPEN_STATUSES = ("temporary", "expired", "approved")


@dataclass(frozen=True)
class History:
    """An asset's story: the asset, every place it lived, its events in order.

    For a generated asset also its written approvals (revoked ones included)
    and ``needs``: the approval categories it still lacks for finals.
    """

    asset: AssetRecord
    locations: list[LocationRecord]
    events: list[EventRecord]
    note: str | None = None
    approvals: list[ApprovalRecord] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The JSON printed by ``provenance history --json``."""
        data: dict[str, object] = {
            "asset": self.asset.to_dict(),
            "locations": [loc.to_dict() for loc in self.locations],
            "events": [event.to_dict() for event in self.events],
            "approvals": [approval.to_dict() for approval in self.approvals],
            "needs_approval": list(self.needs),
        }
        if self.note:
            data["note"] = self.note
        return data


def find_history(target: str, ledger: Ledger) -> History:
    """Resolve ``target`` to an asset and gather its history."""
    asset, note = _resolve(target, ledger)
    approvals = ledger.approvals_for(asset.sha256)
    return History(
        asset,
        ledger.locations(asset.sha256),
        ledger.events_for(asset.sha256),
        note,
        approvals,
        needs(asset, approvals, datetime.now(UTC)),
    )


def needs(asset: AssetRecord, approvals: list[ApprovalRecord], now: datetime) -> list[str]:
    """The approval categories a generated asset still lacks for finals at ``now``."""
    if asset.verdict != "genai" or asset.status not in OPEN_STATUSES:
        return []
    state = asset_state(asset, approvals)
    return list(missing_approvals(state.flags, state.approvals, now))


def _resolve(target: str, ledger: Ledger) -> tuple[AssetRecord, str | None]:
    path = Path(target).expanduser()
    if path.is_file():
        return _by_file(absolute(path), ledger)
    if is_sha256_prefix(target) and not os.path.lexists(path):
        return ledger.resolve(target), None
    known = ledger.asset_at(str(absolute(path)))
    if known is not None:
        return known, "this file is no longer there; showing the content last recorded at this path"
    raise TargetNotFound(
        "no such file or asset in the ledger",
        where=target,
        fix="give a file path or a SHA-256 prefix",
    )


def _by_file(path: Path, ledger: Ledger) -> tuple[AssetRecord, str | None]:
    sha = sha256_file(path).sha256
    asset = ledger.get_asset(sha)
    if asset is not None:
        return asset, None
    known = ledger.asset_at(str(path))
    if known is not None:
        return known, (
            f"this file's current content ({sha[:12]}) is not in the ledger; "
            "showing the content last recorded at this path. Run `provenance scan` on it"
        )
    raise TargetNotFound(
        f"this file is not in the ledger (sha256 {sha[:12]})",
        where=path,
        fix="run `provenance scan` on it first",
    )
