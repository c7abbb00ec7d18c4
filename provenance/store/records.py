"""Plain records of assets and their history, and how a record is read from a row.

The rest of provenance never sees ORM objects or sessions: the parts of the
:class:`~provenance.store.Ledger` facade return frozen dataclasses, and take
:class:`Observation` items (and the ``...In`` records) to write. Nothing in
the record modules imports SQLAlchemy, so code that only builds records (the
ingest workers) starts without it.

This module holds what ingest and history pass: :class:`AssetFacts`,
:class:`Observation`, :class:`AssetRecord`, :class:`LocationRecord`,
:class:`EventRecord`, the time format every record states (:data:`iso`),
and :func:`record_from`, which reads any record from a row. The other
records live by concept: the genAI lifecycle's in
:mod:`provenance.store.lifecycle_records`, likeness's (fingerprints, local
features, region checks, a master's segments) in
:mod:`provenance.store.likeness_records`, the audit runs' in
:mod:`provenance.store.audit_records`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from provenance.evidence import Evidence
from provenance.util.json_shapes import location, maybe_timestamp, timestamp

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
from provenance.vocab import (
    Confidence,
    MediaKind,
    Outcome,
    Status,
    Verdict,
)


@dataclass(frozen=True)
class AssetFacts:
    """What ingest learned about some content: facts and classification."""

    sha256: str
    size: int
    kind: MediaKind
    mime: str
    format: str | None
    width: int | None
    height: int | None
    duration: float | None
    verdict: Verdict
    tool: str | None
    confidence: Confidence | None
    evidence: Sequence[Evidence]
    prompt: str | None
    problem: str | None
    expires_at: datetime | None = None
    flags: Sequence[Mapping[str, object]] = ()
    status: Status | None = None  # the lifecycle's status for new content (rules.flagging)
    # Media identity: where the media sits on the editor's clock and what names it, as
    # the file says (ingest.identity). ``tc_start`` and ``tc_length`` are seconds on the
    # timecode clock (frames counted at the nominal rate: 23.976 counts as 24), so a
    # cut's source timecode is compared with them directly.
    timecode: str | None = None  # first frame's timecode, ``01:00:10:00``
    tc_rate: float | None = None  # frames a second of that timecode
    tc_start: float | None = None
    tc_length: float | None = None
    reel: str | None = None  # reel or tape name
    umid: str | None = None  # an MXF's material package UMID (an AAF's MobID), 64 hex digits


IDENTITY_FIELDS = ("timecode", "tc_rate", "tc_start", "tc_length", "reel", "umid")
REEL_CHARS = 128  # the most of a reel name the ledger keeps: the column's width on PostgreSQL


@dataclass(frozen=True)
class MediaCandidate:
    """A present copy of an asset that may be a cut's offline media, with its identity."""

    sha256: str
    path: str
    reel: str | None
    umid: str | None
    tc_start: float | None
    tc_length: float | None
    tc_rate: float | None = None  # given for frames (the clock their position is counted on)


@dataclass(frozen=True)
class Observation:
    """One file seen at one place: its content facts and its file stamp."""

    asset: AssetFacts
    host: str
    path: str
    size: int
    mtime_ns: int
    inode: int


