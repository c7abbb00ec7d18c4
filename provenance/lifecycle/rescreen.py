"""Screening generated assets again after the show's rules changed.

A generated asset is screened once, when it is detected: its prompt against
the watchlists, its tool against the approved-tool registry, its folder
against the folder rules (:mod:`provenance.rules.flagging`). Legal adds a name to
a watchlist mid-production, or the production starts an approved-tool list:
the assets already in the ledger were screened against the old rules.
:func:`rescreen` screens every generated asset again against the rules as
they are now, and adds the flags it now raises (see
:mod:`provenance.store.genai`: flags are only ever added, each addition is
a chained ``flagged`` event, and an approved asset that now needs another
approval is no longer approved).

Folder rules are matched against the paths where the asset is present now,
on any host; the prompt and tool are the ones recorded at detection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from provenance.lifecycle.context import Lifecycle
from provenance.rules.flagging import flags_missing, screen
from provenance.rules.policy import open_status
from provenance.store import FlagsAdded, Screenable

PAGE = 1_000  # assets read, screened and written at a time
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


def rescreen(
    lc: Lifecycle, *, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> Rescreen:
    """Screen every generated asset again and add the flags it now raises.

    The ledger is read a page of assets at a time, and each page's flags are
    written in a transaction of its own, so a show with hundreds of
    thousands of generated frames never sits in memory at once, and an
    interrupted rescreen keeps what it wrote (running it again finishes).
    ``progress`` is told how many assets each page screened.
    """
    screened, changes, after = 0, [], None
    while page := lc.ledger.genai.screenable(after, PAGE):
        after = page[-1].sha256
        screened += len(page)
        changes += _rescreen_page(lc, page, dry_run)
        if progress is not None:
            progress(len(page))
    return Rescreen(screened, changes, dry_run)


def _rescreen_page(lc: Lifecycle, page: Sequence[Screenable], dry_run: bool) -> list[FlagsAdded]:
    paths = _present_paths(lc, page)
    additions = {
        asset.sha256: added
        for asset in page
        if (added := _new_flags(asset, paths.get(asset.sha256, []), lc))
    }
    if not additions:
        return []
    if dry_run:
        now = {asset.sha256: asset.status for asset in page}
        return [FlagsAdded(sha, new, now[sha], now[sha]) for sha, new in additions.items()]
    return lc.ledger.genai.add_flags(additions, REASON, lc.now(), open_status)


def _present_paths(lc: Lifecycle, page: Sequence[Screenable]) -> dict[str, list[str]]:
    if not any(rule.needs for rule in lc.settings.folder_rules):
        return {}  # no rule can flag a folder: spare the query
    return lc.ledger.locations.present_paths(asset.sha256 for asset in page)


def _new_flags(asset: Screenable, paths: Sequence[str], lc: Lifecycle) -> list[dict[str, str]]:
    raised = screen(asset.prompt, asset.tool, [Path(p) for p in paths], lc.settings)
    return [flag.to_dict() for flag in flags_missing(asset.flags, raised)]
