"""The audit's region stage: which generated picture a delivered picture holds a part of.

The near-match stage (:mod:`provenance.audit.near`) finds whole-picture
copies. What leaves a facility is more often a generated picture reframed:
cropped, scaled, flopped, turned, letterboxed, burnt in, graded, or
composited into a plate. This stage looks for those, by local features
(:mod:`provenance.likeness.regions`), in the delivered images that nothing
else settled: not in the ledger as generated, carrying no generator markers,
and not a near copy of a generated asset. Each is described with its mirror
(for flops) and queried against the index of every generated picture's
features, loaded from the ledger a page at a time; the queries run on two
threads in this process.

**Described once, with the fingerprint.** A picture the ledger has never seen
is decoded by the near-match stage for its fingerprint anyway: that stage
describes it in the same decode (:func:`~provenance.likeness.describe.look_files`,
each result exactly what the separate paths give), for the pictures
:meth:`RegionCheck.wanted` names, and holds the descriptions for this stage,
at most :data:`HELD` of them (256 MiB); the rest are described here on the
process pool. A picture the near-match stage then finds a copy of was
described for nothing, which is rare. Both stages keep both cores busy: the
near-match stage's two workers decode and describe, this stage's two threads
query, so overlapping them would gain nothing on two cores.

The index is empty, and the stage costs nothing, until generated pictures
have been described (the deferred stage after ``scan`` and in ``watch``).
That stage also checks every picture the ledger holds that is not generated
(``ledger.regions``); a check is reused while it is current (no generated
picture was described since), so a package of known pictures is not
described again. A picture that cannot be described is left to the
near-match stage, which already says it could not be compared.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from provenance.audit.near import could_be_copy, is_video
from provenance.audit.package import Item
from provenance.likeness.versions import REGION_RULE
from provenance.util.stages import no_tick

if TYPE_CHECKING:
    from provenance.likeness.describe import Described
    from provenance.likeness.features import Features
    from provenance.likeness.region_verify import RegionHit
    from provenance.likeness.regions import RegionIndex
    from provenance.likeness.vouch import IndexVouch
    from provenance.store import Ledger, RegionCheckIn

# The likeness modules (OpenCV, faiss, numpy) are imported where a picture is described or
# the index loads: a package of known pictures, whose checks are stored, never loads them.

# Descriptions the near-match stage may hold for this one, by count: a picture and its
# mirror at most MAX_POINTS (1,000) features each, 40 bytes a feature (32 of descriptor, 8 of
# position), so 256 MiB at most (3,355 pictures); a larger package's others are described here.
HELD = 256 * 1024 * 1024 // (2 * 1000 * 40)


class LoadedRegions:
    """The region index of one audit, loaded from the ledger on first need, once.

    Calling it gives the index, or None while no generated picture has
    features. ``through`` is read before the index loads: every features row
    up to it is then in the index.
    """

    def __init__(self, ledger: Ledger, vouch: IndexVouch | None = None) -> None:
        self.ledger = ledger
        self.vouch = vouch  # what checks the index against the chain (the audit's)
        self._through: int | None = None
        self._index: RegionIndex | None = None

    @property
    def through(self) -> int:
        """The last generated picture's features row id (0: none described yet)."""
        if self._through is None:
            self._through = self.ledger.regions.through()
        return self._through

    def __call__(self) -> RegionIndex | None:
        if self._index is None and self.through:
            from provenance.likeness.regions import RegionIndex  # noqa: PLC0415
            from provenance.likeness.stage_checks import load_regions  # noqa: PLC0415

            self._index = load_regions(self.ledger, RegionIndex(), self.vouch)
        return self._index if self._index is not None and len(self._index) else None


