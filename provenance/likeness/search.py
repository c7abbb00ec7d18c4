"""Which assets a picture looks like, by its perceptual fingerprints.

Shared by the audit (every image and video of a package), ``history`` (an
asset the ledger holds as not generated, or of unknown origin) and ``ls
--looks-like`` (every copy of an asset the ledger knows, whatever its
hash): the index of every generated asset's fingerprints, loaded from the
ledger in batches; the rule that names the nearest generated asset, one
query for a still, :func:`~provenance.likeness.index.match_clip` over a video's
sampled moments; and :func:`lookalikes`, the same rule run the other way,
over every fingerprint the ledger holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import median_low
from typing import TYPE_CHECKING

from provenance.errors import NotComparable
from provenance.files.sequences import share_a_sequence
from provenance.likeness.confirm import (
    SURE,
    Confirmation,
    confirm,
    needs_confirmation,
    read_references,
)
from provenance.likeness.versions import REGION_RULE, SWEEP_RULE
from provenance.likeness.vouch import corrections
from provenance.targets import resolve_target
from provenance.util.json_shapes import asset_row, present_locations
from provenance.vocab import NearConfirmation

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from provenance.likeness.fingerprint import Fingerprint
    from provenance.likeness.index import NearMatchIndex
    from provenance.likeness.vouch import IndexVouch
    from provenance.store import AssetQuery, AssetRecord, Ledger, SegmentIn, StoredFingerprint

PICTURE_KINDS = ("image", "video")  # the kinds of asset that have fingerprints
# Pictures not already settled as generated or unreadable are compared with generated assets.
SETTLED_VERDICTS = ("genai", "unreadable")
# The nearest generated asset and its distance, and for a video (matching, sampled) moments.
NearHit = tuple[tuple[str, int], tuple[int, int] | None]


def moments_dict(moments: tuple[int, int] | None) -> dict[str, int] | None:
    """A video's (matching, sampled) moments in JSON form; None for a still."""
    return moments and {"matched": moments[0], "sampled": moments[1]}


@dataclass
class Pictures:
    """What one command has loaded to compare pictures, so that nothing is loaded twice.

    ``history FILE`` asks what the file looks like and then audits it: both
    need the index of generated fingerprints (:meth:`index`, loaded on
    first use) and the file's fingerprints (``computed``, by sha256, when
    the ledger has none stored).
    """

    ledger: Ledger
    computed: dict[str, tuple[Fingerprint, ...]] = field(default_factory=dict)
    vouch: IndexVouch | None = None  # what checks the index as it loads (the audit's check)
    _index: NearMatchIndex | None = None

    def index(self) -> NearMatchIndex:
        """The index of every generated asset's fingerprints, loaded once (through ``vouch``)."""
        if self._index is None:
            self._index = load_index(self.ledger, self.vouch)
        return self._index


def load_index(ledger: Ledger, vouch: IndexVouch | None = None) -> NearMatchIndex:
    """Every generated asset's fingerprint, loaded in batches; as ``vouch`` corrects it."""
    # Lazy: numpy and the decoders load only when a picture is compared.
    from provenance.likeness.index import NearMatchIndex  # noqa: PLC0415

    index = NearMatchIndex()

    def load() -> Iterator[StoredFingerprint]:
        for batch in _genai_prints(ledger):
            index.add([b.sha256 for b in batch], *_hashes(batch))
            yield from batch

    fixes = corrections(load, None if vouch is None else vouch.fingerprints)
    if not fixes:
        return index
    index = NearMatchIndex()  # rare: built again, without what was loaded of those assets
    for batch in _genai_prints(ledger):
        kept = [b for b in batch if b.sha256 not in fixes]
        index.add([b.sha256 for b in kept], *_hashes(kept))
    fixed = [row for rows in fixes.values() for row in rows]
    index.add([b.sha256 for b in fixed], *_hashes(fixed))
    return index


def _genai_prints(ledger: Ledger) -> Iterator[list[StoredFingerprint]]:
    after = 0
    while batch := ledger.fingerprints.genai_page(after):
        yield batch
        after = batch[-1].row_id


