"""Finding detectors: the ``provenance.detectors`` entry-point group.

Built-in detectors are registered in ``pyproject.toml`` exactly as a
third-party plugin registers its own, and loaded lazily, once per process.
When provenance runs from a source checkout that was never installed, the
entry points do not exist; :data:`BUILTIN_DETECTORS` (kept equal to the
``pyproject.toml`` table by a test) is used instead so the tool still works.
"""

from __future__ import annotations

import functools
import importlib
import logging
from importlib.metadata import EntryPoint, entry_points

from provenance.detectors.base import Detector

GROUP = "provenance.detectors"

log = logging.getLogger(__name__)

BUILTIN_DETECTORS: dict[str, str] = {
    "audio": "provenance.detectors.audio:DETECTOR",
    "c2pa": "provenance.detectors.c2pa:DETECTOR",
    "camera_files": "provenance.detectors.camera_files:DETECTOR",
    "exif": "provenance.detectors.exif:DETECTOR",
    "folder_rules": "provenance.detectors.folder_rules:DETECTOR",
    "generator_metadata": "provenance.detectors.generators.detector:METADATA_DETECTOR",
    "generator_stealth": "provenance.detectors.generators.detector:STEALTH_DETECTOR",
    "integrity": "provenance.detectors.integrity:DETECTOR",
    "json_sidecar": "provenance.detectors.sidecars:DETECTOR",
    "xmp": "provenance.detectors.xmp:DETECTOR",
}


@functools.cache
def load_detectors() -> tuple[Detector, ...]:
    """All registered detectors, loaded once. A plugin that fails to load is logged and skipped."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    for name, spec in BUILTIN_DETECTORS.items():
        found.setdefault(name, EntryPoint(name=name, value=spec, group=GROUP))
    detectors = []
    for name in sorted(found):
        detector = _load_one(found[name])
        if detector is not None:
            detectors.append(detector)
    return tuple(detectors)


def _load_one(entry: EntryPoint) -> Detector | None:
    try:
        obj = entry.load() if entry.dist is not None else _load_spec(entry.value)
    except Exception:
        log.exception("detector plugin %r failed to load; skipped", entry.name)
        return None
    if not isinstance(obj, Detector):
        log.error(
            "detector plugin %r is not a Detector (needs name and detect()); skipped", entry.name
        )
        return None
    return obj


def _load_spec(spec: str) -> object:
    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr)
