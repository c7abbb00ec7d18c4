"""Detectors, one module per marker family, and their registry.

See :mod:`provenance.detectors.base` for the protocol and
:mod:`provenance.detectors.registry` for how detectors are found.
"""

from provenance.detectors.base import Detector, DetectorContext, error_evidence
from provenance.evidence import Evidence
from provenance.vocab import Confidence, Signal

__all__ = ["Confidence", "Detector", "DetectorContext", "Evidence", "Signal", "error_evidence"]
