"""provenance: asset provenance tracking for film and VFX pipelines.

The public API is small: :func:`ingest` records a file, :func:`classify_file`
says what made it, :class:`Ledger` is the store, and :class:`Settings` carries
configuration.

The names are loaded on first use (PEP 562), so that ``import provenance``
(which every command pays) does not pull in SQLAlchemy and the detectors:
``provenance scan`` starts hashing while the ledger's modules still load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.util.lazy import lazy_exports

if TYPE_CHECKING:
    from provenance.classify import Classification, classify_file
    from provenance.errors import ProvenanceError
    from provenance.ingest.record import IngestResult, ingest, ingest_many
    from provenance.settings import Settings, load_settings
    from provenance.store import Ledger

_HOMES = {
    "Classification": "provenance.classify",
    "classify_file": "provenance.classify",
    "ProvenanceError": "provenance.errors",
    "IngestResult": "provenance.ingest.record",
    "ingest": "provenance.ingest.record",
    "ingest_many": "provenance.ingest.record",
    "Settings": "provenance.settings",
    "load_settings": "provenance.settings",
    "Ledger": "provenance.store",
}

__all__ = [
    "Classification",
    "IngestResult",
    "Ledger",
    "ProvenanceError",
    "Settings",
    "classify_file",
    "ingest",
    "ingest_many",
    "load_settings",
]

__version__ = "0.1.0"


__getattr__ = lazy_exports(__name__, _HOMES)
