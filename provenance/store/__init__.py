"""The ledger: the only package that imports SQLAlchemy.

Everything outside reaches the database through :class:`Ledger` and the plain
records in :mod:`provenance.store.records`.

Names load on first use (PEP 562): the plain records need no SQLAlchemy, so
code that only builds records (the ingest workers) starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.util.lazy import lazy_exports

if TYPE_CHECKING:
    from provenance.store.chain import ChainReport
    from provenance.store.daemons import CheckpointRecord, DaemonRecord, PathStamp
    from provenance.store.identity import current_actor, current_host
    from provenance.store.ledger import Ledger
    from provenance.store.lifecycle_records import (
        ApprovalRecord,
        ApprovalRequest,
        Clearance,
        DocumentIn,
        ExpiredAsset,
        FlagsAdded,
        QuarantineIn,
        QuarantineRecord,
        Screenable,
    )
    from provenance.store.records import (
        AssetFacts,
        AssetQuery,
        AssetRecord,
        EventRecord,
        LocationRecord,
        Observation,
        RecordResult,
    )

_HOMES = {
    "ChainReport": "provenance.store.chain",
    "CheckpointRecord": "provenance.store.daemons",
    "DaemonRecord": "provenance.store.daemons",
    "PathStamp": "provenance.store.daemons",
    "Ledger": "provenance.store.ledger",
    "current_actor": "provenance.store.identity",
    "current_host": "provenance.store.identity",
    "ApprovalRecord": "provenance.store.lifecycle_records",
    "ApprovalRequest": "provenance.store.lifecycle_records",
    "Clearance": "provenance.store.lifecycle_records",
    "DocumentIn": "provenance.store.lifecycle_records",
    "ExpiredAsset": "provenance.store.lifecycle_records",
    "FlagsAdded": "provenance.store.lifecycle_records",
    "QuarantineIn": "provenance.store.lifecycle_records",
    "QuarantineRecord": "provenance.store.lifecycle_records",
    "Screenable": "provenance.store.lifecycle_records",
    "AssetFacts": "provenance.store.records",
    "AssetQuery": "provenance.store.records",
    "AssetRecord": "provenance.store.records",
    "EventRecord": "provenance.store.records",
    "LocationRecord": "provenance.store.records",
    "Observation": "provenance.store.records",
    "RecordResult": "provenance.store.records",
}

__all__ = [
    "ApprovalRecord",
    "ApprovalRequest",
    "AssetFacts",
    "AssetQuery",
    "AssetRecord",
    "ChainReport",
    "CheckpointRecord",
    "Clearance",
    "DaemonRecord",
    "DocumentIn",
    "EventRecord",
    "ExpiredAsset",
    "FlagsAdded",
    "Ledger",
    "LocationRecord",
    "Observation",
    "PathStamp",
    "QuarantineIn",
    "QuarantineRecord",
    "RecordResult",
    "Screenable",
    "current_actor",
    "current_host",
]


__getattr__ = lazy_exports(__name__, _HOMES)
