"""The ledger's tables, as SQLAlchemy 2.0 typed models.

* ``assets``: one row per distinct content (SHA-256), with its facts and
  classification, and for genAI a lifecycle ``status``.
* ``locations``: every (host, path) an asset has been seen at, with the file's
  size and mtime then, first and last seen, and whether it is still there.
* ``events``: the append-only history, hash-chained (see :mod:`.chain`).
* ``chain_head``: one row naming the last event; appends lock it, which
  serializes writers on PostgreSQL, and ``verify`` compares it with the log so
  that removing events from the end is detected too.
* ``documents``: approval reference documents (signed PDFs, consent forms),
  copied into the ledger by content hash so they cannot silently change.
* ``approvals``: written approvals of generated assets, per escalation
  category, with the document they rest on; revoked, never deleted.
* ``quarantine``: copies that ``purge`` moved aside, and whether they were
  restored or deleted since.
* ``watch_daemons``: one row per watch daemon run, its heartbeat and state
  (not part of the event chain: a heartbeat is news, not history).
* ``watch_checkpoints``: per host and watched root, the mode and the time of
  the last complete reconcile.
* ``fingerprints``, ``features``, ``region_checks`` and ``segments``: derived
  data of pictures, one row per picture of an image or video asset, in
  :mod:`provenance.store.likeness_models`: perceptual fingerprints for near
  matches, local features for pictures found inside others, what the region
  check found in a picture and the stretches of a video that show a
  generated asset.
* ``audits``: one row per audit run.
* ``checkpoints``: chain heads signed by the machine that wrote them (0009),
  with the range of events each transaction wrote (0016), see
  :mod:`provenance.signing.checkpoints`.

:data:`METADATA` holds every table, these and the likeness ones; the
column types they share and their declarative base are in
:mod:`provenance.store.columns`. The schema itself is created and upgraded
by the Alembic migrations in ``migrations/``; a test checks these models
and the migrations agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from provenance.store import likeness_models  # noqa: F401  (its tables join METADATA)
from provenance.store.columns import PathText, ShownText
from provenance.store.records import REEL_CHARS

# Exported from here too because the migrations import them from this module (env.py
# the base, each version the time column), and a released migration never changes.
from provenance.store.columns import Base as Base  # noqa: PLC0414  # isort: skip
from provenance.store.columns import UTCDateTime as UTCDateTime  # noqa: PLC0414  # isort: skip

# What a show's dashboard and search read of its generated assets, kept in a partial index
# beside each generated asset's hash (PostgreSQL's INCLUDE; migration 0012).
GENAI_BRIEF_INCLUDES = ("verdict", "first_seen", "tool", "status", "expires_at", "flags")
GENAI_WHERE = "verdict = 'genai'"


class Asset(Base):
    """Distinct content, identified by its SHA-256."""

    __tablename__ = "assets"
    # Pages of assets of one verdict or kind, in sha256 order (migration 0006).
    __table_args__ = (
        Index("ix_assets_verdict_sha256", "verdict", "sha256"),
        Index("ix_assets_kind_sha256", "kind", "sha256"),
        # The newest assets of one tool and status (migration 0010).
        Index("ix_assets_tool_status_first_seen", "tool", "status", "first_seen"),
        Index("ix_assets_reel", "reel", "kind"),  # offline media found by reel (migration 0011)
        Index("ix_assets_umid", "umid"),  # and by an AAF's MobID
        # A show's generated assets, in brief, without reading a row (migration 0012).
        # PostgreSQL's INCLUDE and WHERE: see postgresql_options.
        Index("ix_assets_genai_brief", "sha256", sqlite_where=text(GENAI_WHERE)),
    )

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    mime: Mapped[str] = mapped_column(String(128))
    format: Mapped[str | None] = mapped_column(String(32))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    tool: Mapped[str | None] = mapped_column(String(64), index=True)
    confidence: Mapped[str | None] = mapped_column(String(8))
    evidence: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    prompt: Mapped[str | None] = mapped_column(ShownText)
    problem: Mapped[str | None] = mapped_column(ShownText)
    status: Mapped[str | None] = mapped_column(String(16), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    flags: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    replaced_by: Mapped[str | None] = mapped_column(String(64))
    # Where the media sits on the editor's clock, and what names it (migration 0011;
    # see :class:`~provenance.store.records.AssetFacts`).
    timecode: Mapped[str | None] = mapped_column(String(16))
    tc_rate: Mapped[float | None] = mapped_column(Float)
    tc_start: Mapped[float | None] = mapped_column(Float)
    tc_length: Mapped[float | None] = mapped_column(Float)
    reel: Mapped[str | None] = mapped_column(String(REEL_CHARS))
    umid: Mapped[str | None] = mapped_column(String(64))


class Location(Base):
    """One place (host, path) where an asset has been seen."""

    __tablename__ = "locations"
    __table_args__ = (
        Index("ix_locations_host_path", "host", "path"),
        Index("uq_locations_asset_host_path", "asset_sha256", "host", "path", unique=True),
        # Paths below a folder (LIKE 'root/%'), and part of a path on PostgreSQL (0010).
        Index("ix_locations_path_prefix", "path"),  # text_pattern_ops: see postgresql_options
        Index("ix_locations_path_trgm", "path").ddl_if(dialect="postgresql"),  # a GIN index
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("assets.sha256"))
    host: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(PathText)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(BigInteger)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    present: Mapped[bool] = mapped_column(Boolean)


class Event(Base):
    """An entry of the hash-chained, append-only history. Never updated or deleted."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32), index=True)
    asset_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    path: Mapped[str | None] = mapped_column(PathText)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The single row naming the newest event; locked by every append."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class CheckpointRow(Base):
    """A chain head (``seq``, ``hash``) signed by the machine key of ``host`` (``signer``)."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    host: Mapped[str] = mapped_column(String(255))
    signer: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)
    # The transaction's own events (first_seq..seq), and where ranges begin (0016); None
    # on the rows written before.
    first_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    since: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class WatchDaemon(Base):
    """One run of ``provenance watch``: where, since when, its last heartbeat and state."""

    __tablename__ = "watch_daemons"
    __table_args__ = (Index("ix_watch_daemons_host", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started: Mapped[datetime] = mapped_column(UTCDateTime())
    last_beat: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[dict[str, object]] = mapped_column(JSON)


class WatchCheckpoint(Base):
    """Per host and watched root: its mode and the last complete reconcile."""

    __tablename__ = "watch_checkpoints"
    __table_args__ = (Index("uq_watch_checkpoints_host_root", "host", "root", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    root: Mapped[str] = mapped_column(PathText)
    mode: Mapped[str] = mapped_column(String(16))
    last_reconcile: Mapped[datetime] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, object]] = mapped_column(JSON)


class Document(Base):
    """An approval's reference document, stored by content so it cannot silently change."""

    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stored_by: Mapped[str] = mapped_column(String(255))


