"""From evidence to one verdict.

Every registered detector looks at the file; their evidence is weighed here:

* ``genai`` when any detector found a generator marker. The tool is the one
  named by the most confident generator evidence (a named tool beats
  ``unknown-genai`` at equal confidence).
* ``unreadable`` when a reader stopped at one of its limits (``not-fully-read``
  evidence) and no generator marker was found in what it read: a camera's
  EXIF in the part that was read does not vouch for the part that was not.
* ``not_genai`` only on positive evidence of a non-generative origin and no
  generator marker at all: camera EXIF never outweighs a generator marker.
* ``unreadable`` also when the file is damaged (``damaged`` evidence:
  truncated, impossible sizes, loops) or its container could not be parsed
  at all, and no detector found a marker anyway. Damage hides no marker (what
  is cut off does not exist), so positive evidence still settles the origin.
* ``unknown`` otherwise. A file with no markers is unknown, not clean.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from provenance.detectors.base import (
    CONFIDENCE_RANK,
    DAMAGED,
    NOT_FULLY_READ,
    UNSEEN_KINDS,
    UNVOUCHED_KINDS,
    Detector,
    DetectorContext,
    error_evidence,
    failure_evidence,
)
from provenance.detectors.registry import load_detectors
from provenance.evidence import Evidence
from provenance.files.formats.once import parsed_once
from provenance.files.media import MediaFacts, read_facts
from provenance.settings import Settings
from provenance.tools import UNKNOWN_GENAI
from provenance.util.guard import step, stepping
from provenance.vocab import Confidence, Verdict

# A detector slower than this on one file is reported: it is a bug or a hostile file.
SLOW_DETECTOR_SECONDS = 5.0
OUT_OF_MEMORY = "ran out of memory (past the worker's memory limit)"


@dataclass(frozen=True)
class Classification:
    """What made a file: verdict, tool, confidence, and the evidence behind it."""

    verdict: Verdict
    tool: str | None
    confidence: Confidence | None
    evidence: tuple[Evidence, ...]
    prompt: str | None = None

    @property
    def is_genai(self) -> bool:
        """True for the ``genai`` verdict."""
        return self.verdict == "genai"

    def strongest(self) -> Evidence | None:
        """The evidence item that decided the verdict, if any."""
        decisive = {"genai": "genai", "not_genai": "not_genai"}.get(self.verdict)
        items = [e for e in self.evidence if e.signal == decisive] if decisive else []
        if not items:
            items = [e for e in self.evidence if e.signal == "error"] or list(self.evidence)
        return max(items, key=_rank) if items else None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "verdict": self.verdict,
            "tool": self.tool,
            "confidence": self.confidence,
            "prompt": self.prompt,
            "evidence": [e.to_dict() for e in self.evidence],
        }


def _rank(item: Evidence) -> tuple[int, int]:
    return (CONFIDENCE_RANK[item.confidence], 0 if item.tool in (None, UNKNOWN_GENAI) else 1)


def run_detectors(ctx: DetectorContext, detectors: Sequence[Detector]) -> list[Evidence]:
    """Run each detector, turning failures into ``error`` evidence.

    Each detector is a step of its own (:func:`~provenance.util.guard.step`):
    in a guarded worker, one that runs past its time budget is stopped there.
    """
    found: list[Evidence] = []
    told = stepping()  # outside a guarded worker a step tells no one: not asked ten times a file
    started = time.monotonic()
    for detector in detectors:
        if told:
            step(detector.name)
        try:
            found.extend(detector.detect(ctx))
        except MemoryError:
            found.append(failure_evidence(detector.name, OUT_OF_MEMORY))
        except Exception as exc:  # noqa: BLE001 - wall 4: a failing detector is evidence, not a crash
            found.append(failure_evidence(detector.name, f"{type(exc).__name__}: {exc}"))
        ended = time.monotonic()  # and the next detector's start
        if (took := ended - started) > SLOW_DETECTOR_SECONDS:
            found.append(error_evidence(detector.name, f"took {took:.1f} s on this file"))
        started = ended
    if told:
        step(None)
    return found


def decide(facts: MediaFacts, evidence: Iterable[Evidence]) -> Classification:
    """Weigh all evidence into one :class:`Classification`."""
    items = tuple(evidence)
    if not items:  # most files: what follows, in one look
        return Classification("unknown" if facts.readable else "unreadable", None, None, items)
    genai = [e for e in items if e.signal == "genai"]
    if genai:
        best = max(genai, key=_rank)
        return Classification(
            "genai", best.tool or UNKNOWN_GENAI, best.confidence, items, _prompt(genai)
        )
    if any(e.kind == NOT_FULLY_READ for e in items):
        return Classification("unreadable", None, None, items)
    not_genai = [e for e in items if e.signal == "not_genai"]
    if not_genai:
        best = max(not_genai, key=_rank)
        return Classification("not_genai", best.tool, best.confidence, items)
    if not facts.readable or any(e.kind == DAMAGED for e in items):
        return Classification("unreadable", None, None, items)
    return Classification("unknown", None, None, items)


def unreadable_reason(result: Classification) -> str | None:
    """Why an ``unreadable`` file could not be read (the first error evidence), else None."""
    if result.verdict != "unreadable":
        return None
    errors = [e for e in result.evidence if e.signal == "error"]
    unseen = [e for e in errors if e.kind in UNSEEN_KINDS]
    return (unseen or errors)[0].detail if errors else None


def unvouched_reason(facts: MediaFacts, result: Classification) -> str | None:
    """Why the gate cannot vouch for a file it classified, else None.

    An ``unreadable`` file gives why it could not be read. A file settled as
    not generated whose container is damaged or was not read whole gives the
    damage: the classification keeps the camera's word for what was read,
    but damage does not prove that nothing was hidden. A size that runs past
    the end swallows whatever lies after it, still in the file and never
    walked (a generator's ``parameters`` chunk behind a chunk whose length
    overshoots, past the image data a decoder stops at), so the gate fails
    closed on it. So it does on a C2PA manifest or XMP packet that is there
    and cannot be read (it is where a generator's claim would be), and on a
    detector that raised before it finished looking. A generated file needs
    no reason: it blocks unless approved.
    """
    if result.verdict == "unreadable":
        return unreadable_reason(result) or facts.problem
    if result.verdict == "genai":
        return None
    unvouched = [e for e in result.evidence if e.kind in UNVOUCHED_KINDS]
    # The damage first: a manifest the SDK cannot parse in a broken container is its echo.
    unvouched.sort(key=lambda e: e.kind not in UNSEEN_KINDS)
    return unvouched[0].detail if unvouched else None


def _prompt(items: Sequence[Evidence]) -> str | None:
    for item in sorted(items, key=_rank, reverse=True):
        if item.prompt:
            return item.prompt
    return None


def unreadable_facts(size: int, reason: str) -> MediaFacts:
    """Facts for a file that could not even be opened."""
    return MediaFacts(size=size, kind="other", mime="application/octet-stream", problem=reason)


def file_facts(path: Path, *, duration: bool = True, size: int | None = None) -> MediaFacts:
    """A file's facts (see :func:`~provenance.files.media.read_facts`); never raises.

    ``size``: the file's size when the caller has just read it (it is not asked again).
    """
    try:
        return read_facts(path, path.stat().st_size if size is None else size, duration=duration)
    except OSError as exc:
        return unreadable_facts(0, f"cannot open: {exc.strerror or exc}")


def classify_file(
    path: Path,
    settings: Settings,
    facts: MediaFacts | None = None,
    detectors: Sequence[Detector] | None = None,
) -> tuple[MediaFacts, Classification]:
    """Read a file's facts and classify it. Never raises for a bad file."""
    with parsed_once():  # the facts and the detectors walk each container once
        if facts is None:
            facts = file_facts(path)
        ctx = DetectorContext(path=path, facts=facts, settings=settings)
        evidence = run_detectors(ctx, load_detectors() if detectors is None else detectors)
    if facts.problem:
        evidence.insert(0, error_evidence("media", facts.problem))
    return facts, decide(facts, evidence)
