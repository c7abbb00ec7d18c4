"""Plain records the ledger hands out and takes in.

The rest of provenance never sees ORM objects or sessions: the parts of the
:class:`~provenance.store.Ledger` facade return these frozen dataclasses, and
take :class:`Observation` items (and the ``...In`` records) to write. Nothing
here imports SQLAlchemy, so code that only builds records (the ingest
workers) starts without it.

* ingest and history: :class:`AssetFacts`, :class:`Observation`,
  :class:`AssetRecord`, :class:`LocationRecord`, :class:`EventRecord`;
* the genAI lifecycle: approvals and their documents, quarantined copies,
  expired and re-screened assets;
* likeness and audits: fingerprints, local features and audit runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from provenance.evidence import Evidence
from provenance.util.json_shapes import asset_row, location, maybe_timestamp, timestamp

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
from provenance.vocab import (
    FEATURE_STATUSES,
    Category,
    Confidence,
    FeatureStatus,
    MediaKind,
    Outcome,
    Scope,
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


@dataclass(frozen=True)
class DocumentIn:
    """A reference document to copy into the ledger (a signed PDF, an email export)."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        """The document's identity in the ledger."""
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self.content)


@dataclass(frozen=True)
class ApprovalRequest:
    """One approval to record: an asset, a category, and who signed off in writing.

    ``path`` is the file the approval was asked for, when it was asked by
    path; ``reference_path`` is where the document was read from.
    """

    asset_sha256: str
    path: str | None
    category: Category
    scope: Scope
    approver: str
    reference_path: str
    expires_at: datetime | None = None
    note: str | None = None
    signature: str | None = None  # the approver's SSHSIG over signed_message
    signed_message: str | None = None


@dataclass(frozen=True)
class ApprovalRecord:
    """A recorded approval. ``recorded_by`` is the OS user who entered it, on ``host``."""

    id: int
    asset_sha256: str
    category: Category
    scope: Scope
    approver: str
    recorded_by: str
    host: str
    reference_path: str
    reference_sha256: str
    approved_at: datetime
    expires_at: datetime | None
    note: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    signature: str | None = None
    signed_message: str | None = None
    revoke_signature: str | None = None
    revoke_message: str | None = None

    def active(self, now: datetime) -> bool:
        """Neither revoked nor lapsed at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def to_dict(self) -> dict[str, object]:
        """JSON form: every field, the asset as ``sha256``, times in RFC 3339 UTC."""
        return _plain_fields(self)


@dataclass(frozen=True)
class QuarantineIn:
    """A copy just moved aside: the asset, where it was, where it is now."""

    asset_sha256: str
    original_path: str
    quarantine_path: str


@dataclass(frozen=True)
class QuarantineRecord:
    """A copy in (or once in) the quarantine folder of ``host``."""

    id: int
    asset_sha256: str
    host: str
    original_path: str
    quarantine_path: str
    quarantined_at: datetime
    restored_at: datetime | None
    deleted_at: datetime | None

    @property
    def held(self) -> bool:
        """Still in quarantine: neither restored nor deleted."""
        return self.restored_at is None and self.deleted_at is None

    def to_dict(self) -> dict[str, object]:
        """JSON form: every field, the asset as ``sha256``, times in RFC 3339 UTC."""
        return _plain_fields(self)


@dataclass(frozen=True)
class ExpiredAsset:
    """An asset ``expire`` changed, and where its copies are present now."""

    asset: AssetRecord
    locations: Sequence[LocationRecord]
    lapsed: bool = False  # it lost its approval rather than (only) passing its expiry

    def to_dict(self) -> dict[str, object]:
        """JSON form: the asset's object with ``lapsed`` and its present ``locations``."""
        places = [location(loc.host, loc.path, loc.present) for loc in self.locations]
        return asset_row(self.asset.to_dict(), lapsed=self.lapsed, locations=places)


