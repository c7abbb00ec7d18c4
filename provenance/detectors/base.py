"""What a detector is, and what it returns.

A *detector* looks at one file for one family of markers (PNG generation
parameters, C2PA manifests, IPTC digital source types, camera EXIF, ...) and
returns :class:`Evidence` items. Detectors never touch the ledger and never
decide the verdict on their own: :mod:`provenance.classify` weighs the
evidence of all detectors together.

Each evidence item carries a *signal*:

``genai``
    a generator marker: this content was made by generative AI.
``not_genai``
    positive evidence of a non-generative origin (a camera's EXIF, a
    ``digitalCapture`` source type).
``neutral``
    a fact worth showing that settles nothing (editing software, a C2PA claim
    without a digital source type, a remote manifest URL).
``error``
    the detector could not finish (the file is damaged, a limit was hit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from provenance.detectors.xmp_packets import find_packets
from provenance.files.formats.jpeg import JpegInfo, read_jpeg
from provenance.files.formats.png import PngInfo, read_png
from provenance.files.formats.riff import RiffInfo, read_riff
from provenance.vocab import Confidence, Signal

if TYPE_CHECKING:
    from provenance.files.media import MediaFacts
    from provenance.settings import Settings

T = TypeVar("T")


CONFIDENCE_RANK: Mapping[Confidence | None, int] = {None: 0, "weak": 1, "medium": 2, "strong": 3}


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
    if value in ("genai", "not_genai", "neutral", "error"):
        return value
    return "neutral"


def _as_confidence(value: object) -> Confidence | None:
    if value in ("strong", "medium", "weak"):
        return value
    return None


@dataclass(frozen=True)
class DetectorContext:
    """Everything a detector may look at: the file, its facts, the settings.

    Several detectors read the same container structure (a JPEG's segments
    hold EXIF, XMP and C2PA alike). :meth:`memo` parses it once per file and
    hands the same result, or the same exception, to every detector.
    """

    path: Path
    facts: MediaFacts
    settings: Settings
    _memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, load: Callable[[], T]) -> T:
        """``load()`` once per file and key; later calls get the same value or exception."""
        if key not in self._memo:
            try:
                self._memo[key] = load()
            except Exception as exc:  # noqa: BLE001 - cached and re-raised to every caller
                self._memo[key] = _Failed(exc)
        value = self._memo[key]
        if isinstance(value, _Failed):
            raise value.error
        return value  # type: ignore[return-value]

    def png(self) -> PngInfo:
        """The file's PNG chunks (raises FormatProblem when it is not a PNG)."""
        return self.memo("png", lambda: read_png(self.path))

    def jpeg(self) -> JpegInfo:
        """The file's JPEG marker segments (raises FormatProblem when it is not a JPEG)."""
        return self.memo("jpeg", lambda: read_jpeg(self.path))

    def riff(self) -> RiffInfo:
        """The file's RIFF chunks (raises FormatProblem when it is not RIFF)."""
        return self.memo("riff", lambda: read_riff(self.path))

    def xmp_packets(self) -> list[bytes]:
        """The file's raw XMP packets, read once for the XMP and C2PA detectors."""

        fmt, size = self.facts.format, self.facts.size
        return self.memo("xmp-packets", lambda: find_packets(self.path, fmt, size))


@dataclass(frozen=True)
class _Failed:
    error: Exception


@runtime_checkable
class Detector(Protocol):
    """The detector protocol: a name and a ``detect`` method.

    Built-in detectors and third-party plugins alike are registered under the
    ``provenance.detectors`` entry-point group; the entry point names an
    object satisfying this protocol.
    """

    name: str

    def detect(self, ctx: DetectorContext) -> Iterable[Evidence]:
        """Return the evidence found in ``ctx.path``; may raise, never prints."""
        ...


def error_evidence(detector: str, detail: str) -> Evidence:
    """The evidence item recorded when a detector fails."""
    return Evidence(detector=detector, kind="error", detail=detail, signal="error")
