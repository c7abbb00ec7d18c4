"""The audit's result as pure data: one verdict per file, grouped sequences, a package verdict.

Renderers (:mod:`provenance.reports.audit_formats`, :mod:`provenance.reports.audit_html`)
turn an :class:`AuditReport` into JSON, JUnit, SARIF, Markdown, HTML or a
terminal table; nothing here prints.

A file's ``match`` says what tied it to the ledger:

``ledger``
    its exact SHA-256 is a known asset, whose status, flags and approvals decide;
``embedded``
    the file itself carries generator markers (it never passed a watched folder);
``near``
    its perceptual fingerprint is within the threshold of a generated asset's
    (a resized, re-encoded or stripped copy), and that asset's state decides.
    Its ``confirmation`` says how it stands with the region rule
    (:data:`~provenance.vocab.NearConfirmation`): ``sure``, ``confirmed``, or
    ``unconfirmed`` (kept, and judged as any near match, though the rule could
    not be asked); null for a video whose segments show the asset whole;
``region``
    a generated picture was found inside it (reframed, turned or composited),
    or, for a video, shown in some of its segments.

A video's ``segments`` say where it shows generated assets: start and end
in seconds and in its timecode, the asset, ``near`` (shown whole) or
``region`` (in part of the frame), and a score.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from provenance.rules.policy import SEVERITY
from provenance.util.json_shapes import ledger_block, maybe_timestamp, present_locations
from provenance.util.names import shown_in_json
from provenance.vocab import Action, NearConfirmation, Unreferenced

if TYPE_CHECKING:
    from provenance.audit.cut_report import ClipResult
    from provenance.likeness.master import Segment

MatchKind = Literal["ledger", "near", "region", "embedded"]
FORMAT = "provenance-audit"
FORMAT_VERSION = 2
"""The JSON report's version: 2 names assets ``sha256`` (in ``match`` and ``segments``) and
states times in RFC 3339 UTC with a ``Z``; 1 (unmarked) said ``asset`` and ``+00:00``."""


@dataclass(frozen=True)
class Match:
    """What tied a file to provenance knowledge, if anything."""

    kind: MatchKind | None = None
    asset: str | None = None
    distance: int | None = None
    score: float | None = None  # a region match: the share of features that agree
    cover: float | None = None  # a region match: the share of the frame the picture covers
    # a region match: the generated picture's corners, as shares of the frame's width and height
    outline: tuple[tuple[float, float], ...] | None = None
    # a near match: how it stands with the region rule; None for a video's segments (each
    # sample is confirmed during its sweep, and the outcome is not kept)
    confirmation: NearConfirmation | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form: kind, the asset's sha256, distance (each may be null); a near match's
        confirmation; a region's score, cover and outline."""
        data: dict[str, object] = {
            "kind": self.kind,
            "sha256": self.asset,
            "distance": self.distance,
        }
        if self.kind == "near":
            data["confirmation"] = self.confirmation
        if self.kind == "region":
            outline = [list(corner) for corner in self.outline] if self.outline else None
            data |= {"score": self.score, "cover": self.cover, "outline": outline}
        return data


@dataclass(frozen=True)
class FileResult:
    """The audit's verdict on one file of the package."""

    path: str  # relative to the package root, POSIX separators
    verdict: Action
    reasons: tuple[str, ...]
    sha256: str | None = None
    size: int = 0
    match: Match = field(default_factory=Match)
    classification: str | None = None  # genai / not_genai / unknown / unreadable
    tool: str | None = None
    segments: tuple[Segment, ...] = ()  # a video's stretches that show generated assets

    def to_dict(self) -> dict[str, object]:
        """JSON form, as documented for ``provenance audit --format json``."""
        return {
            "path": self.path,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "sha256": self.sha256,
            "size": self.size,
            "match": self.match.to_dict(),
            "classification": self.classification,
            "tool": self.tool,
            "segments": [s.to_dict() for s in self.segments],
        }


@dataclass(frozen=True)
class SequenceResult:
    """An image sequence in the package, judged as a whole and frame by frame."""

    label: str  # fileseq notation
    frames: int
    verdict: Action
    notes: tuple[str, ...]  # e.g. "3 frames blocked: 1017, 1018, 1019"

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "sequence": self.label,
            "frames": self.frames,
            "verdict": self.verdict,
            "notes": list(self.notes),
        }

    def sentence(self) -> str:
        """``shot010_comp_v003.1001-1096#.exr: 3 frames blocked: 1017, 1018, 1019``."""
        return (
            f"{self.label}: {'; '.join(self.notes)}"
            if self.notes
            else f"{self.label}: {self.frames} frames pass"
        )


