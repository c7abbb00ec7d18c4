"""The ledger: the only package that imports SQLAlchemy.

Everything outside reaches the database through the :class:`Ledger` facade
and its named parts (``ledger.assets``, ``ledger.events``, ... see
:mod:`provenance.store.ledger`), and the plain records: of assets and their
history (:mod:`provenance.store.records`), of the genAI lifecycle
(:mod:`~provenance.store.lifecycle_records`), of likeness
(:mod:`~provenance.store.likeness_records`) and of audit runs
(:mod:`~provenance.store.audit_records`).

Names load on first use (PEP 562): the plain records need no SQLAlchemy, so
code that only builds records (the ingest workers) starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.util.lazy import lazy_exports

if TYPE_CHECKING:
    from provenance.store.assets import CANDIDATES_SHOWN, MIN_PREFIX, require_prefix_length
    from provenance.store.audit_records import AuditedFile, AuditIn, AuditRecord
    from provenance.store.briefs import AssetBrief
    from provenance.store.chain import ChainReport
    from provenance.store.daemons import CheckpointRecord, DaemonRecord
    from provenance.store.identity import current_actor, current_host
    from provenance.store.ledger import Ledger
    from provenance.store.lifecycle_records import (
        ApprovalRecord,
        ApprovalRequest,
        DocumentIn,
        ExpiredAsset,
        FlagsAdded,
        QuarantineIn,
        QuarantineRecord,
        Screenable,
        StatusRule,
    )
    from provenance.store.likeness_records import (
        AssetFeatures,
        AssetFingerprints,
        FeatureIn,
        FingerprintIn,
        RegionCheckIn,
        SegmentIn,
        StoredFeatures,
        StoredFingerprint,
        Unfinished,
    )
    from provenance.store.projection import Difference, LedgerCheck
    from provenance.store.records import (
        AssetFacts,
        AssetQuery,
        AssetRecord,
        EventRecord,
        LocationRecord,
        Observation,
        PathStamp,
        RecordResult,
    )

_HOMES = {
    "CANDIDATES_SHOWN": "provenance.store.assets",
    "MIN_PREFIX": "provenance.store.assets",
    "require_prefix_length": "provenance.store.assets",
    "AssetBrief": "provenance.store.briefs",
    "ChainReport": "provenance.store.chain",
    "CheckpointRecord": "provenance.store.daemons",
    "DaemonRecord": "provenance.store.daemons",
    "Ledger": "provenance.store.ledger",
    "Difference": "provenance.store.projection",
    "LedgerCheck": "provenance.store.projection",
    "current_actor": "provenance.store.identity",
    "current_host": "provenance.store.identity",
    "ApprovalRecord": "provenance.store.lifecycle_records",
    "ApprovalRequest": "provenance.store.lifecycle_records",
    "AssetFacts": "provenance.store.records",
    "AssetFeatures": "provenance.store.likeness_records",
    "AssetFingerprints": "provenance.store.likeness_records",
    "AssetQuery": "provenance.store.records",
    "AssetRecord": "provenance.store.records",
    "AuditIn": "provenance.store.audit_records",
    "AuditRecord": "provenance.store.audit_records",
    "AuditedFile": "provenance.store.audit_records",
    "StatusRule": "provenance.store.lifecycle_records",
    "DocumentIn": "provenance.store.lifecycle_records",
    "EventRecord": "provenance.store.records",
    "ExpiredAsset": "provenance.store.lifecycle_records",
    "FeatureIn": "provenance.store.likeness_records",
    "FingerprintIn": "provenance.store.likeness_records",
    "FlagsAdded": "provenance.store.lifecycle_records",
    "LocationRecord": "provenance.store.records",
    "Observation": "provenance.store.records",
    "PathStamp": "provenance.store.records",
    "QuarantineIn": "provenance.store.lifecycle_records",
    "QuarantineRecord": "provenance.store.lifecycle_records",
    "RecordResult": "provenance.store.records",
    "Screenable": "provenance.store.lifecycle_records",
    "StoredFeatures": "provenance.store.likeness_records",
    "RegionCheckIn": "provenance.store.likeness_records",
    "SegmentIn": "provenance.store.likeness_records",
    "StoredFingerprint": "provenance.store.likeness_records",
    "Unfinished": "provenance.store.likeness_records",
}

__all__ = [
    "CANDIDATES_SHOWN",
    "MIN_PREFIX",
    "ApprovalRecord",
    "ApprovalRequest",
    "AssetBrief",
    "AssetFacts",
    "AssetFeatures",
    "AssetFingerprints",
    "AssetQuery",
    "AssetRecord",
    "AuditIn",
    "AuditRecord",
    "AuditedFile",
    "ChainReport",
    "CheckpointRecord",
    "DaemonRecord",
    "Difference",
    "DocumentIn",
    "EventRecord",
    "ExpiredAsset",
    "FeatureIn",
    "FingerprintIn",
    "FlagsAdded",
    "Ledger",
    "LedgerCheck",
    "LocationRecord",
    "Observation",
    "PathStamp",
    "QuarantineIn",
    "QuarantineRecord",
    "RecordResult",
    "RegionCheckIn",
    "Screenable",
    "SegmentIn",
    "StatusRule",
    "StoredFeatures",
    "StoredFingerprint",
    "Unfinished",
    "current_actor",
    "current_host",
    "require_prefix_length",
]


__getattr__ = lazy_exports(__name__, _HOMES)
