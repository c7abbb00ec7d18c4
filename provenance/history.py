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

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from provenance.errors import TargetNotFound
from provenance.files.hashing import is_sha256_prefix, sha256_file
from provenance.files.sequences import share_a_sequence
from provenance.files.walk import absolute
from provenance.rules.policy import asset_state, missing_approvals
from provenance.store import ApprovalRecord, AssetRecord, EventRecord, Ledger, LocationRecord

# Statuses in which a generated asset can still need approvals for finals.
OPEN_STATUSES = ("temporary", "expired", "approved")
# Pictures not already settled as generated or unreadable are compared with generated assets.
SETTLED_VERDICTS = ("genai", "unreadable")


@dataclass(frozen=True)
class Lookalike:
    """A generated asset that an asset not held as generated looks like.

    ``distance`` is the fingerprint distance (of 128 bits; for a video the
    median over its ``moments`` alike, given as matching and sampled).
    ``path`` is where the generated asset was last seen present, if anywhere.
    ``neighbour`` is true when the two were seen as frames of one sequence:
    frames of a shot look alike without being copies of each other.
    """

    asset: AssetRecord
    distance: int
    moments: tuple[int, int] | None = None
    path: str | None = None
    neighbour: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        from provenance.likeness.search import moments_dict

        moments = moments_dict(self.moments)
        return {"sha256": self.asset.sha256, "verdict": self.asset.verdict,
                "tool": self.asset.tool, "status": self.asset.status,
                "distance": self.distance, "moments": moments, "path": self.path,
                "neighbour": self.neighbour}  # fmt: skip


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
    needs: list[str] = field(default_factory=list)
    looks_like: Lookalike | None = None
    not_compared: str | None = None  # why a picture was not compared with generated assets

    def to_dict(self) -> dict[str, object]:
        """The JSON printed by ``provenance history --json``."""
        data: dict[str, object] = {
            "asset": self.asset.to_dict(),
            "locations": [loc.to_dict() for loc in self.locations],
            "events": [event.to_dict() for event in self.events],
            "approvals": [approval.to_dict() for approval in self.approvals],
            "needs_approval": list(self.needs),
            "looks_like": self.looks_like.to_dict() if self.looks_like else None,
        }
        if self.note:
            data["note"] = self.note
        if self.not_compared:
            data["not_compared"] = self.not_compared
        return data


def find_history(target: str, ledger: Ledger) -> History:
    """Resolve ``target`` to an asset and gather its history."""
    asset, note, content = resolve_target(target, ledger)
    approvals = ledger.approvals.of(asset.sha256)
    looks_like, not_compared = resemblance(asset, content, ledger)
    return History(
        asset,
        ledger.locations.of(asset.sha256),
        ledger.events.of(asset.sha256),
        note,
        approvals,
        needs(asset, approvals, datetime.now(UTC)),
        looks_like,
        not_compared,
    )


def resemblance(
    asset: AssetRecord, content: Path | None, ledger: Ledger
) -> tuple[Lookalike | None, str | None]:
    """The generated asset ``asset`` looks like, or why it was not compared.

    ``content`` is a file holding the asset's bytes, used when the ledger has
    no fingerprint for it yet. Generated and unreadable assets, and what is
    not a picture, are not compared (both results None).
    """
    from provenance.likeness.search import PICTURE_KINDS, fingerprints_of, load_index, nearest

    if asset.verdict in SETTLED_VERDICTS or asset.kind not in PICTURE_KINDS:
        return None, None
    index = load_index(ledger)
    if not len(index):
        return None, None
    prints, why = fingerprints_of(asset, content, ledger)
    if not prints:
        return None, f"not compared with generated assets: {why}"
    hit = nearest(index, prints, asset.sha256)
    if hit is None:
        return None, None
    (sha, distance), moments = hit
    places = ledger.locations.of(sha)
    present = next((loc.path for loc in places if loc.present), None)
    ours = (loc.path for loc in ledger.locations.of(asset.sha256))
    neighbour = share_a_sequence(ours, (loc.path for loc in places))
    return Lookalike(ledger.assets.resolve(sha), distance, moments, present, neighbour), None


def needs(asset: AssetRecord, approvals: list[ApprovalRecord], now: datetime) -> list[str]:
    """The approval categories a generated asset still lacks for finals at ``now``."""
    if asset.verdict != "genai" or asset.status not in OPEN_STATUSES:
        return []
    state = asset_state(asset, approvals)
    return list(missing_approvals(state.flags, state.approvals, now))


def resolve_target(target: str, ledger: Ledger) -> tuple[AssetRecord, str | None, Path | None]:
    """The asset a target names, a note on how it was found, and a file holding its bytes.

    The file is the target itself when it is one whose content is the asset.
    """
    path = Path(target).expanduser()
    if path.is_file():
        return _by_file(absolute(path), ledger)
    if is_sha256_prefix(target) and not os.path.lexists(path):
        return ledger.assets.resolve(target), None, None
    known = ledger.assets.at(str(absolute(path)))
    if known is not None:
        gone = "this file is no longer there; showing the content last recorded at this path"
        return known, gone, None
    raise TargetNotFound(
        "no such file or asset in the ledger",
        where=target,
        fix="give a file path or a SHA-256 prefix",
    )


def _by_file(path: Path, ledger: Ledger) -> tuple[AssetRecord, str | None, Path | None]:
    sha = sha256_file(path).sha256
    asset = ledger.assets.get(sha)
    if asset is not None:
        return asset, None, path
    known = ledger.assets.at(str(path))
    if known is not None:
        return (
            known,
            (
                f"this file's current content ({sha[:12]}) is not in the ledger; "
                "showing the content last recorded at this path. Run `provenance scan` on it"
            ),
            None,
        )
    raise TargetNotFound(
        f"this file is not in the ledger (sha256 {sha[:12]})",
        where=path,
        fix="run `provenance scan` on it first",
    )
