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
    Evidence of the kinds in :data:`UNSEEN_KINDS` (``not-fully-read``,
    ``damaged``) says the file could not be seen whole: it is ``unreadable``
    unless a marker settles it (see :mod:`provenance.classify`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from provenance.detectors.xmp_packets import find_packets
from provenance.evidence import Evidence
from provenance.files.formats.jpeg import JpegInfo, read_jpeg
from provenance.files.formats.png import PngInfo, read_png
from provenance.files.formats.riff import RiffInfo, read_riff
from provenance.vocab import Confidence

if TYPE_CHECKING:
    from provenance.files.media import MediaFacts
    from provenance.settings import Settings

T = TypeVar("T")


CONFIDENCE_RANK: Mapping[Confidence | None, int] = {None: 0, "weak": 1, "medium": 2, "strong": 3}


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


NOT_FULLY_READ = "not-fully-read"
DAMAGED = "damaged"
UNSEEN_KINDS = frozenset({NOT_FULLY_READ, DAMAGED})
"""Evidence kinds saying the file could not be seen whole: it cannot be vouched for."""
MARKERS_UNREAD = "markers-unread"
DETECTOR_FAILED = "detector-failed"
RECORD_TAMPERED = "record-tampered"
UNVOUCHED_KINDS = UNSEEN_KINDS | {MARKERS_UNREAD, DETECTOR_FAILED, RECORD_TAMPERED}
"""Evidence kinds the gate cannot vouch for a file with, whatever else says it is not generated:
the file not seen whole, a place that holds markers found and not read, a provenance record
whose signature or hash binding fails, or a detector that raised (or ran out of memory) before
it finished looking."""


def unread_evidence(detector: str, detail: str) -> Evidence:
    """A reader stopped at one of its limits: what lay beyond was never seen."""
    return Evidence(detector, NOT_FULLY_READ, f"not fully read: {detail}", "error")


def failure_evidence(detector: str, detail: str) -> Evidence:
    """The detector raised on this file (or ran out of memory): it did not finish looking."""
    return Evidence(detector, DETECTOR_FAILED, detail, "error")


def markers_unread_evidence(detector: str, detail: str) -> Evidence:
    """A place that holds markers (a C2PA manifest, an XMP packet) is there and cannot be read.

    What it says is unknown, and it is where a generator's claim would be: a
    camera's EXIF beside it does not say the manifest named no generator.
    """
    return Evidence(detector, MARKERS_UNREAD, detail, "error")


def tampered_evidence(
    detector: str, detail: str, fields: Mapping[str, str] | None = None
) -> Evidence:
    """A signed provenance record (a C2PA manifest) is there and its integrity check fails.

    The claim signature or the hash binding to the content does not hold: the
    file or its record changed after signing. What the record says (a
    capture, "not generated") is no longer the signer's word, and what was
    there before the change is unknown.
    """
    return Evidence(detector, RECORD_TAMPERED, detail, "error", fields=fields or {})


def damage_evidence(detector: str, detail: str) -> Evidence:
    """The container is broken (truncated, impossible sizes, loops)."""
    return Evidence(detector, DAMAGED, f"damaged: {detail}", "error")
