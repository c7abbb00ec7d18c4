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
* **The chain head** a command checked is the ledger's ``seq`` and ``hash``,
  in the ledger object: ``verify``'s ``{"ledger": {url, signed, seq, hash}}``
  as a signed report's (:func:`ledger_head`).

:data:`SHARED_KEYS` lists the keys that mean one thing in every command's
output, and what their values are; :data:`RETIRED_KEYS` the old names no
output may use any more, and :data:`DEPRECATED_KEYS` the old names still
printed beside their replacement, for scripts written against them. A test
walks every command's real JSON and holds each key to them.

This module imports nothing of the domain, so the store's records and the
reports alike build their JSON through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

ASSET_KEY = "sha256"
"""The key that names an asset, everywhere."""

SHARED_KEYS: dict[str, str] = {
    "sha256": "sha256",
    "replaced_by": "sha256",
    "reference_sha256": "sha256",
    "report_sha256": "sha256",
    "at": "timestamp",
    "first_seen": "timestamp",
    "last_seen": "timestamp",
    "last_beat": "timestamp",
    "last_reconcile": "timestamp",
    "started": "timestamp",
    "since": "timestamp",
    "status": "status",
    "previous_status": "status",
    "signal": "signal",
    "confidence": "confidence",
    "category": "category",
    "needs_approval": "categories",
    "locations": "locations",
    "host": "text",
    "seq": "count",
}
"""Keys that mean one thing wherever they appear, and the kind of their value (besides
null where nothing is known): ``sha256`` a hex SHA-256 (or a list of them), ``timestamp``
an RFC 3339 UTC time with a ``Z``, ``status``/``signal``/``confidence``/``category`` a word of
:mod:`provenance.vocab`, ``categories`` a list of categories, ``locations`` a list of
``{host, path, present}``, ``text`` a string, ``count`` an integer from 0. Every key ending
in ``_at`` is a ``timestamp`` too."""

RETIRED_KEYS: dict[str, str] = {
    "asset_sha256": "sha256",
    "present_at": "locations",
    "present_paths": "locations",
    "needs": "needs_approval",
    "origin_path": "origin.locations",
}
"""Old names no output uses any more (each -> the name that replaced it); see CHANGELOG."""

DEPRECATED_KEYS: dict[str, str] = {
    "head_seq": "ledger.seq",
    "head_hash": "ledger.hash",
}
"""Old names still printed, beside their replacement in the same document, for the scripts
that read them: ``verify --json``'s ``head_seq`` and ``head_hash`` (the chain check's own
fields, which a disclosure report's ``chain`` repeats) are its ``ledger.seq`` and
``ledger.hash``."""

OVERLOADED_KEYS: dict[str, str] = {
    "verdict": "what made a file (genai, not_genai, unknown, unreadable) for an asset or a"
    " classification; the gate's word in an audit (pass, warn, blocked) and `audits`, and"
    " an audit's file (pass, warn, block: `history`'s finals.action)",
    "scope": "an approval's scope (final, temporary-use); a report's scope, described",
    "kind": "a file's media kind; a piece of evidence's kind; an audit match's kind",
    "hash": "an event's or the chain head's hash; an audit stage's seconds (the stage `hash`)",
    "state": "what init did; a watched root's state; an audit stage's seconds",
}
"""Keys that mean different things in different places, left so because renaming them
would break every script that reads them; read them by where they are."""


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


def ledger_head(url: str, seq: int, hash_: str) -> dict[str, object]:
    """The ledger a command checked, with the chain head it found: ``{url, signed: false,
    seq, hash}``, the keys a signed report's ``ledger`` gives its head under."""
    return ledger_block(url) | {"seq": seq, "hash": hash_}


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