@dataclass(frozen=True)
class Screenable:
    """What screening a generated asset again needs: its prompt, tool, flags and status."""

    sha256: str
    prompt: str | None
    tool: str | None
    flags: Sequence[Mapping[str, object]]
    status: str | None


@dataclass(frozen=True)
class FlagsAdded:
    """Flags one asset gained, and its status before and after."""

    sha256: str
    added: Sequence[Mapping[str, object]]
    previous_status: str | None
    status: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "sha256": self.sha256,
            "added": [dict(f) for f in self.added],
            "previous_status": self.previous_status,
            "status": self.status,
        }


StatusRule = Callable[[AssetRecord, Sequence[ApprovalRecord], datetime], Status]
"""The status a generated asset still in the lifecycle should have, with these approvals, at a time.

The lifecycle's status machine (:func:`provenance.rules.policy.open_status`):
the lifecycle passes it in, so the status the ledger stores and the audit's
judgement can never disagree, and the store applies it under the same lock
that writes the change.
"""


def _plain_fields(record: DataclassInstance) -> dict[str, object]:
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


def approval_from_row(row: Any) -> ApprovalRecord:
    """An :class:`ApprovalRecord` from a row of the ``approvals`` table."""
    return record_from(ApprovalRecord, row)


def quarantine_from_row(row: Any) -> QuarantineRecord:
    """A :class:`QuarantineRecord` from a row of the ``quarantine`` table."""
    return record_from(QuarantineRecord, row)


@dataclass(frozen=True)
class FingerprintIn:
    """A fingerprint (or the reason there is none) for one picture of an asset.

    Hashes are signed 64-bit; ``frame`` is 0 for an image and the sampled
    moment's number for a video.
    """

    sha256: str
    status: str
    grad: int | None = None
    dct: int | None = None
    reason: str | None = None
    frame: int = 0


@dataclass(frozen=True)
class StoredFingerprint:
    """An asset's fingerprint (one of a video's) as an index loads it."""

    row_id: int
    sha256: str
    grad: int
    dct: int
    frame: int = 0


@dataclass(frozen=True)
class AssetFingerprints:
    """One asset's stored fingerprints: ``hashes`` (signed grad, dct) in frame order.

    ``status`` is ``ok`` when there are hashes, or the reason there are none.
    """

    status: str
    reason: str | None = None
    hashes: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class FeatureIn:
    """The local features of one picture of an asset, or the reason there are none.

    ``data`` is the opaque blob of ``Features.to_bytes()``, given exactly when
    ``status`` is ``ok``; any other status needs a ``reason``. ``count`` is
    the number of keypoints, ``width`` and ``height`` the working picture's
    size (None where it was never decoded); ``frame`` is 0 for a still.
    """

    sha256: str
    status: FeatureStatus
    data: bytes | None = None
    count: int = 0
    width: int | None = None
    height: int | None = None
    reason: str | None = None
    frame: int = 0

    def __post_init__(self) -> None:
        if self.status not in FEATURE_STATUSES:
            raise ValueError(f"unknown feature status {self.status!r}; known: {FEATURE_STATUSES}")
        ok = self.status == "ok"
        if ok != (self.data is not None) or (ok and (self.width is None or self.height is None)):
            raise ValueError(
                f"features of {self.sha256} frame {self.frame}: data and size exactly when ok"
            )
        if ok == bool(self.reason):
            raise ValueError(f"features of {self.sha256} frame {self.frame}: a reason unless ok")


@dataclass(frozen=True)
class Unfinished:
    """A generated image or video whose derived rows (fingerprints, features) are not all there.

    It has no row yet (``reason`` None: the deferred stage has not run where
    its file is), or its row says ``error`` (a failure that may pass;
    ``reason`` is the stored one, with its count). An audit's comparison
    cannot include it until it has an answer.
    """

    sha256: str
    kind: str
    reason: str | None


