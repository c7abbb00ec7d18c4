"""Near matches the fingerprint cannot vouch for alone, confirmed by the region rule.

The fingerprint (:mod:`provenance.likeness.fingerprint`) sees a picture at 9 x 8
and 32 x 32 grey cells. At 10,000 unrelated pictures against 10,000 generated
ones (``bench/bench_false_match.py``) that was too coarse four times: a fine
checker and fine stripes that both shrink to a flat grey field with a dark
disc in the same two corners (total distance 22), and three pairs of night
skylines drawn by one scene generator on other seeds (one template: sky,
towers, a pale sun, a lighthouse; 22 to 25). No threshold separates them
from copies: a 5 % crop of a picture is often as far.

**The criterion.** A near match farther than :data:`SURE_DISTANCE` bits
(gradient plus DCT hash, of 128) counts only once the region rule
(:mod:`provenance.likeness.regions`: local features paired one to one and a
RANSAC similarity, with its checks of scale, cover and the inliers' span)
finds the generated picture in the delivered one. Chosen from measurement
(``bench/bench_fingerprint.py --recall-only``, figure (e), and
``bench/bench_false_match.py``; figures in ``bench/RESULTS.md``, "Near
matches confirmed by the region rule"): the false matches and the nearest
unrelated pairs of the 10,000-picture run are all 19 bits or more apart, and
all four false matches are refused; copies made by re-encoding, format and
bit-depth conversions, regrades and downscales are nearly all within
:data:`SURE_DISTANCE`, so the region rule is asked about 275 of 4,651 copies
(nearly all crops of 2-5 %): it confirms 226, cannot judge 47 (kept), and
refuses 2, so recall goes from 99.3 % to 99.2 % (5 % crops: 96.7 to 96.2 %).
A distance was preferred to a measure of the picture's information (the
fingerprints' bit balance, the contrast outside a blob): the skyline pairs
are ordinary, busy pictures, and only the distance catches both kinds.

**One picture against one.** The confirmation pairs the delivered picture's
features (with its mirror) with those of the one generated asset named by
the near match, every frame of a clip (:func:`confirm`), through a
one-picture :class:`~provenance.likeness.regions.RegionIndex`: exact
nearest neighbours, no competition from the rest of the index. Two changes
fit the question asked. *Every neighbour pair* goes to RANSAC
(``every_pair``): a picture of stripes or checks, the kind that gave the
periodic false match, has features that each look like the next, and its
own crops were missed by one-to-one pairing (see the region module). And
the hit must show the *whole* picture: at least :data:`WHOLE_VISIBLE` of the
generated picture's outline inside the frame, since a near match says the
whole picture is there. One of the skyline pairs, given every pair, agreed
on 22 points of the shared lighthouse and towers under a transform that put
only 69 % of the generated picture in the frame; copies cropped by 2-10 %
show 90 % or more. (Requiring the inliers to span a fifth of the picture
instead refused 52 true copies of ``bench_fingerprint.py``'s set whose
features gather in one part of the picture.)

**Fail closed.** Only a refusal by the region rule drops a near match
(``refuted``): both pictures have at least :data:`JUDGED_POINTS` features
and none of the generated asset's pictures is found shown whole. Where that
cannot be asked, the near match stays, ``unconfirmed``, and blocks as any
near match does: the generated asset has no features yet (not described,
its description failed) or none at all (a flat or tiny picture), or either
picture has too few features for the region rule's "no" to mean anything
(smooth synthetic pictures with 1-50 corners, whose crops it misses). The
gate never turns a copy into a pass for want of a description.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from provenance.errors import DamagedRecord
from provenance.vocab import NearConfirmation

if TYPE_CHECKING:
    from provenance.likeness.features import Features
    from provenance.likeness.region_verify import RegionHit
    from provenance.store import Ledger

SURE_DISTANCE = 12
WHOLE_VISIBLE = 0.8  # the share of the generated picture a confirming hit shows in the frame
JUDGED_POINTS = 100  # features each side needs before the region rule's "no" counts
Outcome = NearConfirmation | Literal["refuted"]  # refuted: dropped, so never reported
# A generated asset's features, one per picture (a clip's frames), or why there are none.
Reference = tuple["Features", ...] | str
References = Callable[[str], Reference]


def needs_confirmation(distance: int) -> bool:
    """True for a near match at ``distance`` that the region rule must confirm."""
    return distance > SURE_DISTANCE


@dataclass(frozen=True)
class Confirmation:
    """What became of one near match: its outcome, and for an unconfirmed one, why."""

    outcome: Outcome
    why: str | None = None
    hit: RegionHit | None = None

    @property
    def stands(self) -> bool:
        """True unless the region rule refused the match."""
        return self.outcome != "refuted"

    @property
    def kept(self) -> NearConfirmation | None:
        """The outcome as reports give it, for a match that stands; None when refused."""
        return None if self.outcome == "refuted" else self.outcome


SURE = Confirmation("sure")


def confirm(query: Features | None, reference: Reference, sha256: str) -> Confirmation:
    """Whether the region rule finds generated picture ``sha256`` (``reference``) in ``query``.

    ``query`` is the delivered picture's features (None: it could not be
    described); ``reference`` the generated asset's, or why it has none.
    """
    if isinstance(reference, str):
        return Confirmation("unconfirmed", f"generated asset {sha256[:12]}: {reference}")
    if not reference:
        return Confirmation("unconfirmed", f"generated asset {sha256[:12]} has no local features")
    if query is None or not len(query):
        return Confirmation("unconfirmed", "this picture has no local features to compare")
    hit = one_against_one(query, reference, sha256)
    if hit is not None and shown_whole(hit):
        return Confirmation("confirmed", hit=hit)
    if len(query) < JUDGED_POINTS or min(len(r) for r in reference) < JUDGED_POINTS:
        why = f"too few local features to judge by (fewer than {JUDGED_POINTS})"
        return Confirmation("unconfirmed", why, hit)
    return Confirmation("refuted", hit=hit)


def shown_whole(hit: RegionHit) -> bool:
    """True when ``hit`` shows most of the generated picture, at about the frame's size."""
    quad = hit.corners
    turned = quad[1:] + quad[:1]
    twice = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(quad, turned, strict=True)))
    w, h = hit.size
    if not twice or not w or not h:
        return False
    return hit.cover * w * h / (twice / 2) >= WHOLE_VISIBLE  # the outline's share in the frame


