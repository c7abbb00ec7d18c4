"""History: what a file is and where it came from.

A target may be a file on disk, a path the ledger knew (even if the file is
gone), or a SHA-256 (full or an unambiguous prefix). For a file on disk the
content decides: it is hashed and looked up, so a renamed or copied file still
finds its story. If the file's current content is not in the ledger, the
content last recorded at that path is shown, with a note saying so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from provenance.errors import TargetNotFound
from provenance.hashing import is_sha256_prefix, sha256_file
from provenance.store import AssetRecord, EventRecord, Ledger, LocationRecord
from provenance.walk import absolute


@dataclass(frozen=True)
class History:
    """An asset's story: the asset, every place it lived, its events in order."""

    asset: AssetRecord
    locations: list[LocationRecord]
    events: list[EventRecord]
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The JSON printed by ``provenance history --json``."""
        data: dict[str, object] = {
            "asset": self.asset.to_dict(),
            "locations": [loc.to_dict() for loc in self.locations],
            "events": [event.to_dict() for event in self.events],
        }
        if self.note:
            data["note"] = self.note
        return data


def find_history(target: str, ledger: Ledger) -> History:
    """Resolve ``target`` to an asset and gather its history."""
    asset, note = _resolve(target, ledger)
    return History(asset, ledger.locations(asset.sha256), ledger.events_for(asset.sha256), note)


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