def _hashes(batch: Sequence[StoredFingerprint]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    # As numpy arrays, the index takes the signed hashes' bits in one step, not one by one.
    # Lazy: numpy and the decoders load only when a picture is compared.
    import numpy as np  # noqa: PLC0415

    count = len(batch)
    grads = np.fromiter((b.grad for b in batch), np.int64, count)
    return grads, np.fromiter((b.dct for b in batch), np.int64, count)


def nearest(index: NearMatchIndex, prints: Sequence[Fingerprint], own_sha: str) -> NearHit | None:
    """The generated asset other than ``own_sha`` that ``prints`` look like, if any.

    One fingerprint is a still; several are a video's sampled moments.
    """
    if len(prints) > 1:
        # Lazy: numpy and the decoders load only when a picture is compared.
        from provenance.likeness.index import match_clip  # noqa: PLC0415

        clip = match_clip(index, prints, own_sha)
        if clip is None:
            return None
        return (str(clip.asset), clip.distance), (clip.matched, clip.sampled)
    for asset, distance in index.query(prints[0]):
        if asset != own_sha:
            return (str(asset), distance), None
    return None


@dataclass(frozen=True)
class Likeness:
    """An asset that looks like the one asked about.

    ``distance`` is the fingerprint distance (for a video, the median over
    its moments alike); ``moments`` is, when the asset asked about is a
    video, how many of its sampled moments this asset matches, of how many.
    ``cover`` is set instead for a picture that *holds* the asset asked about
    (cropped, turned or composited into it: the region check), as the share
    of its frame the asset covers; ``shown`` for a video that shows it in
    some stretches (its stored sweep's segments).
    """

    sha256: str
    distance: int | None
    moments: tuple[int, int] | None = None
    cover: float | None = None
    shown: tuple[SegmentIn, ...] = ()


def lookalikes(ledger: Ledger, prints: Sequence[Fingerprint], own_sha: str) -> list[Likeness]:
    """Every asset other than ``own_sha`` that ``prints`` look like, nearest first.

    The rule is the audit's, with the roles turned round: an asset matches
    when it has a fingerprint alike to each of more than half of the
    moments of a video asked about (at least two), or to the one
    fingerprint of a still. The ledger's fingerprints are read a batch at a
    time, so memory stays bounded whatever the ledger holds; the time grows
    with it (every fingerprint is compared).
    """
    # Lazy: numpy and the decoders load only when a picture is compared.
    from provenance.likeness.index import NearMatchIndex, frames_needed  # noqa: PLC0415

    alike: dict[str, dict[int, int]] = {}  # asset -> {moment asked about: nearest distance}
    after = 0
    while batch := ledger.fingerprints.page(after):
        index = NearMatchIndex()  # a page's rows, by their place in the page
        index.add(range(len(batch)), *_hashes(batch))
        for moment, fingerprint in enumerate(prints):
            for row, distance in index.query(fingerprint):
                best = alike.setdefault(batch[int(row)].sha256, {})
                best[moment] = min(distance, best.get(moment, distance))
        after = batch[-1].row_id
    alike.pop(own_sha, None)
    video = len(prints) > 1
    need = frames_needed(len(prints)) if video else 1
    found = [
        Likeness(sha, median_low(d.values()), (len(d), len(prints)) if video else None)
        for sha, d in alike.items()
        if len(d) >= need
    ]
    return sorted(found, key=lambda f: (-(f.moments or (1, 1))[0], f.distance, f.sha256))


def fingerprints_of(
    asset: AssetRecord,
    content: Path | None,
    ledger: Ledger,
    computed: dict[str, tuple[Fingerprint, ...]] | None = None,
) -> tuple[tuple[Fingerprint, ...], str]:
    """An asset's fingerprints, or none and why.

    The ones stored in the ledger, else, when ``content`` (a file holding the
    asset's bytes) is given, computed from it on a worker process, so that a
    hostile file cannot take the command down (and kept in ``computed``).
    """
    # Lazy: numpy and the decoders load only when a picture is compared.
    from provenance.likeness.fingerprint import Fingerprint, fingerprint_files  # noqa: PLC0415

    stored = ledger.fingerprints.many([asset.sha256]).get(asset.sha256)
    if stored is not None and stored.status == "error" and content is not None:
        stored = None  # a failure that may have passed: try the file given
    if stored is not None and stored.hashes:
        return tuple(Fingerprint.from_signed(*h) for h in stored.hashes), ""
    if stored is not None:  # a row without hashes: the picture cannot be fingerprinted
        return (), stored.reason or stored.status
    if content is None:
        return (), "no fingerprint is stored yet (ask with the file's path to compute one)"
    [result] = fingerprint_files([content])
    if computed is not None and result.fingerprints:
        computed[asset.sha256] = result.fingerprints
    return result.fingerprints, result.reason or result.status


@dataclass(frozen=True)
class Similar:
    """An asset that looks like a target: its record, how alike, and where it is present now."""

    asset: AssetRecord
    likeness: Likeness
    places: tuple[tuple[str, str], ...] = ()  # (host, path) where it is present now

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths, on every host, where it is present now."""
        return tuple(path for _, path in self.places)

    def to_dict(self) -> dict[str, object]:
        """The asset's JSON object with ``distance``, ``moments`` and its present ``locations``."""
        data = asset_row(self.asset.to_dict(), distance=self.likeness.distance,
                         moments=moments_dict(self.likeness.moments),
                         locations=present_locations(self.places))  # fmt: skip
        if self.likeness.cover is not None:
            data["holds"] = {"cover": self.likeness.cover}
        if self.likeness.shown:
            data["shows"] = [span_dict(s) for s in self.likeness.shown]
        return data


def similar_assets(target: str, ledger: Ledger, query: AssetQuery) -> list[Similar]:
    """The assets matching ``query`` that look like ``target`` (a file or SHA-256), nearest first.

    Where a generated image went, whatever became of its bytes: its
    re-encoded, resized or stripped copies, and the frames it was comped
    into when the picture still shows it, whole (by fingerprint) or in part
    (the pictures the region check found it in, after them). Raises
    :class:`NotComparable` when the target has no fingerprint and no picture
    holds it.
    """

    asset, _, content = resolve_target(target, ledger)
    prints: tuple[Fingerprint, ...] = ()
    why = f"it is {asset.kind}, not an image or a video"
    if asset.kind in PICTURE_KINDS:
        prints, why = fingerprints_of(asset, content, ledger)
    holders = [
        Likeness(c.sha256, None, cover=c.cover)
        for c in ledger.regions.holding(asset.sha256, rule=REGION_RULE)
    ]
    holders += _showing(ledger, asset.sha256)
    if not prints and not holders:
        raise NotComparable(
            f"cannot compare this asset by likeness ({why})",
            where=target,
            fix="give an image or video the ledger has fingerprinted, or its path",
        )
    return ranked_similar(ledger, prints, asset.sha256, holders, query)


def ranked_similar(
    ledger: Ledger,
    prints: Sequence[Fingerprint],
    own_sha: str,
    holders: Sequence[Likeness],
    query: AssetQuery,
) -> list[Similar]:
    """The assets matching ``query`` alike to ``prints`` or in ``holders``, nearest first."""
    likes = {like.sha256: like for like in lookalikes(ledger, prints, own_sha)} if prints else {}
    for held in holders:  # a video alike in some moments also shows its segments
        known = likes.get(held.sha256)
        likes[held.sha256] = held if known is None else replace(known, shown=held.shown)
    if not likes:
        return []
    records = ledger.assets.list(replace(query, shas=tuple(likes), limit=None))
    places = ledger.locations.present_places(a.sha256 for a in records)
    rank = {sha: place for place, sha in enumerate(likes)}  # nearest first, as found
    ranked = sorted(records, key=lambda a: rank[a.sha256])
    found = [Similar(a, likes[a.sha256], tuple(sorted(places.get(a.sha256, [])))) for a in ranked]
    return found if query.limit is None else found[: query.limit]


def _showing(ledger: Ledger, sha256: str) -> list[Likeness]:
    """The videos whose stored sweeps show ``sha256``, each with its segments."""
    shown = segments_by_video(ledger, sha256)
    return [Likeness(video, None, shown=tuple(found)) for video, found in shown.items()]


def segments_by_video(ledger: Ledger, sha256: str) -> dict[str, list[SegmentIn]]:
    """The segments of current sweeps that show ``sha256``, by video, in the ledger's order."""
    by_video: dict[str, list[SegmentIn]] = {}
    for segment in ledger.segments.holding(sha256, rule=SWEEP_RULE):
        by_video.setdefault(segment.sha256, []).append(segment)
    return by_video


def span_dict(segment: SegmentIn) -> dict[str, object]:
    """A stored segment's time span and how it was found, as JSON (the audit's segment keys)."""
    return {"start": segment.start, "end": segment.end, "tc_in": segment.tc_in,
            "tc_out": segment.tc_out, "kind": segment.kind, "score": segment.score}  # fmt: skip


@dataclass(frozen=True)
class Lookalike:
    """A generated asset that an asset not held as generated looks like.

    ``distance`` is the fingerprint distance (of 128 bits; for a video the
    median over its ``moments`` alike, given as matching and sampled).
    ``places`` are the (host, path) where the generated asset is present now.
    ``neighbour`` is true when the two were seen as frames of one sequence:
    frames of a shot look alike without being copies of each other.
    ``confirmation`` says whether the region rule had to vouch for a still's
    match (:mod:`provenance.likeness.confirm`): ``sure`` (near enough not
    to), ``confirmed``, or ``unconfirmed`` (it could not be asked; kept).
    """

    asset: AssetRecord
    distance: int
    moments: tuple[int, int] | None = None
    places: tuple[tuple[str, str], ...] = ()
    neighbour: bool = False
    confirmation: NearConfirmation = "sure"

    @property
    def path(self) -> str | None:
        """Where the generated asset was last seen present (the first place), if anywhere."""
        return self.places[0][1] if self.places else None

    def to_dict(self) -> dict[str, object]:
        """JSON form: the generated asset in brief, how alike, and where it is present now."""
        moments = moments_dict(self.moments)
        return {"sha256": self.asset.sha256, "verdict": self.asset.verdict,
                "tool": self.asset.tool, "status": self.asset.status,
                "distance": self.distance, "moments": moments,
                "locations": present_locations(self.places),
                "neighbour": self.neighbour, "confirmation": self.confirmation}  # fmt: skip


def looks_like(
    asset: AssetRecord, content: Path | None, ledger: Ledger, pictures: Pictures | None = None
) -> tuple[Lookalike | None, str | None]:
    """The generated asset ``asset`` looks like, or why it was not compared.

    ``content`` is a file holding the asset's bytes, used when the ledger has
    no fingerprint for it yet. Generated and unreadable assets, and what is
    not a picture, are not compared (both results None). ``pictures`` is
    what the caller loaded already, and keeps what is loaded here.
    """
    if asset.verdict in SETTLED_VERDICTS or asset.kind not in PICTURE_KINDS:
        return None, None
    pictures = pictures or Pictures(ledger)
    index = pictures.index()
    if not len(index):
        return None, None
    prints, why = fingerprints_of(asset, content, ledger, pictures.computed)
    if not prints:
        return None, f"not compared with generated assets: {why}"
    hit = nearest(index, prints, asset.sha256)
    if hit is None:
        return None, None
    (sha, distance), moments = hit
    confirmation = SURE
    if moments is None and needs_confirmation(distance):
        confirmation = confirm_still(content, sha, ledger)
    kept = confirmation.kept
    if kept is None:  # the region rule refused it
        return None, None
    places = ledger.locations.of(sha)
    present = tuple((loc.host, loc.path) for loc in places if loc.present)
    ours = (loc.path for loc in ledger.locations.of(asset.sha256))
    neighbour = share_a_sequence(ours, (loc.path for loc in places))
    found = ledger.assets.resolve(sha)
    return Lookalike(found, distance, moments, present, neighbour, kept), None


def confirm_still(content: Path | None, sha256: str, ledger: Ledger) -> Confirmation:
    """The region rule's word on a still near match of generated asset ``sha256``.

    ``content`` (a file holding the still's bytes) is described on a worker
    process; without one the match cannot be confirmed, and stands.
    """
    reference = read_references(ledger, [sha256])[sha256]
    if content is None:
        return Confirmation("unconfirmed", "no file at hand to describe")
    # Lazy: OpenCV loads only when a near match needs confirming.
    from provenance.likeness.describe import describe_files  # noqa: PLC0415

    [described] = describe_files([str(content)], mirror=True)
    return confirm(described.features(), reference, sha256)