def one_against_one(
    query: Features, reference: Sequence[Features], sha256: str
) -> RegionHit | None:
    """The region rule's answer for ``query`` against the pictures of one generated asset."""
    # Lazy: OpenCV and faiss load only when a near match needs confirming.
    from provenance.likeness.regions import RegionIndex  # noqa: PLC0415

    index = RegionIndex(every_pair=True)
    for picture in reference:
        if len(picture):
            index.add(sha256, picture)
    return index.query(query) if len(index) else None


def unconfirmed_note(why: str | None) -> str:
    """The reason an audit gives for a near match it keeps without the region rule's word."""
    return (
        f"the near match could not be confirmed by the region rule ({why}): kept, as a"
        " near match cannot be cleared without it"
    )


@dataclass
class StoredReferences:
    """Generated assets' features from the ledger, read once each, safe to ask from threads.

    A master's samples are checked on threads: the ledger is read under a
    lock, one asset at a time, and what was read is kept for the sweep.
    """

    ledger: Ledger
    _known: dict[str, Reference] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, sha256: str) -> Reference:
        with self._lock:
            if sha256 not in self._known:
                self._known |= read_references(self.ledger, [sha256])
            return self._known[sha256]


def read_references(ledger: Ledger, shas: Sequence[str]) -> dict[str, Reference]:
    """Each generated asset's stored features (``ok`` pictures), or why it has none."""
    stored = ledger.features.many(shas)
    found: dict[str, Reference] = {}
    for sha in shas:
        row = stored.get(sha)
        if row is None:
            found[sha] = "not described yet (the deferred stage has not run on it)"
        elif not row.pictures:
            found[sha] = f"no local features ({row.status}: {row.reason or 'no reason given'})"
        else:
            found[sha] = tuple(stored_features(sha, p.data) for p in row.pictures)
    return found


def stored_features(sha256: str, data: bytes) -> Features:
    """A generated picture's stored features; :class:`~provenance.errors.DamagedRecord` if the
    blob does not read back (leaving the picture out would let its copies pass unseen)."""
    # Lazy: the features' reader loads OpenCV and numpy.
    from provenance.likeness.features import BadFeatures, Features  # noqa: PLC0415

    try:
        return Features.from_bytes(data)
    except BadFeatures as exc:
        raise DamagedRecord(
            f"the stored local features of generated asset {sha256[:12]} cannot be read ({exc})",
            where=sha256,
            fix="the ledger's features table is damaged; restore the ledger from a backup",
        ) from exc
