"""The ledger: the only package that imports SQLAlchemy.

Everything outside reaches the database through :class:`Ledger` and the plain
records in :mod:`provenance.store.records`.
"""

from provenance.store.chain import ChainReport
from provenance.store.ledger import Ledger, current_actor, current_host
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
    "AssetFacts",
    "AssetQuery",
    "AssetRecord",
    "ChainReport",
    "EventRecord",
    "Ledger",
    "LocationRecord",
    "Observation",
    "RecordResult",
    "current_actor",
    "current_host",
]
