"""History: what a file is and where it came from.

A target may be a file on disk, a path the ledger knew (even if the file is
gone), or a SHA-256 (full or an unambiguous prefix). For a file on disk the
content decides: it is hashed and looked up, so a renamed or copied file still
finds its story. If the file's current content is not in the ledger, the
content last recorded at that path is shown, with a note saying so.

A picture the ledger does not hold as generated is also compared with every
generated asset by perceptual fingerprint (:mod:`provenance.likeness.search`,
the audit's rule): a re-encoded, resized or stripped copy of a generated
image has its own hash and no markers, so only its likeness tells where it
came from. The fingerprint stored in the ledger is used, or, when none is
stored yet and the target is the file itself, one computed from it (on a
worker process, as the audit does, so a hostile file cannot take the
command down).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from provenance.audit.judge import Context, Seen, judge
from provenance.audit.report import FileResult
from provenance.audit.single import FinalsAnswer, answer_of, audit_one, settings_policy
from provenance.errors import TargetNotFound
from provenance.lifecycle.index_check import IndexCheck
from provenance.likeness.search import Lookalike, Pictures, looks_like, span_dict
from provenance.likeness.versions import REGION_RULE, SWEEP_RULE
from provenance.rules.policy import still_needs
from provenance.settings import Settings
from provenance.store import (
    ApprovalRecord,
    AssetRecord,
    EventRecord,
    Ledger,
    LocationRecord,
    SegmentIn,
)
from provenance.targets import resolve_target
from provenance.util.file_kinds import is_regular
from provenance.util.json_shapes import asset_row, present_locations
from provenance.vocab import Category


@dataclass(frozen=True)
class Holding:
    """A generated asset the region check found inside this picture: cropped, turned or comped in.

    ``cover`` is the share of this picture's frame it covers, ``score`` the
    share of paired features that agreed, ``mirrored`` whether it appears
    flopped or flipped.
    """

    asset: AssetRecord
    cover: float | None
    score: float | None
    mirrored: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        a = self.asset
        return {"sha256": a.sha256, "verdict": a.verdict, "tool": a.tool, "status": a.status,
                "cover": self.cover, "score": self.score, "mirrored": self.mirrored}  # fmt: skip


@dataclass(frozen=True)
class Showing:
    """A stretch of this video that shows a generated asset (its stored sweep's segment)."""

    asset: AssetRecord
    segment: SegmentIn

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the generated asset, and the span as the audit's segments give it."""
        a = self.asset
        return {"sha256": a.sha256, "verdict": a.verdict, "tool": a.tool, "status": a.status,
                **span_dict(self.segment)}  # fmt: skip


@dataclass(frozen=True)
class History:
    """An asset's story: the asset, every place it lived, its events in order.

    For a generated asset also its written approvals (revoked ones included)
    and ``needs``: the approval categories it still lacks for finals.
    """

    asset: AssetRecord
    locations: list[LocationRecord]
    events: list[EventRecord]
    note: str | None = None
    approvals: list[ApprovalRecord] = field(default_factory=list)
    needs: list[Category] = field(default_factory=list)
    looks_like: Lookalike | None = None
    not_compared: str | None = None  # why a picture was not compared with generated assets
    holds: Holding | None = None  # a generated asset found inside this picture
    shows: list[Showing] = field(default_factory=list)  # a video's stretches of generated assets
    finals: FinalsAnswer | None = None  # may it go into finals (the gate's answer), and why

    def to_dict(self) -> dict[str, object]:
        """The JSON printed by ``provenance history --json``."""
        data: dict[str, object] = {
            "recorded": True,
            "finals": self.finals.to_dict() if self.finals else None,
            "asset": self.asset.to_dict(),
            "locations": [loc.to_dict() for loc in self.locations],
            "events": [event.to_dict() for event in self.events],
            "approvals": [approval.to_dict() for approval in self.approvals],
            "needs_approval": list(self.needs),
            "looks_like": self.looks_like.to_dict() if self.looks_like else None,
            "holds": self.holds.to_dict() if self.holds else None,
            "shows": [showing.to_dict() for showing in self.shows],
        }
        if self.note:
            data["note"] = self.note
        if self.not_compared:
            data["not_compared"] = self.not_compared
        return data


@dataclass(frozen=True)
class Unrecorded:
    """The answer for a file the ledger has never seen: what the gate would say of it.

    Nothing is written. ``result`` is the audit's result for the file alone
    (its markers, and the generated asset it is a copy of, holds or shows);
    ``origin`` is that generated asset, and ``origin_places`` where it is
    present now.
    """

    path: str
    result: FileResult
    origin: AssetRecord | None = None
    origin_places: tuple[tuple[str, str], ...] = ()  # (host, path) where the origin is present

    @property
    def origin_path(self) -> str | None:
        """Where the origin was last present (its first present place), if anywhere."""
        return self.origin_places[0][1] if self.origin_places else None

    @property
    def finals(self) -> FinalsAnswer:
        """May the file go into finals, and why."""
        return answer_of(self.result)

    def to_dict(self) -> dict[str, object]:
        """The JSON printed by ``provenance history --json`` for a file not in the ledger."""
        r = self.result
        return {"recorded": False, "path": self.path, "sha256": r.sha256,
                "finals": self.finals.to_dict(), "classification": r.classification,
                "tool": r.tool, "match": r.match.to_dict(),
                "segments": [s.to_dict() for s in r.segments],
                "origin": self._origin()}  # fmt: skip

    def _origin(self) -> dict[str, object] | None:
        if self.origin is None:
            return None
        return asset_row(self.origin.to_dict(), locations=present_locations(self.origin_places))


def answer_for(target: str, ledger: Ledger, settings: Settings) -> History | Unrecorded:
    """``target``'s history, or, for a file the ledger has never seen (neither its content
    nor its path), the gate's answer for it as :class:`Unrecorded`; nothing is written.
    """
    try:
        return find_history(target, ledger, settings)
    except TargetNotFound:
        path = Path(target).expanduser()
        if not is_regular(path):
            raise
        return unrecorded(path, ledger, settings)


def find_history(target: str, ledger: Ledger, settings: Settings | None = None) -> History:
    """Resolve ``target`` to an asset and gather its history."""
    settings = settings or Settings()
    asset, note, content = resolve_target(target, ledger)
    approvals = ledger.approvals.of(asset.sha256)
    # The index and the file's fingerprints, loaded once for both, the index checked against
    # the chain as the audit checks it (the answer is the gate's).
    pictures = Pictures(ledger, vouch=IndexCheck(ledger, settings))
    lookalike, not_compared = looks_like(asset, content, ledger, pictures)
    # The answer is about the file at hand when there is one, even when its
    # content changed since the path was recorded.
    file = Path(target).expanduser()
    finals = (
        answer_of(audit_one(file, ledger, settings, pictures))
        if is_regular(file)
        else _finals_of_record(asset, approvals, lookalike, ledger, settings)
    )
    return History(
        asset,
        ledger.locations.of(asset.sha256),
        ledger.events.of(asset.sha256),
        note,
        approvals,
        still_needs(asset, approvals, datetime.now(UTC)),
        lookalike,
        not_compared,
        holding(asset, ledger),
        showing(asset, ledger),
        finals,
    )


def unrecorded(path: Path, ledger: Ledger, settings: Settings) -> Unrecorded:
    """The gate's answer for a file the ledger has never seen; nothing is written."""
    result = audit_one(path, ledger, settings)
    origin_sha = result.match.asset if result.match.asset != result.sha256 else None
    if origin_sha is None:
        return Unrecorded(str(path), result)
    origin = ledger.assets.get(origin_sha)
    present = tuple((loc.host, loc.path) for loc in ledger.locations.of(origin_sha) if loc.present)
    return Unrecorded(str(path), result, origin, present)


def _finals_of_record(
    asset: AssetRecord,
    approvals: list[ApprovalRecord],
    like: Lookalike | None,
    ledger: Ledger,
    settings: Settings,
) -> FinalsAnswer:
    """The gate's answer for an asset named by its hash (no file at hand): by its record."""
    assets, known = {asset.sha256: asset}, {asset.sha256: approvals}
    seen = Seen(asset.sha256, asset.sha256, asset.size, asset=asset)
    if like is not None and not like.neighbour:
        origin = like.asset.sha256
        assets[origin], known[origin] = like.asset, ledger.approvals.of(origin)
        seen = replace(seen, near=(origin, like.distance), near_frames=like.moments,
                       near_confirmation=like.confirmation)  # fmt: skip
    context = Context(settings_policy(settings), datetime.now(UTC), assets, known)
    return answer_of(judge(seen, context))


def showing(asset: AssetRecord, ledger: Ledger) -> list[Showing]:
    """The stretches of video ``asset`` where its stored sweep found generated assets."""
    if asset.kind != "video":
        return []
    stored = ledger.segments.many([asset.sha256]).get(asset.sha256, [])
    return [
        Showing(ledger.assets.resolve(s.hit), s)
        for s in stored
        if s.hit is not None and s.rule >= SWEEP_RULE
    ]  # an older rule's is not named


def holding(asset: AssetRecord, ledger: Ledger) -> Holding | None:
    """The generated asset the region check found inside ``asset``, if it found one."""
    check = ledger.regions.many([asset.sha256]).get(asset.sha256)
    if check is None or check.hit is None or check.rule < REGION_RULE:
        return None  # none, or made by an older region rule: not to be trusted
    found = ledger.assets.resolve(check.hit)
    return Holding(found, check.cover, check.score, bool(check.mirrored))
