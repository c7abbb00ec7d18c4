"""provenance: asset provenance tracking for film and VFX pipelines.

The public API is small: :func:`ingest` records a file, :func:`classify_file`
says what made it, :class:`Ledger` is the store, and :class:`Settings` carries
configuration.
"""

from provenance.classify import Classification, classify_file
from provenance.errors import ProvenanceError
from provenance.ingest import IngestResult, ingest, ingest_many
from provenance.settings import Settings, load_settings
from provenance.store import Ledger

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