class Approval(Base):
    """A written approval of one asset for one escalation category."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("assets.sha256"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    approver: Mapped[str] = mapped_column(String(255))
    recorded_by: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    reference_path: Mapped[str] = mapped_column(PathText)
    reference_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("documents.sha256"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(ShownText)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(255))
    revoke_reason: Mapped[str | None] = mapped_column(ShownText)
    # SSHSIG signatures by the approver and the exact messages they signed (0009).
    signature: Mapped[str | None] = mapped_column(Text)
    signed_message: Mapped[str | None] = mapped_column(Text)
    revoke_signature: Mapped[str | None] = mapped_column(Text)
    revoke_message: Mapped[str | None] = mapped_column(Text)


class Quarantine(Base):
    """One copy that ``purge`` moved into the quarantine folder."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("assets.sha256"), index=True)
    host: Mapped[str] = mapped_column(String(255))
    original_path: Mapped[str] = mapped_column(PathText)
    quarantine_path: Mapped[str] = mapped_column(PathText)
    quarantined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """One run of ``provenance audit``: who, when, which package, counts, the report's hash."""

    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    root: Mapped[str] = mapped_column(PathText)
    verdict: Mapped[str] = mapped_column(String(16))
    files: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)
    warned: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    policy: Mapped[str] = mapped_column(ShownText)  # the policy file's path, for reading
    report_sha256: Mapped[str] = mapped_column(String(64))


METADATA = Base.metadata
"""Every table of the ledger: this module's and the per-picture ones of :mod:`.likeness_models`."""


def postgresql_options() -> None:
    """Give the indexes their PostgreSQL-only options (idempotent).

    The generated assets' brief index covers its columns (``INCLUDE``, an
    index-only scan, migration 0012); paths are indexed for prefixes
    (``text_pattern_ops``) and for any part (a trigram GIN index, 0010).
    They are set here, when a PostgreSQL engine is made
    (:func:`provenance.store.engine.make_engine`, and the migrations'
    environment), not in the models: SQLAlchemy validates a ``postgresql_``
    option by importing the PostgreSQL dialect, which every command on a
    SQLite ledger would otherwise load for nothing (about 30 ms of CPU,
    measured on an audit).
    """
    tables = (METADATA.tables["assets"], METADATA.tables["locations"])
    indexes = {str(i.name): i for table in tables for i in table.indexes}
    options: dict[str, dict[str, object]] = {
        "ix_assets_genai_brief": {
            "postgresql_include": list(GENAI_BRIEF_INCLUDES),
            "postgresql_where": text(GENAI_WHERE),
        },
        "ix_locations_path_prefix": {"postgresql_ops": {"path": "text_pattern_ops"}},
        "ix_locations_path_trgm": {
            "postgresql_using": "gin",
            "postgresql_ops": {"path": "gin_trgm_ops"},
        },
    }
    for name, kwargs in options.items():
        for key, value in kwargs.items():
            indexes[name].dialect_kwargs[key] = value
