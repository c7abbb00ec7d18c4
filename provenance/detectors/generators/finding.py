"""What a tool matcher returns, and small helpers shared by the matchers.

A *matcher* (``identify`` in each tool module) looks at a file's
:class:`~provenance.detectors.generators.entries.Entries` and, when it
recognises its tool's marker, returns a :class:`Finding`: the canonical tool
id, the marker kind, a sentence saying what was seen where, and what could be
extracted (prompt, negative prompt, model, seed...). The detector turns the
first finding into an :class:`~provenance.detectors.base.Evidence` item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from provenance.detectors.generators.entries import Entries
from provenance.evidence import Evidence
from provenance.vocab import Confidence

MAX_PROMPT = 32 * 1024
MAX_FIELD = 4 * 1024


@dataclass(frozen=True)
class Finding:
    """A recognised generator marker and what it says."""

    tool: str
    kind: str
    detail: str
    prompt: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    confidence: Confidence = "strong"

    def evidence(self, detector: str) -> Evidence:
        """The evidence item for this finding: a ``genai`` signal."""
        return Evidence(
            detector=detector,
            kind=self.kind,
            detail=self.detail,
            signal="genai",
            tool=self.tool,
            confidence=self.confidence,
            prompt=self.prompt,
            fields=dict(self.fields),
        )


Matcher = Callable[[Entries], "Finding | None"]


def text_fields(**values: object) -> dict[str, str]:
    """Non-empty values as clipped strings (fields are always text)."""
    found: dict[str, str] = {}
    for key, value in values.items():
        if value is None or value == "" or isinstance(value, (dict, list)):
            continue
        found[key] = str(value)[:MAX_FIELD]
    return found


def clip_prompt(value: object) -> str | None:
    """A prompt value as stripped, clipped text, or None when empty or not text."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text[:MAX_PROMPT] if text else None


def first_value(data: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first key present with a non-empty value."""
    for key in keys:
        value = data.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def model_name(value: Any) -> str | None:
    """A model given as a name or as an object with a ``name``/``model_name`` key."""
    if isinstance(value, dict):
        value = first_value(value, "name", "model_name", "label", "key")
    return str(value) if isinstance(value, (str, int)) and value != "" else None
