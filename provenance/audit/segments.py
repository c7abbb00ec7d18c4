"""The audit's master stage: which generated assets a delivered video shows, and when.

The near-match stage recognises a video that *is* a copy of a generated
clip (most of its eight sampled moments alike). A master is more: a
programme in which a generated still is held for two seconds, or a
generated shot is cut between camera shots. This stage sweeps every
delivered video that nothing else settled along its whole length
(:func:`provenance.likeness.master.scan_master`) against both indexes of the
generated assets, and gives it the segments found.

A video the ledger holds may have been swept already (the deferred stage
after ``scan`` and in ``watch``, or an earlier audit): its stored sweep is
used while it is current (no generated asset was fingerprinted or described
since, ``ledger.segments``), and a new sweep of a ledger asset is stored.

**Fail closed.** A video this stage could not sweep to its end (it cannot
be opened as a video, its frames cannot be decoded, or the sweep reached a
limit) is not passed: :attr:`SegmentCheck.unseen` carries the reason, and
the file blocks, as an unreadable picture does. A stored failure is never
reused: the video is swept again. A failure that may pass (``error``: the file
could not be read, the sweep's clock ran out) is not stored by the audit: the
watch daemon's deferred stage tries such a video again, with its count. A file
with no video stream at all (an audio-only MXF) has no picture to check: a
note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from provenance.audit.near import could_be_copy, is_video, with_near
from provenance.audit.package import Item
from provenance.errors import ProvenanceError, UnsupportedVideo
from provenance.likeness.search import NearHit, nearest
from provenance.likeness.versions import SWEEP_RULE
from provenance.util.stages import no_tick

if TYPE_CHECKING:
    from provenance.likeness.index import NearMatchIndex
    from provenance.likeness.master import Lookup, Segment
    from provenance.likeness.regions import RegionIndex
    from provenance.store import Ledger, SegmentIn

NO_PICTURE = "no picture to check for generated material"


@dataclass
class SegmentCheck:
    """The sweep of one audit's delivered videos, against both indexes of generated assets.

    ``regions`` loads the region index on first need (``None``: no generated
    picture has features yet).
    """

    ledger: Ledger
    near: NearMatchIndex
    regions: Callable[[], RegionIndex | None]
    # videos the near stage left to this one: their eight moments come from the sweep
    deferred: set[str] = field(default_factory=set)
    unseen: dict[str, str] = field(default_factory=dict)  # could not be swept to the end: block
    noted: dict[str, str] = field(default_factory=dict)  # nothing to sweep (no picture)
    found: dict[str, tuple[Segment, ...]] = field(default_factory=dict)
    copies: dict[str, NearHit] = field(default_factory=dict)  # deferred videos copying a clip
    tick: Callable[[], None] = no_tick  # told of each video swept, for a progress bar

    def matched(self, items: list[Item]) -> list[Item]:
        """The items, each video with the segments of generated material found in it."""
        candidates = [i for i in items if _unsettled(i)]
        through = self.ledger.segments.through() if candidates else (0, 0)
        if not any(through):
            return items  # no video, or nothing generated to look for
        todo = self._reuse(candidates, through)
        if todo:
            self._sweep_all(todo, through)
        items = [with_near(i, hit) if (hit := self.copies.get(i.rel)) else i for i in items]
        return [_with_segments(i, s) if (s := self.found.get(i.rel)) else i for i in items]

    def _reuse(self, candidates: list[Item], through: tuple[int, int]) -> list[Item]:
        """Take the current stored sweeps; the items left to sweep."""
        # Lazy: PyAV and OpenCV load only when a package holds videos.
        from provenance.likeness.master import from_records  # noqa: PLC0415

        stored = self.ledger.segments.many(i.seen.asset.sha256 for i in candidates if i.seen.asset)
        todo = []
        for item in candidates:
            rows = stored.get(item.seen.sha256 or "")
            if (
                item.rel in self.deferred
                or rows is None
                or not _current(rows, through)
                or rows[0].status in ("undecodable", "error")
            ):
                todo.append(item)
            elif rows[0].status == "unsupported":
                self.noted[item.rel] = f"{NO_PICTURE} ({rows[0].reason})"
            else:
                self.found[item.rel] = from_records(rows)
        return todo

    def _sweep_all(self, todo: list[Item], through: tuple[int, int]) -> None:
        # Lazy: PyAV and OpenCV load only when a package holds videos.
        from provenance.likeness.confirm import StoredReferences  # noqa: PLC0415
        from provenance.likeness.master import Lookup  # noqa: PLC0415

        lookup = Lookup(self.near, self.regions(), StoredReferences(self.ledger))
        records: list[SegmentIn] = []
        for item in todo:
            swept = self._sweep(item, lookup, through)
            self.tick()
            if item.seen.asset is not None and swept[0].status != "error":
                records += swept  # a failure that may pass is left to the deferred stage
        self.ledger.segments.save(records)

    def _sweep(self, item: Item, lookup: Lookup, through: tuple[int, int]) -> list[SegmentIn]:
        """Sweep one video; its records for the ledger."""
        # Lazy: PyAV and OpenCV load only when a package holds videos.
        from provenance.likeness.master import as_records, failed_record, scan_master  # noqa: PLC0415

        sha = item.seen.sha256 or ""
        try:
            scan = scan_master(item.path, lookup)
        except UnsupportedVideo as exc:
            self.noted[item.rel] = f"{NO_PICTURE} ({exc.message})"
            return [failed_record(sha, through, exc)]
        except ProvenanceError as exc:
            self.unseen[item.rel] = f"video not checked for generated material ({exc.message})"
            return [failed_record(sha, through, exc)]
        self.found[item.rel] = scan.segments
        moments = scan.moments() if item.rel in self.deferred else []
        if moments and (hit := nearest(self.near, moments, sha)):
            self.copies[item.rel] = hit
        if scan.incomplete:
            self.unseen[item.rel] = (
                f"video not fully checked for generated material (swept to {scan.swept:.1f} s:"
                f" {scan.incomplete})"
            )
        return as_records(sha, scan, through)


def _current(rows: Sequence[SegmentIn], through: tuple[int, int]) -> bool:
    # Made against exactly the generated assets described now: a sweep claiming rows past
    # the last ids was not made by the ledger's writers (an insider's "nothing found" would
    # be reused for ever). A sweep by an older rule is made again.
    first = rows[0]
    return (first.features_through == through[0] and first.prints_through == through[1]
            and first.rule >= SWEEP_RULE)  # fmt: skip


def _unsettled(item: Item) -> bool:
    # A video already tied to a generated clip as a whole is settled by that.
    return could_be_copy(item) and is_video(item) and item.seen.near is None


def _with_segments(item: Item, segments: tuple[Segment, ...]) -> Item:
    return replace(item, seen=replace(item.seen, segments=segments))
