"""The audit's near-match stage: which generated asset a package file may be a copy of.

Only files that could still be a copy of generated material are compared:
images and videos (by the ledger's record, or by suffix for files the ledger
does not know) that are not themselves generated or unreadable. Their
fingerprints come from the ledger when stored, else they are computed on a
process pool; each is looked up in the in-memory index of every generated
asset's fingerprints (:mod:`provenance.likeness.index`; a video's sampled moments
by :func:`~provenance.likeness.index.match_clip`).

What could not be compared is said, never passed over in silence:
:attr:`NearCheck.undecodable` (a picture that does not decode: it cannot be
compared, so it cannot pass, and the audit blocks it),
:attr:`NearCheck.unchecked` (a picture whose decoder is an extra that is not
installed, such as OpenEXR: the audit warns) and :attr:`NearCheck.noted` (a
video while PyAV is not installed: a reason, no warning, since near matching
of video is an optional extra).

**Confirmed by the region rule.** A still's near match farther than the sure
distance counts only when the region rule finds the generated picture in it
(:mod:`provenance.likeness.confirm`): the picture's features are those the
fingerprint stage described for the region stage, else described here; the
generated asset's are the ledger's. A refused match is dropped (the picture
goes on to the region stage as any other); one that cannot be asked (the
generated asset has no features yet, or none at all) is kept and blocks as
before, with the reason in :attr:`NearCheck.unconfirmed`. Every near match
carries how it stands (``sure``, ``confirmed``, ``unconfirmed``: its
``near_confirmation``), which the report's ``match`` gives as ``confirmation``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from provenance.audit.package import Item
from provenance.likeness.confirm import (
    confirm,
    needs_confirmation,
    read_references,
    unconfirmed_note,
)
from provenance.likeness.search import NearHit, nearest
from provenance.util.stages import no_tick
from provenance.vocab import NearConfirmation

if TYPE_CHECKING:
    from provenance.likeness.describe import Described
    from provenance.likeness.features import Features
    from provenance.likeness.fingerprint import Fingerprint
    from provenance.likeness.index import NearMatchIndex
    from provenance.store import AssetFingerprints, Ledger

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".exr", ".dpx"}
)
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mxf", ".mkv", ".webm", ".avi", ".mts", ".m2ts", ".ts", ".mpg",
     ".mpeg", ".wmv", ".flv"}
)  # fmt: skip
# A file's fingerprints (one for a still, a video's sampled moments) and its own sha256.
Prints = dict[str, tuple[tuple["Fingerprint", ...], str]]
# What the ledger has stored for each asset, by sha256.
Stored = dict[str, "AssetFingerprints"]


@dataclass
class NearCheck:
    """The near-match check of one audit, against one index of generated fingerprints."""

    ledger: Ledger
    index: NearMatchIndex
    undecodable: dict[str, str] = field(default_factory=dict)  # does not decode: block
    unchecked: dict[str, str] = field(default_factory=dict)  # decoder not installed: warn
    noted: dict[str, str] = field(default_factory=dict)  # not compared for want of PyAV
    # Videos with no stored fingerprints are left to the sweep of the segments stage, which
    # decodes them along their whole length anyway and gives their moments (``deferred``).
    defer_videos: bool = False
    deferred: set[str] = field(default_factory=set)
    tick: Callable[[], None] = no_tick  # told of each picture fingerprinted, for a progress bar
    # Fingerprints the caller computed already from files, by sha256 (history's): not again.
    computed: Mapping[str, tuple[Fingerprint, ...]] = field(default_factory=dict)
    # Pictures the region stage will look into: described in the decode that fingerprints them,
    # the descriptions kept in ``described`` for it (see provenance.likeness.describe).
    to_describe: frozenset[str] = frozenset()
    described: dict[str, Described] = field(default_factory=dict)
    unconfirmed: dict[str, str] = field(default_factory=dict)  # near matches kept unconfirmed

    def fingerprints(self, items: Sequence[Item]) -> Prints:
        """The fingerprints of the items that could be copies (none when nothing is generated)."""
        if not len(self.index):
            return {}
        candidates = [i for i in items if could_be_copy(i)]
        stored = self.ledger.fingerprints.many(i.seen.sha256 for i in candidates if i.seen.sha256)
        return self._fingerprints(self._without_pyav(candidates, stored), stored)

    def matched(self, items: list[Item], prints: Prints) -> list[Item]:
        """The items, each with the generated asset it looks like, if any, and how sure."""
        hits = {rel: nearest(self.index, fps, sha) for rel, (fps, sha) in prints.items()}
        said = self._confirmed(items, hits)
        return [_tied(i, hits.get(i.rel), said.get(i.rel, "sure")) for i in items]

    def _confirmed(
        self, items: list[Item], hits: dict[str, NearHit | None]
    ) -> dict[str, NearConfirmation | None]:
        """What the region rule said of the still near matches it was asked about, by item.

        None for those it refused (to drop); those it could not be asked about
        are kept, ``unconfirmed``, and said in :attr:`unconfirmed`.
        """
        asked = {
            rel: hit[0][0]
            for rel, hit in hits.items()
            if hit is not None and hit[1] is None and needs_confirmation(hit[0][1])
        }  # stills only: a video's match is a majority of its moments
        if not asked:
            return {}
        references = read_references(self.ledger, sorted(set(asked.values())))
        queries = self._query_features([i for i in items if i.rel in asked])
        said: dict[str, NearConfirmation | None] = {}
        for rel, sha in asked.items():
            outcome = confirm(queries.get(rel), references[sha], sha)
            said[rel] = outcome.kept
            if outcome.outcome == "unconfirmed":
                self.unconfirmed[rel] = unconfirmed_note(outcome.why)
        return said

    def _query_features(self, items: Sequence[Item]) -> dict[str, Features | None]:
        """The items' features with their mirrors: described already, else now (and kept)."""
        fresh = [i for i in items if i.rel not in self.described]
        if fresh:
            # Lazy: OpenCV loads only when a near match needs confirming.
            from provenance.likeness.describe import describe_files  # noqa: PLC0415

            described = describe_files((str(i.path) for i in fresh), mirror=True)
            self.described |= dict(zip((i.rel for i in fresh), described, strict=True))
        return {i.rel: self.described[i.rel].features() for i in items}

    def _without_pyav(self, candidates: list[Item], stored: Stored) -> list[Item]:
        videos = [i for i in candidates if is_video(i)]
        if not videos:
            return candidates
        # Lazy: PyAV loads only when the package holds videos.
        from provenance.likeness.video import NOT_INSTALLED, available  # noqa: PLC0415

        if available():
            return candidates
        missing = {i.rel for i in videos if (i.seen.sha256 or "") not in stored}
        for rel in missing:
            self.noted[rel] = f"near match not checked: PyAV is not installed ({NOT_INSTALLED})"
        return [i for i in candidates if i.rel not in missing]

    def _fingerprints(self, candidates: Sequence[Item], stored: Stored) -> Prints:
        # Lazy: numpy and the decoders load only when a picture is compared.
        from provenance.likeness.fingerprint import Fingerprint  # noqa: PLC0415

        found: Prints = {}
        todo: list[Item] = []
        for item in candidates:
            sha = item.seen.sha256 or ""
            row = stored.get(sha)
            if sha in self.computed and (row is None or not row.hashes):
                found[item.rel] = (self.computed[sha], sha)
            elif row is None or row.status == "error":  # a failure stored is tried again here
                todo.append(item)
            elif row.hashes:
                found[item.rel] = (tuple(Fingerprint.from_signed(*h) for h in row.hashes), sha)
            elif row.status == "undecodable":
                self.undecodable[item.rel] = row.reason or row.status
        if self.defer_videos:
            self.deferred = {i.rel for i in todo if is_video(i)}
            todo = [i for i in todo if i.rel not in self.deferred]
        if todo:
            found |= self._computed(todo)
        return found

    def _computed(self, todo: Sequence[Item]) -> Prints:
        # Lazy: numpy and the decoders load only when a picture is compared.
        from provenance.likeness.describe import look_files  # noqa: PLC0415

        found: Prints = {}
        looked = look_files((str(i.path), i.rel in self.to_describe) for i in todo)
        for item, (result, described) in zip(todo, looked, strict=True):
            self.tick()
            if described is not None:
                self.described[item.rel] = described
            if result.fingerprints:
                found[item.rel] = (result.fingerprints, item.seen.sha256 or "")
            elif result.kind == "video" and result.status == "unavailable":
                self.noted[item.rel] = f"near match not checked ({result.reason})"
            elif result.status in ("error", "undecodable"):
                self.undecodable[item.rel] = result.reason or result.status
            elif result.status == "unavailable":
                self.unchecked[item.rel] = result.reason or result.status
        return found


