"""The audit's master stage: which generated assets a delivered video shows, and when.

The near-match stage recognises a video that *is* a copy of a generated
clip (most of its eight sampled moments alike). A master is more: a
programme in which a generated still is held for two seconds, or a
generated shot is cut between camera shots. This stage sweeps every
delivered video that nothing else settled along its whole length
(:func:`provenance.likeness.master.scan_master`) against both indexes of the
generated assets, and gives it the segments found.

**Fail closed.** A video this stage could not sweep to its end (it cannot
be opened as a video, its frames cannot be decoded, or the sweep reached a
limit) is not passed: :attr:`SegmentCheck.unseen` carries the reason, and
the file blocks, as an unreadable picture does. A file with no video stream
at all (an audio-only MXF) has no picture to check: a note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from provenance.audit.near import could_be_copy, is_video
from provenance.audit.package import Item
from provenance.errors import ProvenanceError, UnsupportedVideo

if TYPE_CHECKING:
    from provenance.likeness.index import NearMatchIndex
    from provenance.likeness.master import Lookup, MasterScan
    from provenance.likeness.regions import RegionIndex


@dataclass
class SegmentCheck:
    """The sweep of one audit's delivered videos, against both indexes of generated assets.

    ``regions`` loads the region index on first need (``None``: no generated
    picture has features yet).
    """

    near: NearMatchIndex
    regions: Callable[[], RegionIndex | None]
    unseen: dict[str, str] = field(default_factory=dict)  # could not be swept to the end: block
    noted: dict[str, str] = field(default_factory=dict)  # nothing to sweep (no picture)
    swept: dict[str, MasterScan] = field(default_factory=dict)

    def matched(self, items: list[Item]) -> list[Item]:
        """The items, each video with the segments of generated material found in it."""
        candidates = [i for i in items if _unsettled(i)]
        if not candidates:
            return items
        regions = self.regions()
        if not len(self.near) and regions is None:
            return items  # nothing generated to look for
        # Lazy: PyAV and OpenCV load only when a package holds videos.
        from provenance.likeness.master import Lookup  # noqa: PLC0415

        lookup = Lookup(self.near, regions)
        for item in candidates:
            self._sweep(item, lookup)
        return [_with_segments(i, scan) if (scan := self.swept.get(i.rel)) else i for i in items]

    def _sweep(self, item: Item, lookup: Lookup) -> None:
        # Lazy: PyAV and OpenCV load only when a package holds videos.
        from provenance.likeness.master import scan_master  # noqa: PLC0415

        try:
            scan = scan_master(item.path, lookup)
        except UnsupportedVideo as exc:
            self.noted[item.rel] = f"no picture to check for generated material ({exc.message})"
            return
        except ProvenanceError as exc:
            self.unseen[item.rel] = f"video not checked for generated material ({exc.message})"
            return
        self.swept[item.rel] = scan
        if scan.incomplete:
            self.unseen[item.rel] = (
                f"video checked for generated material only up to {scan.swept:.1f} s"
                f" ({scan.incomplete})"
            )


def _unsettled(item: Item) -> bool:
    # A video already tied to a generated clip as a whole is settled by that.
    return could_be_copy(item) and is_video(item) and item.seen.near is None


def _with_segments(item: Item, scan: MasterScan) -> Item:
    return replace(item, seen=replace(item.seen, segments=scan.segments))
