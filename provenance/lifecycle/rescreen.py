"""Screening generated assets again after the show's rules changed.

A generated asset is screened once, when it is detected: its prompt against
the watchlists, its tool against the approved-tool registry, its folder
against the folder rules (:mod:`provenance.flagging`). Legal adds a name to
a watchlist mid-production, or the production starts an approved-tool list:
the assets already in the ledger were screened against the old rules.
:func:`rescreen` screens every generated asset again against the rules as
they are now, and adds the flags it now raises (see
:mod:`provenance.store.flags`: flags are only ever added, each addition is
a chained ``flagged`` event, and an approved asset that now needs another
approval is no longer approved).

Folder rules are matched against the paths where the asset is present now,
on any host; the prompt and tool are the ones recorded at detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from provenance.escalations import Flag
from provenance.flagging import screen
from provenance.lifecycle.context import Lifecycle
from provenance.policy import clears_for_finals
from provenance.store import AssetQuery, AssetRecord, FlagsAdded

REASON = "screened again against the current watchlists, tool registry and folder rules"


@dataclass(frozen=True)
class Rescreen:
    """What a rescreen found: the assets it screened and the flags each gains."""

    screened: int
    changes: Sequence[FlagsAdded]
    dry_run: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``provenance rescreen --json``)."""
        return {
            "screened": self.screened,
            "dry_run": self.dry_run,
            "flagged": [change.to_dict() for change in self.changes],
        }


def rescreen(lc: Lifecycle, *, dry_run: bool = False) -> Rescreen:
    """Screen every generated asset again and add the flags it now raises."""
    assets = lc.ledger.list_assets(AssetQuery(genai=True))
    paths = _present_paths(lc, assets)
    additions = {
        asset.sha256: added
        for asset in assets
        if (added := _new_flags(asset, paths.get(asset.sha256, []), lc))
    }
    if dry_run:
        planned = [
            FlagsAdded(asset.sha256, additions[asset.sha256], asset.status, asset.status)
            for asset in assets
            if asset.sha256 in additions
        ]
        return Rescreen(len(assets), planned, dry_run=True)
    changes = lc.ledger.add_flags(additions, REASON, lc.now(), clears_for_finals)
    return Rescreen(len(assets), changes, dry_run=False)


def _present_paths(lc: Lifecycle, assets: Sequence[AssetRecord]) -> dict[str, list[str]]:
    if not any(rule.needs for rule in lc.settings.folder_rules):
        return {}  # no rule can flag a folder: spare the query
    return lc.ledger.present_paths_of(asset.sha256 for asset in assets)


def _new_flags(asset: AssetRecord, paths: Sequence[str], lc: Lifecycle) -> list[dict[str, str]]:
    have = {Flag.from_dict(f) for f in asset.flags}
    now = screen(asset.prompt, asset.tool, [Path(p) for p in paths], lc.settings)
    return [flag.to_dict() for flag in now if flag not in have]