@dataclass(frozen=True)
class StoredFailure:
    """An asset whose derived row (a fingerprint, a region check, a sweep) says ``error``.

    ``error`` is a failure that may pass (a read that failed, a worker
    killed or out of memory, a clock run out under load). ``path`` is one of
    the asset's present paths on this host; ``at`` (UTC) is when the row was
    written: the last attempt. ``reason`` carries how many times in a row it
    failed (see ``provenance.likeness.retry``).
    """

    sha256: str
    path: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class RegionCheckIn:
    """What the region check found in one picture not generated, against features to ``through``.

    ``hit`` is the generated asset found inside it, or None; ``status`` is
    ``ok``, or why the picture could not be checked (then ``reason``).
    ``rule`` is the version of the region rule that checked it
    (``provenance.likeness.versions.REGION_RULE``); 0, the default, is
    older than any, so a check that does not say is made again.
    """

    sha256: str
    through: int
    status: FeatureStatus = "ok"
    hit: str | None = None
    inliers: int | None = None
    score: float | None = None
    cover: float | None = None
    mirrored: bool | None = None
    reason: str | None = None
    outline: tuple[tuple[float, float], ...] | None = None  # corners, as shares of the frame
    rule: int = 0


@dataclass(frozen=True)
class SegmentIn:
    """One stretch of video ``sha256`` that shows generated asset ``hit`` (times in seconds).

    A sweep that found nothing, or could not reach the video's end, is one
    record with no ``hit`` (``status`` and ``reason`` say why when not
    ``ok``). ``features_through`` and ``prints_through`` are the last row ids
    of the generated assets' features and fingerprints the sweep was checked
    against; ``at`` and ``outline`` the best sample's time and, for a
    ``region``, where it shows the generated picture (shares of the frame).
    ``rule`` is the region rule's version, as in :class:`RegionCheckIn`.
    """

    sha256: str
    features_through: int
    prints_through: int
    status: FeatureStatus = "ok"
    hit: str | None = None
    start: float | None = None
    end: float | None = None
    tc_in: str | None = None
    tc_out: str | None = None
    kind: str | None = None
    score: float | None = None
    at: float | None = None
    outline: tuple[tuple[float, float], ...] | None = None
    reason: str | None = None
    rule: int = 0


@dataclass(frozen=True)
class StoredFeatures:
    """The stored local features of one picture (one moment of a video), with its row id."""

    row_id: int
    sha256: str
    frame: int
    count: int
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class AssetFeatures:
    """One asset's stored features: ``pictures`` in frame order.

    ``status`` is ``ok`` when there are pictures with features, or else the
    status of its first row, with the ``reason``.
    """

    status: FeatureStatus
    reason: str | None = None
    pictures: tuple[StoredFeatures, ...] = ()


@dataclass(frozen=True)
class AuditIn:
    """One audit run, to record."""

    root: str
    verdict: str
    files: int
    passed: int
    warned: int
    blocked: int
    policy: str
    report_sha256: str


@dataclass(frozen=True)
class AuditRecord:
    """A recorded audit run: when, by whom, which package, its verdict and counts.

    ``report_sha256`` is the hash of the report the run wrote (its JSON form),
    so a report forwarded by email can be matched to the run it came from.
    """

    id: int
    at: datetime
    actor: str
    host: str
    root: str
    verdict: str
    files: int
    passed: int
    warned: int
    blocked: int
    policy: str
    report_sha256: str

    def to_dict(self) -> dict[str, object]:
        """JSON form: every field, times in RFC 3339 UTC."""
        return _plain_fields(self)


@dataclass(frozen=True)
class AuditedFile:
    """A package file that matched an asset: becomes that asset's ``audited`` event.

    ``on_screen`` lists, for a delivered video that shows the asset, each
    stretch where it is seen (``tc_in``, ``tc_out``, ``start``, ``end``): what
    the generative-AI use log reports as on-screen timecodes.
    """

    sha256: str
    path: str
    verdict: str
    match: str
    on_screen: tuple[Mapping[str, object], ...] = ()
