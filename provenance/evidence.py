"""Evidence: one observation one detector made about one file.

Detectors return it, the classification weighs it, the ledger stores it (as
the JSON of :meth:`Evidence.to_dict`) and hands it back as the same type, and
reports print it. It is a plain record, imported by every layer, so it lives
here and imports nothing but the vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from provenance.vocab import CONFIDENCES, SIGNALS, Confidence, Signal


@dataclass(frozen=True)
class Evidence:
    """One observation made by one detector.

    ``kind`` names the marker (``png-parameters``, ``digital-source-type``,
    ``camera-exif``, ``folder-rule``, ``error``...); ``detail`` is the
    human-readable sentence shown in ``history`` and reports. ``tool`` is a
    canonical tool id (see :mod:`provenance.tools`) when the marker names one.
    ``prompt`` holds any prompt text found, and ``fields`` any other extracted
    values (model, seed, negative prompt, signer...).
    """

    detector: str
    kind: str
    detail: str
    signal: Signal = "neutral"
    tool: str | None = None
    confidence: Confidence | None = None
    prompt: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form; empty optional values are left out."""
        data: dict[str, object] = {
            "detector": self.detector,
            "kind": self.kind,
            "detail": self.detail,
            "signal": self.signal,
        }
        if self.tool is not None:
            data["tool"] = self.tool
        if self.confidence is not None:
            data["confidence"] = self.confidence
        if self.prompt is not None:
            data["prompt"] = self.prompt
        if self.fields:
            data["fields"] = dict(self.fields)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Evidence:
        """Rebuild an item stored by :meth:`to_dict`."""
        raw_fields = data.get("fields") or {}
        return cls(
            detector=str(data["detector"]),
            kind=str(data["kind"]),
            detail=str(data["detail"]),
            signal=_as_signal(data.get("signal")),
            tool=_opt_str(data.get("tool")),
            confidence=_as_confidence(data.get("confidence")),
            prompt=_opt_str(data.get("prompt")),
            fields={str(k): str(v) for k, v in dict(raw_fields).items()}
            if isinstance(raw_fields, Mapping)
            else {},
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _as_signal(value: object) -> Signal:
    return value if value in SIGNALS else "neutral"


def _as_confidence(value: object) -> Confidence | None:
    return value if value in CONFIDENCES else None