@dataclass(frozen=True, kw_only=True)
class AssetRecord(AssetFacts):
    """An asset as stored, identified by the SHA-256 of its content: its facts, and its state."""

    status: Status | None
    first_seen: datetime
    updated_at: datetime
    replaced_by: str | None = None

    def brief(self) -> str:
        """Verdict, tool and status in a few words, e.g. ``genai, comfyui, temporary``."""
        return ", ".join(part for part in (self.verdict, self.tool, self.status) if part)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (times in ISO 8601 UTC)."""
        return {
            "sha256": self.sha256,
            "size": self.size,
            "kind": self.kind,
            "mime": self.mime,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "duration": self.duration,
            "verdict": self.verdict,
            "tool": self.tool,
            "confidence": self.confidence,
            "status": self.status,
            "prompt": self.prompt,
            "problem": self.problem,
            "evidence": [e.to_dict() for e in self.evidence],
            "first_seen": iso(self.first_seen),
            "updated_at": iso(self.updated_at),
            "expires_at": maybe_timestamp(self.expires_at),
            "flags": [dict(f) for f in self.flags],
            "replaced_by": self.replaced_by,
        }


@dataclass(frozen=True)
class LocationRecord:
    """A place an asset has been seen: host and absolute path."""

    asset_sha256: str
    host: str
    path: str
    size: int
    mtime_ns: int
    first_seen: datetime
    last_seen: datetime
    present: bool

    def to_dict(self) -> dict[str, object]:
        """JSON form: a ``locations`` entry, with what the ledger knows of the place.

        It never repeats the asset: a location is always listed under its asset.
        """
        return location(self.host, self.path, self.present) | {
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
        }


@dataclass(frozen=True)
class EventRecord:
    """One entry of the append-only, hash-chained event log."""

    seq: int
    at: str
    type: str
    asset_sha256: str | None
    actor: str
    host: str
    path: str | None
    details: Mapping[str, object]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "seq": self.seq,
            "at": self.at,
            "type": self.type,
            "sha256": self.asset_sha256,
            "actor": self.actor,
            "host": self.host,
            "path": self.path,
            "details": dict(self.details),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class RecordResult:
    """What recording one observation did."""

    sha256: str
    path: str
    outcome: Outcome
    identified: bool = False  # the asset's empty media identity was filled in (store.identify)


@dataclass(frozen=True)
class AssetQuery:
    """Filters for :meth:`~.assets.AssetsPart.list` and ``count``. Unset fields do not filter."""

    verdict: str | None = None
    genai: bool | None = None
    status: str | None = None
    tool: str | None = None
    since: datetime | None = None
    path_prefix: str | None = None  # seen at or below this folder (whole components)
    folder: str | None = None  # seen in a folder of this name at any depth (a show's title)
    roots: tuple[str, ...] = ()  # seen at or below one of these folders
    shas: tuple[str, ...] | None = None  # only these assets
    sha_prefix: str | None = None  # only assets whose SHA-256 starts with these digits
    path_contains: str | None = None  # ever seen at a path holding this text (any case)
    limit: int | None = None


@dataclass(frozen=True)
class PathStamp:
    """What the ledger last saw at a present location: enough to tell a file changed."""

    path: str
    size: int
    mtime_ns: int
    inode: int


iso = timestamp
"""A time as the ledger and every JSON output state it: RFC 3339, UTC, ``Z`` (one function)."""


def plain_fields(record: DataclassInstance) -> dict[str, object]:
    """A record's fields as JSON: ``asset_sha256`` is the asset's ``sha256``, times RFC 3339."""
    data: dict[str, object] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        key = "sha256" if f.name == "asset_sha256" else f.name
        data[key] = timestamp(value) if isinstance(value, datetime) else value
    return data


R = TypeVar("R")


def record_from(kind: type[R], row: Any) -> R:
    """A plain record from a result row or an ORM object: each field from the column of its name."""
    return kind(**_columns(row, _field_names(kind)))


def asset_from_row(row: Any) -> AssetRecord:
    """An :class:`AssetRecord` from a row of the ``assets`` table, or an ``Asset`` object."""
    data = _columns(row, _field_names(AssetRecord))
    data["evidence"] = tuple(Evidence.from_dict(e) for e in data["evidence"] or ())
    data["flags"] = list(data["flags"] or [])
    return AssetRecord(**data)


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(kind: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def _columns(row: Any, names: Sequence[str]) -> dict[str, Any]:
    # A result row gives its columns as one dict at C speed (a lookup by attribute
    # is slow in SQLAlchemy's rows, and a known package's audit reads every asset).
    as_dict = getattr(row, "_asdict", None)
    if as_dict is None:  # an ORM object
        return {name: getattr(row, name) for name in names}
    values = as_dict()
    return {name: values[name] for name in names}
