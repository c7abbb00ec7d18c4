"""Judging one package file: exact match, embedded markers, near match.

The checks, in the order that makes each as cheap as possible:

1. **Embedded markers.** Every file is classified by the detectors, known
   or not: the ledger never counts for more than the file (only a row that
   already says ``genai`` is not checked again, since no marker can say
   more; :func:`provenance.audit.markers.worth_marking`). Generated
   material that never passed a watched folder is caught here, and judged
   as what it is: temporary, unapproved.
2. **Exact match.** The file's SHA-256 is a ledger asset: its status, flags
   and approvals decide (:func:`provenance.rules.policy.decide`). The ledger
   can only relax what the file says through an approval: a row that says
   the file is not generated while the file carries generator markers is a
   **discrepancy** (the row was edited, or the file misjudged when it was
   recorded), reported with both sides and blocked.
3. **Near match.** An image or video whose own verdict does not already
   block is compared by perceptual fingerprint with every generated asset in
   the ledger (a video by its sampled moments, see
   :func:`provenance.likeness.index.match_clip`); a resized, re-encoded or
   stripped copy is judged by its origin's state (a copy of an approved
   asset passes, citing the approval).

The functions here are pure: the orchestrator (:mod:`provenance.audit.run`) does
the reading, hashing and ledger queries and hands the results in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from provenance.audit.report import FileResult, Match
from provenance.rules.policy import SEVERITY, AssetState, Decision, Policy, asset_state, decide
from provenance.store import ApprovalRecord, AssetRecord
from provenance.vocab import NearConfirmation

if TYPE_CHECKING:
    from provenance.files.hashing import FileStamp
    from provenance.likeness.master import Segment
    from provenance.likeness.region_verify import RegionHit


@dataclass(frozen=True)
class Seen:
    """What the orchestrator learned of one file before judging it."""

    path: str
    sha256: str | None
    size: int
    error: str | None = None  # the file could not be read (at all, or not whole): why
    asset: AssetRecord | None = None  # exact ledger match
    verdict: str | None = None  # the detectors' verdict (every file, known or not)
    tool: str | None = None
    near: tuple[str, int] | None = None  # nearest generated asset and its distance
    near_frames: tuple[int, int] | None = None  # a video's (matching, sampled) moments
    near_confirmation: NearConfirmation = "sure"  # how the near match stands with the region rule
    region: RegionHit | None = None  # a generated picture found inside this one
    segments: tuple[Segment, ...] = ()  # a video's stretches that show generated assets
    stamp: FileStamp | None = None  # what stat said of the file as it was hashed


@dataclass(frozen=True)
class Context:
    """Policy, time, and the ledger facts the judge may consult."""

    policy: Policy
    now: datetime
    assets: Mapping[str, AssetRecord]
    approvals: Mapping[str, Sequence[ApprovalRecord]]


def judge(seen: Seen, ctx: Context) -> FileResult:
    """The verdict for one file."""
    if seen.error is not None or seen.sha256 is None:
        # Hashed whole, the file was read: what failed is seeing all of its markers
        # (damage, a tampered C2PA record, a detector that raised).
        reason = (
            f"file could not be read ({seen.error}): provenance cannot be checked"
            if seen.sha256 is None
            else f"provenance cannot be checked: {seen.error}"
        )
        return FileResult(seen.path, ctx.policy.unreadable, (reason,), seen.sha256, seen.size,
                          classification="unreadable")  # fmt: skip
    base, match, verdict, tool = _base(seen, ctx)
    if seen.near is not None and _near_applies(verdict):
        near_decision, near_match = _near(seen, seen.near, ctx)
        base, match = (
            (near_decision if verdict != "not_genai" else _source(near_decision, base)),
            near_match,
        )
    elif seen.region is not None and _near_applies(verdict):
        region_decision, match = _region(seen.region, ctx)
        base = region_decision if verdict != "not_genai" else _source(region_decision, base)
    elif seen.segments and _near_applies(verdict):
        shown, match = _segments(seen.segments, ctx)
        base = shown if verdict != "not_genai" else _source(shown, base)
    return FileResult(seen.path, base.action, base.reasons, seen.sha256, seen.size, match,
                      verdict, tool, seen.segments)  # fmt: skip


def _base(seen: Seen, ctx: Context) -> tuple[Decision, Match, str | None, str | None]:
    if seen.asset is not None and (conflict := discrepancy(seen.asset, seen.verdict, seen.tool)):
        return (
            Decision("block", conflict),
            Match("ledger", seen.asset.sha256),
            seen.verdict,
            seen.tool,
        )
    if seen.asset is not None:
        state = asset_state(seen.asset, ctx.approvals.get(seen.asset.sha256, ()))
        decision = decide(state, ctx.policy, ctx.now)
        reasons = (f"in the ledger as {seen.asset.brief()}", *decision.reasons)
        match = Match("ledger", seen.asset.sha256)
        return (
            Decision(decision.action, reasons, decision.approvals),
            match,
            seen.asset.verdict,
            seen.asset.tool,
        )
    verdict = seen.verdict or "unknown"
    if verdict == "genai":
        decision = decide(AssetState("genai", "temporary"), ctx.policy, ctx.now)
        markers = f"carries generator markers ({seen.tool or 'tool not named'})"
        reasons = (f"{markers} and is not in the ledger", *decision.reasons)
        return (
            Decision(decision.action, reasons),
            Match("embedded", seen.sha256),
            verdict,
            seen.tool,
        )
    decision = decide(AssetState(verdict), ctx.policy, ctx.now)
    return decision, Match(), verdict, seen.tool


def discrepancy(asset: AssetRecord, verdict: str | None, tool: str | None) -> tuple[str, ...]:
    """The reasons a ledger row contradicts the file's own markers; nothing when it does not.

    Only a row that would let the file through more easily than its markers
    contradicts them: a row saying ``genai`` for a file without markers is
    the ledger knowing more (a folder rule, markers stripped since), and an
    approval relaxes a generated file through the policy, never the row.
    """
    if verdict != "genai" or asset.verdict == "genai":
        return ()
    return (
        f"discrepancy: the ledger records {asset.sha256[:12]} as {asset.brief()},"
        f" but the file carries generator markers ({tool or 'tool not named'})",
        "the row was changed or the file misjudged when recorded: blocked until a person"
        " checks it (`provenance verify`, `provenance history`)",
    )


def _near_applies(verdict: str | None) -> bool:
    # A file already judged as generated (or unreadable) is settled by that;
    # everything else may be a stripped copy of a generated image.
    return verdict not in ("genai", "unreadable")


def _source(near: Decision, own: Decision) -> Decision:
    # The file carries positive evidence of a non-generative origin (a
    # camera's EXIF) yet looks like a generated image: most often it is the
    # plate the image was generated from (img2img keeps the composition).
    # That is worth a person's look, not a block; evidence can be forged.
    if near.action == "pass":
        return Decision("pass", own.reasons + near.reasons, near.approvals)
    note = "it carries evidence of a non-generative origin: it may be the image's source"
    return Decision("warn", (near.reasons[0], note, *own.reasons))


def _near(seen: Seen, hit: tuple[str, int], ctx: Context) -> tuple[Decision, Match]:
    origin_sha, distance = hit
    frames = seen.near_frames
    origin = ctx.assets[origin_sha]
    state = asset_state(origin, ctx.approvals.get(origin_sha, ()))
    decision = decide(state, ctx.policy, ctx.now)
    how = f"fingerprint distance {distance}"
    copy = "judged as that asset: most likely a re-encoded, resized or stripped copy of it"
    if frames is not None:
        how = f"{frames[0]} of {frames[1]} sampled moments alike, median {how}"
    lead = f"looks like generated asset {origin_sha[:12]} ({origin.brief()}), {how}"
    match = Match("near", origin_sha, distance, confirmation=seen.near_confirmation)
    return Decision(decision.action, (lead, copy, *decision.reasons), decision.approvals), match


def _region(hit: RegionHit, ctx: Context) -> tuple[Decision, Match]:
    origin = ctx.assets[hit.sha256]
    state = asset_state(origin, ctx.approvals.get(hit.sha256, ()))
    decision = decide(state, ctx.policy, ctx.now)
    how = "flopped or flipped, " if hit.mirrored else ""
    lead = (
        f"holds generated asset {hit.sha256[:12]} ({origin.brief()}): {how}covering"
        f" {hit.cover:.0%} of the frame, {hit.inliers} matching features"
    )
    inside = (
        "judged as that asset: it was reframed, resized, turned or composited into this picture"
    )
    match = Match("region", hit.sha256, score=round(hit.score, 3), cover=round(hit.cover, 3),
                  outline=hit.outline())  # fmt: skip
    return Decision(decision.action, (lead, inside, *decision.reasons), decision.approvals), match


def _segments(segments: Sequence[Segment], ctx: Context) -> tuple[Decision, Match]:
    """A video showing generated assets: judged by the worst-placed of them, every segment named."""
    decisions = {}
    for asset in dict.fromkeys(s.asset for s in segments):
        origin = ctx.assets[asset]
        decisions[asset] = decide(asset_state(origin, ctx.approvals.get(asset, ())), ctx.policy,
                                  ctx.now)  # fmt: skip
    worst_asset = max(decisions, key=lambda a: SEVERITY[decisions[a].action])
    decision = decisions[worst_asset]
    lines = tuple(_segment_line(s, ctx) for s in segments)
    inside = "judged as those assets: generated material was cut or composited into this video"
    first = next(s for s in segments if s.asset == worst_asset)
    match = Match(first.kind, worst_asset, score=first.score, outline=first.outline)
    return Decision(decision.action, (*lines, inside, *decision.reasons), decision.approvals), match


def _segment_line(segment: Segment, ctx: Context) -> str:
    how = "whole frame" if segment.kind == "near" else "in part of the frame"
    origin = ctx.assets[segment.asset]
    return (f"shows generated asset {segment.asset[:12]} ({origin.brief()}) at {segment.span()},"
            f" {how}")  # fmt: skip


def sequence_neighbours(
    results: Sequence[FileResult], sequence_of: Mapping[str, str]
) -> list[FileResult]:
    """Soften near matches whose origin is another frame of the same sequence, present as itself.

    Frames of one shot look alike: when a generated frame sits in a
    sequence (and is judged there by its exact match), its neighbours are
    within fingerprint distance of it without being copies of it. They are
    warned, naming the frame, instead of blocked; a copy of the generated
    frame anywhere else in the package is still blocked.
    """
    exact = {(sequence_of.get(r.path), r.match.asset) for r in results if r.match.kind == "ledger"}
    return [_neighbour(r) if _is_neighbour(r, sequence_of, exact) else r for r in results]


def _is_neighbour(
    result: FileResult, sequence_of: Mapping[str, str], exact: set[tuple[str | None, str | None]]
) -> bool:
    group = sequence_of.get(result.path)
    return (
        result.match.kind == "near"
        and result.verdict == "block"
        and group is not None
        and (group, result.match.asset) in exact
    )


def _neighbour(result: FileResult) -> FileResult:
    note = (
        "a neighbouring frame of this sequence is that generated asset; frames of a shot look alike"
    )
    return FileResult(result.path, "warn", (result.reasons[0], note), result.sha256, result.size,
                      result.match, result.classification, result.tool)  # fmt: skip
