"""Which generated asset a picture looks like, by its perceptual fingerprints.

Shared by the audit (every image and video of a package) and by ``history``
(an asset the ledger holds as not generated, or of unknown origin): the
index of every generated asset's fingerprints, loaded from the ledger in
batches, and the rule that names the nearest generated asset, one query for
a still, :func:`~provenance.nearmatch.match_clip` over a video's sampled
moments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.fingerprint import Fingerprint
    from provenance.nearmatch import NearMatchIndex
    from provenance.store import Ledger

# The nearest generated asset and its distance, and for a video (matching, sampled) moments.
NearHit = tuple[tuple[str, int], tuple[int, int] | None]


def load_index(ledger: Ledger) -> NearMatchIndex:
    """Every generated asset's fingerprint, loaded in batches."""
    from provenance.nearmatch import NearMatchIndex

    index = NearMatchIndex()
    after = 0
    while batch := ledger.genai_fingerprints(after):
        index.add([b.sha256 for b in batch], [b.grad for b in batch], [b.dct for b in batch])
        after = batch[-1].row_id
    return index


def nearest(index: NearMatchIndex, prints: Sequence[Fingerprint], own_sha: str) -> NearHit | None:
    """The generated asset other than ``own_sha`` that ``prints`` look like, if any.

    One fingerprint is a still; several are a video's sampled moments.
    """
    if len(prints) > 1:
        from provenance.nearmatch import match_clip

        clip = match_clip(index, prints, own_sha)
        if clip is None:
            return None
        return (str(clip.asset), clip.distance), (clip.matched, clip.sampled)
    for asset, distance in index.query(prints[0]):
        if asset != own_sha:
            return (str(asset), distance), None
    return None
