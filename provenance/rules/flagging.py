"""What a newly detected generated asset will need, and when it lapses.

Called by :func:`provenance.ingest.record.examine` for every generated file, before
the ledger sees it, so an asset is recorded with its flags and expiry in the
same transaction as its detection:

* **flags** (see :mod:`provenance.rules.escalations`): prompt screening against the
  show's watchlists, the production's tool registry, and folder rules'
  ``needs``;
* **status and expiry**: generated material is ``temporary``
  (:data:`provenance.vocab.INITIAL_STATUS`), for ``genai_ttl_days`` (or the first
  matching folder rule's ``ttl_days``) from detection. The ledger stores the
  status it is given; the rule is here.

The same screening runs again later: ``provenance rescreen`` records the
flags today's rules raise for assets already in the ledger
(:mod:`provenance.lifecycle.rescreen`), and the audit judges every asset
with them (:func:`with_current_flags`).

Watchlist files are read once and kept while their modification time stays
the same, so a long-running watch daemon picks up an edited list without
re-reading it for every file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from provenance.rules.escalations import Flag, tool_flags
from provenance.rules.watchlists import Watchlist, load_watchlist, screen_prompt
from provenance.settings import Settings
from provenance.settings.tables import ApprovedTool
from provenance.store.records import AssetRecord
from provenance.vocab import INITIAL_STATUS, Status

if TYPE_CHECKING:
    from provenance.classify import Classification

UNRECORDED = "raised by the current rules, not recorded yet: run `provenance rescreen`"


@dataclass(frozen=True)
class Assessment:
    """A generated asset's flags, expiry and status as ingest records them."""

    flags: tuple[Flag, ...] = ()
    expires_at: datetime | None = None
    status: Status | None = None


def assess(path: Path, result: Classification, settings: Settings, now: datetime) -> Assessment:
    """Flags and expiry for a classified file; nothing for files not generated."""
    if not result.is_genai:
        return Assessment()
    flags = screen(result.prompt, result.tool, [path], settings)
    return Assessment(flags, now + timedelta(days=ttl_days(path, settings)), INITIAL_STATUS)


def screen(
    prompt: str | None, tool: str | None, paths: Iterable[Path], settings: Settings
) -> tuple[Flag, ...]:
    """Every flag a generated asset raises: its prompt, its tool, and the folders it is in."""
    flags = [
        *_prompt_and_tool(prompt, tool, watchlists(settings), settings.approved_tools),
        *(flag for path in paths for flag in folder_flags(path, settings)),
    ]
    return tuple(dict.fromkeys(flags))


@lru_cache(maxsize=4096)
def _prompt_and_tool(
    prompt: str | None,
    tool: str | None,
    lists: tuple[Watchlist, ...],
    approved: tuple[ApprovedTool, ...],
) -> tuple[Flag, ...]:
    # The frames of a generated sequence share one prompt: a rescreen of a
    # show, or an audit of its finals, screens each prompt once, not each frame.
    return (*screen_prompt(prompt, lists), *tool_flags(tool, approved))


def with_current_flags(asset: AssetRecord, settings: Settings) -> AssetRecord:
    """A generated asset with the flags today's rules raise added, for judging it now.

    An asset's stored flags are those of the rules when it was detected (or
    last rescreened). The audit judges with these added, so a name put on a
    watchlist blocks a delivery even before anyone runs ``provenance
    rescreen``; each added flag says it is not recorded yet. Folder rules
    are left to the rescreen: they concern where the asset lives in the
    production, not the package.
    """
    if asset.verdict != "genai":
        return asset
    new = flags_missing(asset.flags, screen(asset.prompt, asset.tool, [], settings))
    if not new:
        return asset
    unrecorded = [replace(f, reason=f"{f.reason} ({UNRECORDED})").to_dict() for f in new]
    return replace(asset, flags=[*asset.flags, *unrecorded])


def flags_missing(stored: Iterable[Mapping[str, object]], raised: Iterable[Flag]) -> list[Flag]:
    """The flags of ``raised`` that an asset's ``stored`` flags do not hold yet."""
    have = {Flag.from_dict(f) for f in stored}
    return [flag for flag in raised if flag not in have]


def folder_flags(path: Path, settings: Settings) -> list[Flag]:
    """One flag per category a matching folder rule says files under it need."""
    return [
        Flag(category, "folder-rule", f"everything under '{rule.glob}' needs {category}")
        for rule in settings.folder_rules
        if rule.needs and rule.matches(path)
        for category in rule.needs
    ]


def ttl_days(path: Path, settings: Settings) -> int:
    """Days a generated file at ``path`` stays temporary: the first rule's, or the default."""
    for rule in settings.folder_rules:
        if rule.ttl_days is not None and rule.matches(path):
            return rule.ttl_days
    return settings.genai_ttl_days


def watchlists(settings: Settings) -> tuple[Watchlist, ...]:
    """The show's compiled watchlists (cached while the files are unchanged)."""
    key = tuple((w.path, w.category, _mtime(w.path)) for w in settings.watchlists)
    return _load(key)


@lru_cache(maxsize=16)
def _load(key: tuple[tuple[str, str, int], ...]) -> tuple[Watchlist, ...]:
    return tuple(load_watchlist(Path(path).expanduser(), category) for path, category, _ in key)


def _mtime(path: str) -> int:
    try:
        return Path(path).expanduser().stat().st_mtime_ns
    except OSError:
        return -1  # load_watchlist reports the missing file with the fix