def could_be_copy(item: Item) -> bool:
    """True for a hashed image or video that is not itself generated or unreadable."""
    seen = item.seen
    verdict = seen.asset.verdict if seen.asset else seen.verdict
    is_image = (
        (seen.asset.kind == "image") if seen.asset else item.path.suffix.lower() in IMAGE_SUFFIXES
    )
    is_picture = is_image or is_video(item)
    return bool(seen.sha256) and is_picture and verdict not in ("genai", "unreadable")


def is_video(item: Item) -> bool:
    """True for a video, by the ledger's record or else by its suffix."""
    asset = item.seen.asset
    return asset.kind == "video" if asset else item.path.suffix.lower() in VIDEO_SUFFIXES


def with_near(item: Item, hit: NearHit, confirmation: NearConfirmation = "sure") -> Item:
    """``item`` tied to the generated asset it is a copy of (a still, or a clip as a whole)."""
    seen = replace(item.seen, near=hit[0], near_frames=hit[1], near_confirmation=confirmation)
    return replace(item, seen=seen)


def _tied(item: Item, hit: NearHit | None, confirmation: NearConfirmation | None) -> Item:
    # No hit, or one the region rule refused (None): the item goes on untied.
    return item if hit is None or confirmation is None else with_near(item, hit, confirmation)