@dataclass
class RegionCheck:
    """The region check of one audit, against the index of generated pictures' features."""

    ledger: Ledger
    regions: LoadedRegions
    tick: Callable[[], None] = no_tick  # told of each picture looked into, for a progress bar
    _stored: dict[str, RegionHit | None] = field(default_factory=dict, init=False, repr=False)
    _read: set[str] = field(default_factory=set, init=False, repr=False)

    def wanted(self, items: Sequence[Item]) -> frozenset[str]:
        """The items this check will describe, as far as the near-match stage has yet to say.

        The near-match stage describes them as it fingerprints them, one
        decode for both (at most :data:`HELD` of them: what it holds for this
        stage is bounded); a picture it then finds a copy of is settled, and
        its description is dropped unused.
        """
        todo = self._todo(items)
        return frozenset(i.rel for i in todo[:HELD])

    def matched(self, items: list[Item], held: dict[str, Described] | None = None) -> list[Item]:
        """The items, each with the generated picture found inside it, if any.

        ``held`` are descriptions already made (by the near-match stage, see
        :meth:`wanted`), each taken out as it is used; the other pictures are
        described here. The index (up
        to a gigabyte) is loaded only when some picture has no current stored
        check; a package of checked pictures reads the checks alone.
        """
        hits: dict[str, RegionHit | None] = {}
        todo = self._todo(items, hits)
        if todo and (index := self.regions()) is not None:
            answers = _query(index, todo, held if held is not None else {}, self.tick)
            hits |= dict(zip((i.rel for i in todo), answers, strict=True))
        return [i if (hit := hits.get(i.rel)) is None else _with_region(i, hit) for i in items]

    def _todo(
        self, items: Sequence[Item], known: dict[str, RegionHit | None] | None = None
    ) -> list[Item]:
        """The pictures to look into: unsettled, and with no current stored check.

        The stored checks still current are added to ``known``.
        """
        candidates = [i for i in items if _unsettled(i)]
        through = self.regions.through if candidates else 0
        if not through:  # nothing to look at, or no generated picture described yet
            return []
        stored = self._current([i.seen.sha256 or "" for i in candidates], through)
        checked = {i.rel: stored[sha] for i in candidates if (sha := i.seen.sha256 or "") in stored}
        if known is not None:
            known |= checked
        return [i for i in candidates if i.rel not in checked]

    def _current(self, shas: list[str], through: int) -> dict[str, RegionHit | None]:
        """The stored checks still current: made against every generated picture described,
        by this version of the region rule or a later one (an older one's is made again).

        Current means made against exactly the pictures described now (``through``
        equal to the last features row's id): a check claiming to have seen rows that
        do not exist was not made by the ledger's writers, and a row an insider set to
        "no match" with a ``through`` past every id would otherwise be reused for ever.

        Each picture's is read once an audit: :meth:`wanted` asks before the
        near-match stage, :meth:`matched` after it, for the same pictures or fewer.
        """
        unread = [sha for sha in shas if sha not in self._read]
        if unread:
            checks = self.ledger.regions.many(unread)
            self._stored |= {sha: _stored_hit(c) for sha, c in checks.items()
                             if c.through == through and c.rule >= REGION_RULE
                             and c.status in ("ok", "empty")}  # fmt: skip
            self._read.update(unread)
        return {sha: self._stored[sha] for sha in shas if sha in self._stored}


def _query(
    index: RegionIndex, candidates: Sequence[Item], held: dict[str, Described],
    tick: Callable[[], None],
) -> list[RegionHit | None]:  # fmt: skip
    # Which pictures are described here is settled now, before features() takes the held ones
    # out of ``held`` (a lazy filter would then describe those again, and every answer after
    # would be another picture's). The pool starts only if some picture is left to describe.
    from provenance.likeness.regions import query_many  # noqa: PLC0415

    unheld = [str(i.path) for i in candidates if i.rel not in held]
    fresh = describe_files(unheld, mirror=True)

    def features() -> Iterator[Features | None]:
        for item in candidates:
            described = held.pop(item.rel, None)  # dropped once asked: memory goes as it came
            yield (described if described is not None else next(fresh)).features()

    hits = []
    with closing(fresh):
        for hit in query_many(index, features()):
            tick()
            hits.append(hit)
    return hits


def describe_files(paths: Iterable[str], *, mirror: bool) -> Generator[Described, None, None]:
    """:func:`provenance.likeness.describe.describe_files`, loaded when first asked."""
    from provenance.likeness.describe import describe_files as describe  # noqa: PLC0415

    return describe(paths, mirror=mirror)


def _unsettled(item: Item) -> bool:
    # Videos are sampled along their length in a later stage of this work;
    # a file already tied to a generated asset by its fingerprint is settled.
    return could_be_copy(item) and not is_video(item) and item.seen.near is None


def _stored_hit(check: RegionCheckIn) -> RegionHit | None:
    if check.hit is None:
        return None
    from provenance.likeness.region_verify import RegionHit  # noqa: PLC0415

    # Stored corners are shares of the frame: a frame of size 1 x 1 gives them back as they are.
    return RegionHit(check.hit, check.inliers or 0, check.score or 0.0, check.outline or (),
                     check.cover or 0.0, bool(check.mirrored), (1, 1))  # fmt: skip


def _with_region(item: Item, hit: RegionHit) -> Item:
    return replace(item, seen=replace(item.seen, region=hit))
