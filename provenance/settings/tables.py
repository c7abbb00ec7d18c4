"""The lifecycle's settings tables and their coercers (declared in ``Settings``).

Kept apart from :mod:`provenance.settings` so that module stays readable; every
setting is still declared once, there, with its help text.

* ``[[watchlists]]``: ``path`` of a watchlist file and the approval
  ``category`` a hit requires (see :mod:`provenance.rules.watchlists`);
* ``[[approved_tools]]``: ``tool`` (a canonical id or any spelling of it),
  licence ``tier`` and a ``note`` (see :mod:`provenance.rules.escalations`);
* ``approvers``: OS user names, a list or a comma-separated string;
* ``[[shows]]``: a title's ``name`` and the folder ``roots`` its files live
  under (see :mod:`provenance.lifecycle.disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from provenance.tools import canonical_tool
from provenance.util.spelling import did_you_mean
from provenance.vocab import Category, as_category


@dataclass(frozen=True)
class ApprovedTool:
    """A tool approved for the production, with its licence tier (e.g. enterprise)."""

    tool: str
    tier: str = "enterprise"
    note: str | None = None


@dataclass(frozen=True)
class WatchlistConfig:
    """A watchlist file and the category a prompt that hits it needs."""

    path: str
    category: Category


def as_watchlists(value: object) -> tuple[WatchlistConfig, ...]:
    """``[[watchlists]]`` tables."""
    return tuple(_watchlist(i, item) for i, item in enumerate(_tables(value, "watchlists")))


def _watchlist(index: int, item: object) -> WatchlistConfig:
    if isinstance(item, WatchlistConfig):
        return item
    table = keyed_table(item, f"watchlists[{index}]", {"path", "category"})
    path, category = table.get("path"), table.get("category")
    if not isinstance(path, str) or not path:
        raise ValueError(f"watchlists[{index}].path must be a file path")
    if not isinstance(category, str):
        raise ValueError(f"watchlists[{index}].category must name an approval category")
    return WatchlistConfig(path, as_category(category))


@dataclass(frozen=True)
class ShowConfig:
    """A title and the folders its files live under (on any host)."""

    name: str
    roots: tuple[str, ...]


def as_shows(value: object) -> tuple[ShowConfig, ...]:
    """``[[shows]]`` tables; names are unique."""
    shows = tuple(_show(i, item) for i, item in enumerate(_tables(value, "shows")))
    names = [show.name for show in shows]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"shows: '{name}' is declared more than once")
    return shows


def _show(index: int, item: object) -> ShowConfig:
    if isinstance(item, ShowConfig):
        return item
    table = keyed_table(item, f"shows[{index}]", {"name", "roots"})
    name, roots = table.get("name"), table.get("roots")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"shows[{index}].name must be the title's name")
    if not isinstance(roots, (list, tuple)) or not roots:
        raise ValueError(f"shows[{index}].roots must be a list of absolute folder paths")
    for root in roots:
        if not isinstance(root, str) or not root.startswith("/"):
            raise ValueError(f"shows[{index}].roots must be absolute folder paths, not {root!r}")
    return ShowConfig(name.strip(), tuple(root.rstrip("/") or "/" for root in roots))


def as_approved_tools(value: object) -> tuple[ApprovedTool, ...]:
    """``[[approved_tools]]`` tables; tool names are stored as canonical ids."""
    return tuple(_tool(i, item) for i, item in enumerate(_tables(value, "approved_tools")))


def _tool(index: int, item: object) -> ApprovedTool:
    if isinstance(item, ApprovedTool):
        return item
    table = keyed_table(item, f"approved_tools[{index}]", {"tool", "tier", "note"})
    tool, tier, note = table.get("tool"), table.get("tier", "enterprise"), table.get("note")
    if not isinstance(tool, str) or not tool:
        raise ValueError(f"approved_tools[{index}].tool must name a tool")
    note = None if note is None else str(note)
    return ApprovedTool(canonical_tool(tool) or tool, str(tier), note)


def as_names(value: object) -> tuple[str, ...]:
    """User or role names: a list, or one comma-separated string (from the environment)."""
    if isinstance(value, str):
        return tuple(name.strip() for name in value.split(",") if name.strip())
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of names, got {value!r}")
    return tuple(value)


def optional_string(value: object, expected: str) -> str | None:
    """A string, or None when empty; anything else is a TypeError naming ``expected``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected {expected}, got {value!r}")
    return value


def as_optional_name(value: object) -> str | None:
    """A name, or None when empty."""
    return optional_string(value, "a name")


def as_categories(value: object, where: str) -> tuple[Category, ...]:
    """A folder rule's ``needs``: approval category names."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)):
        raise ValueError(f"{where} must be a list of approval categories")
    return tuple(as_category(str(name)) for name in names)


MAX_DAYS = 1_000_000
"""The most days a setting may count forward from today (about 2,700 years).

A count of days becomes a date (an expiry, the end of a warning window);
past Python's last date (the year 9999) that addition fails, and it failed
in the middle of a scan or an audit. A "never" written as ``999999999`` is
refused where it is written instead.
"""


def as_days(value: object, where: str) -> int:
    """A whole number of days, from 0 to :data:`MAX_DAYS`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise ValueError(f"{where} must be a whole number of days from 0 to {MAX_DAYS:,}")
    return value


def _tables(value: object, name: str) -> list[object] | tuple[object, ...]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected [[{name}]] tables")
    return value


def keyed_table(item: object, where: str, keys: set[str]) -> Mapping[str, object]:
    """``item`` as a TOML table holding no key but ``keys`` (a misspelt one is named, with the
    key meant); ``where`` names it in the error (``watch[0]``)."""
    if not isinstance(item, dict):
        raise TypeError(f"{where} must be a table")
    extra = set(item) - keys
    if extra:
        name = sorted(extra)[0]
        raise ValueError(f"{where} has unknown key '{name}'{did_you_mean(name, keys)}")
    return item
