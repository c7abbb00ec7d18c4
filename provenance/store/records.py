"""Plain records the ledger hands out and takes in.

The rest of provenance never sees ORM objects or sessions: the :class:`Ledger`
facade returns these frozen dataclasses, and takes :class:`Observation` items
to record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from provenance.vocab import Outcome

EventType = Literal[
    "detected",  # content seen for the first time anywhere
    "seen",  # known content found at another place (a copy)
    "modified",  # new content at a known path; details.previous names the asset it replaced
    "moved",  # known content now at a new path, gone from the old one; details.from
    "removed",  # a known file is no longer where it was; the asset and its history stay
    # The genAI lifecycle (see provenance.lifecycle); details always carry a "reason".
    "approved",  # a written approval was recorded; details.approval, category, document hash
    "revoked",  # an approval was revoked; details.approval
    "approval-refused",  # someone not allowed tried to approve; nothing else changed
    "replaced",  # this generated asset was replaced; details.by names the replacement
    "replaces",  # this asset replaces a generated one; details.replaces names it
    "expiry-set",  # the asset's expiry date was changed; details.expires_at
    "approval-lapsed",  # an approval the asset relied on expired; it is temporary again
    "expired",  # past its expiry without approval or replacement
    "quarantined",  # a copy was moved into the quarantine folder; details.quarantine_path
    "restored",  # a quarantined copy was moved back to where it was
    "deleted-from-quarantine",  # a quarantined copy was deleted, on confirmation
]


@dataclass(frozen=True)
class AssetFacts:
    """What ingest learned about some content: facts and classification."""

    sha256: str
    size: int
    kind: str
    mime: str
    format: str | None
    width: int | None
    height: int | None
    duration: float | None
    verdict: str
    tool: str | None
    confidence: str | None
    evidence: Sequence[Mapping[str, object]]
    prompt: str | None
    problem: str | None
    expires_at: datetime | None = None
    flags: Sequence[Mapping[str, object]] = ()


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

    status: str | None
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
            "evidence": [dict(e) for e in self.evidence],
            "first_seen": iso(self.first_seen),
            "updated_at": iso(self.updated_at),
            "expires_at": iso(self.expires_at) if self.expires_at else None,
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
        """JSON-ready form."""
        return {
            "asset": self.asset_sha256,
            "host": self.host,
            "path": self.path,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "present": self.present,
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
            "asset": self.asset_sha256,
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


@dataclass(frozen=True)
class AssetQuery:
    """Filters for :meth:`Ledger.list_assets`. Unset fields do not filter."""

    verdict: str | None = None
    genai: bool | None = None
    status: str | None = None
    tool: str | None = None
    since: datetime | None = None
    path_prefix: str | None = None
    folder: str | None = None  # seen in a folder of this name at any depth (a show's title)
    roots: tuple[str, ...] = ()  # seen at or below one of these folders
    shas: tuple[str, ...] | None = None  # only these assets
    limit: int | None = None


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, microsecond precision."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
