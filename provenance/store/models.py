"""The ledger's tables, as SQLAlchemy 2.0 typed models.

* ``assets``: one row per distinct content (SHA-256), with its facts and
  classification, and for genAI a lifecycle ``status``.
* ``locations``: every (host, path) an asset has been seen at, with the file's
  size and mtime then, first and last seen, and whether it is still there.
* ``events``: the append-only history, hash-chained (see :mod:`.chain`).
* ``chain_head``: one row naming the last event; appends lock it, which
  serializes writers on PostgreSQL, and ``verify`` compares it with the log so
  that removing events from the end is detected too.

The schema itself is created and upgraded by the Alembic migrations in
``migrations/``; a test checks these models and the migrations agree.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; naive values are taken to be UTC already."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the ledger's models."""


class Asset(Base):
    """Distinct content, identified by its SHA-256."""

    __tablename__ = "assets"

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
    prompt: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Location(Base):
    """One place (host, path) where an asset has been seen."""

    __tablename__ = "locations"
    __table_args__ = (
        Index("ix_locations_host_path", "host", "path"),
        Index("uq_locations_asset_host_path", "asset_sha256", "host", "path", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("assets.sha256"))
    host: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(Text)
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
    path: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The single row naming the newest event; locked by every append."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
