"""The ledger: the only package that imports SQLAlchemy.

Everything outside reaches the database through :class:`Ledger` and the plain
records in :mod:`provenance.store.records`.
"""

from provenance.store.chain import ChainReport
from provenance.store.daemons import CheckpointRecord, DaemonRecord, PathStamp
from provenance.store.ledger import Ledger, current_actor, current_host
from provenance.store.lifecycle_records import (
    ApprovalRecord,
    ApprovalRequest,
    Clearance,
    DocumentIn,
    ExpiredAsset,
    QuarantineIn,
    QuarantineRecord,
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
    "Ledger",
    "LocationRecord",
    "Observation",
    "PathStamp",
    "QuarantineIn",
    "QuarantineRecord",
    "RecordResult",
    "current_actor",
    "current_host",
]
