"""The ledger: the only package that imports SQLAlchemy.

Everything outside reaches the database through the :class:`Ledger` facade
and its named parts (``ledger.assets``, ``ledger.events``, ... see
:mod:`provenance.store.ledger`), and the plain records in
:mod:`provenance.store.records`.

Names load on first use (PEP 562): the plain records need no SQLAlchemy, so
code that only builds records (the ingest workers) starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.util.lazy import lazy_exports

if TYPE_CHECKING:
    from provenance.store.assets import CANDIDATES_SHOWN, MIN_PREFIX, require_prefix_length
    from provenance.store.briefs import AssetBrief
    from provenance.store.chain import ChainReport
    from provenance.store.daemons import CheckpointRecord, DaemonRecord
    from provenance.store.identity import current_actor, current_host
    from provenance.store.ledger import Ledger
    from provenance.store.projection import Difference, LedgerCheck
    from provenance.store.records import (
        ApprovalRecord,
        ApprovalRequest,
        AssetFacts,
        AssetFeatures,
        AssetFingerprints,
        AssetQuery,
        AssetRecord,
        AuditedFile,
        AuditIn,
        AuditRecord,
        DocumentIn,
        EventRecord,
        ExpiredAsset,
        FeatureIn,
        FingerprintIn,
        FlagsAdded,
        LocationRecord,
        Observation,
        PathStamp,
        QuarantineIn,
        QuarantineRecord,
        RecordResult,
        RegionCheckIn,
        Screenable,
        SegmentIn,
        StatusRule,
        StoredFeatures,
        StoredFingerprint,
        Unfinished,
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
    "ApprovalRecord": "provenance.store.records",
    "ApprovalRequest": "provenance.store.records",
    "AssetFacts": "provenance.store.records",
    "AssetFeatures": "provenance.store.records",
    "AssetFingerprints": "provenance.store.records",
    "AssetQuery": "provenance.store.records",
    "AssetRecord": "provenance.store.records",
    "AuditIn": "provenance.store.records",
    "AuditRecord": "provenance.store.records",
    "AuditedFile": "provenance.store.records",
    "StatusRule": "provenance.store.records",
    "DocumentIn": "provenance.store.records",
    "EventRecord": "provenance.store.records",
    "ExpiredAsset": "provenance.store.records",
    "FeatureIn": "provenance.store.records",
    "FingerprintIn": "provenance.store.records",
    "FlagsAdded": "provenance.store.records",
    "LocationRecord": "provenance.store.records",
    "Observation": "provenance.store.records",
    "PathStamp": "provenance.store.records",
    "QuarantineIn": "provenance.store.records",
    "QuarantineRecord": "provenance.store.records",
    "RecordResult": "provenance.store.records",
    "Screenable": "provenance.store.records",
    "StoredFeatures": "provenance.store.records",
    "RegionCheckIn": "provenance.store.records",
    "SegmentIn": "provenance.store.records",
    "StoredFingerprint": "provenance.store.records",
    "Unfinished": "provenance.store.records",
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