@dataclass(frozen=True)
class Omitted:
    """A generated asset the comparison could not include: no fingerprints or features of it.

    ``why`` says what stopped the audit computing them (:data:`~provenance.vocab.Unreferenced`);
    ``places`` are the (host, path) where its file is present.
    """

    sha256: str
    why: Unreferenced
    places: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{"sha256", "why", "locations": [{host, path, present}]}``."""
        return {"sha256": self.sha256, "why": self.why,
                "locations": present_locations(self.places)}  # fmt: skip


@dataclass(frozen=True)
class PackageResult:
    """What the audit says of the package as a whole, beyond each file's verdict.

    A file passes only for what it was compared with: when some generated
    assets have no references (fingerprints, features) to compare it with,
    a copy of one of them would pass unseen. ``unreferenced`` lists them, and
    ``verdict`` and ``reasons`` say what that means for the package (the
    policy's ``incomplete_references``: a warning by default, which
    ``--strict`` turns into a block).
    """

    verdict: Action = "pass"
    reasons: tuple[str, ...] = ()
    unreferenced: tuple[Omitted, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON form: verdict and reasons, as a file's, and the assets the comparison lacked."""
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "unreferenced": [o.to_dict() for o in self.unreferenced],
        }


@dataclass(frozen=True)
class AuditReport:
    """The whole audit: files, sequences, and whether the package may go."""

    root: str
    files: tuple[FileResult, ...]
    sequences: tuple[SequenceResult, ...] = ()
    strict: bool = False
    policy: str = "built-in default"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    stages: Mapping[str, float] = field(default_factory=dict)
    # data: URIs of small previews, keyed by package path or asset sha256 (HTML reports only)
    thumbnails: Mapping[str, str] = field(default_factory=dict)
    operator: str = ""  # who ran the audit (the OS user), on which host, against which ledger
    host: str = ""
    ledger: str = ""
    # where each matched asset was last present, by sha256: the name a person knows it by
    places: Mapping[str, str] = field(default_factory=dict)
    # an editorial timeline's clips (``provenance audit CUT``): they decide the verdict
    clips: tuple[ClipResult, ...] = ()
    package: PackageResult = field(default_factory=PackageResult)  # beyond the files

    @property
    def clip_summary(self) -> dict[str, int]:
        """Counts of a cut's clips per verdict."""
        counts = Counter(c.verdict for c in self.clips)
        return {"clips": len(self.clips), "pass": counts["pass"], "warn": counts["warn"],
                "block": counts["block"]}  # fmt: skip

    @property
    def summary(self) -> dict[str, int]:
        """Counts of files per verdict."""
        counts = Counter(f.verdict for f in self.files)
        return {
            "files": len(self.files),
            "pass": counts["pass"],
            "warn": counts["warn"],
            "block": counts["block"],
        }

    @property
    def verdict(self) -> Literal["pass", "blocked"]:
        """``blocked`` when any file, or the package as a whole, is blocked (or, with ``strict``,
        warned).

        A cut is judged by its clips instead: a file's stretch of generated
        material that no clip uses does not block the cut.
        """
        judged = self.clips or self.files
        worst = max((SEVERITY[f.verdict] for f in judged), default=0)
        worst = max(worst, SEVERITY[self.package.verdict])
        limit = SEVERITY["warn"] if self.strict else SEVERITY["block"]
        return "blocked" if worst >= limit else "pass"

    def ordered(self) -> list[FileResult]:
        """Files with the blocked first, then warned, then passed; by path within each."""
        return sorted(self.files, key=lambda f: (-SEVERITY[f.verdict], f.path))

    def to_json(self) -> str:
        """The report's canonical JSON: what ``--format json`` prints and the ledger hashes."""
        return shown_in_json(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))

    def to_dict(self) -> dict[str, object]:
        """The JSON document of ``provenance audit --format json``."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "verdict": self.verdict,
            "root": self.root,
            "strict": self.strict,
            "policy": self.policy,
            "operator": self.operator,
            "host": self.host,
            "ledger": ledger_block(self.ledger),
            "summary": self.summary,
            "package": self.package.to_dict(),
            "started_at": maybe_timestamp(self.started_at),
            "finished_at": maybe_timestamp(self.finished_at),
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
            "files": [f.to_dict() for f in self.ordered()],
            "sequences": [s.to_dict() for s in self.sequences],
        } | self._cut()

    def _cut(self) -> dict[str, object]:
        if not self.clips:
            return {}
        return {"clip_summary": self.clip_summary, "clips": [c.to_dict() for c in self.clips]}


def worst(actions: Sequence[Action]) -> Action:
    """The most severe of some actions (``pass`` for none)."""
    return max(actions, key=lambda a: SEVERITY[a], default="pass")
