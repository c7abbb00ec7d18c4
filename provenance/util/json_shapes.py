"""The one JSON vocabulary every command's ``--json`` speaks, written down once.

Scripts that read several commands' output should never meet the same thing
under two names. The rules, which the shipped JSON Schemas
(``provenance/reports/schemas/``) check on every command:

* **An object at the top level**, its lists named: ``{"assets": [...]}``,
  never a bare array, so a command can add a field without breaking readers.
* **An asset is** ``sha256``: the hex SHA-256 of its content, under that key
  wherever an asset is named. A row that *is* an asset (``ls``, ``expire``,
  ``set-expiry``, ``history``'s ``asset``) is the asset's object with what the
  command adds beside its facts (``needs_approval``, ``locations``,
  ``lapsed``). A record *about* an asset (an approval, an event, a quarantined
  copy, an audit match, a video's segment) names it by ``sha256``; a record
  about two (a replacement) names the second by its role (``replaced_by``),
  as the asset object does.
* **Approvals still needed** are ``needs_approval``: a list of categories.
* **Places** are ``locations``: a list of ``{host, path, present}`` objects
  (with ``first_seen``, ``last_seen``, ``size`` and ``mtime_ns`` where the
  ledger's full record is shown). One copy of an asset at one place (what
  ``purge`` would move) is the asset's ``sha256`` with the place's keys.
* **The ledger** a report was made from is an object, ``{url, signed}``
  (:func:`ledger_block`); a signed report's adds the signed chain head
  (``seq``, ``hash``, ``at``, ``host``, ``signer``, ``signature``).
* **Times** are RFC 3339 in UTC, ending in ``Z``, to the microsecond:
  ``2026-12-06T01:49:03.123456Z`` (:func:`timestamp`).

This module imports nothing of the domain, so the store's records and the
reports alike build their JSON through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

ASSET_KEY = "sha256"
"""The key that names an asset, everywhere."""


def timestamp(moment: datetime) -> str:
    """``moment`` as RFC 3339 in UTC with a ``Z``, microsecond precision.

    A naive time is taken as UTC (the ledger stores UTC; SQLite drops the zone).
    """
    utc = moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
    # isoformat, not strftime: %Y drops the leading zeros of a year before 1000.
    return utc.isoformat(timespec="microseconds") + "Z"


def maybe_timestamp(moment: datetime | None) -> str | None:
    """:func:`timestamp`, or None for no time (an expiry never set, a run not finished)."""
    return None if moment is None else timestamp(moment)


def ledger_block(url: str) -> dict[str, object]:
    """The ledger a report was made from, before any signing: ``{url, signed: false}``."""
    return {"url": url, "signed": False}


def location(host: str, path: str, present: bool) -> dict[str, object]:
    """One place an asset has been seen: ``{host, path, present}``."""
    return {"host": host, "path": path, "present": present}


def asset_copy(sha256: str, host: str, path: str, present: bool) -> dict[str, object]:
    """One copy of an asset at one place: ``{sha256, host, path, present}``."""
    return {ASSET_KEY: sha256} | location(host, path, present)


def present_locations(places: Iterable[tuple[str, str]]) -> list[dict[str, object]]:
    """The places (host, path) where copies are present now, as ``locations`` entries."""
    return [location(host, path, True) for host, path in places]


def asset_row(asset: Mapping[str, object], **added: object) -> dict[str, object]:
    """An asset's JSON object with what a command adds beside its facts.

    A command may add fields; it may not change what a fact means, so an
    added key that is already one of the asset's is a programming error.
    """
    clash = set(asset) & set(added)
    if clash:
        raise ValueError(f"fields added to an asset clash with its own: {sorted(clash)}")
    return {**asset, **added}


def listing(name: str, rows: Iterable[Mapping[str, object]], **more: object) -> dict[str, object]:
    """A top-level object whose list is named: ``{"assets": [...]}`` plus any other fields."""
    return {name: [dict(row) for row in rows], **more}
