"""The ledger's features part: the local features of generated pictures, to find them inside others.

:class:`FeaturesPart` is ``ledger.features``. The audit looks for generated
pictures inside delivered ones (cropped, flopped, composited) by their local
features: keypoints and binary descriptors, stored per picture as the
opaque, versioned blob of ``Features.to_bytes()`` (see
:mod:`provenance.likeness.features`), which the store never looks into.

Like fingerprints (:mod:`.frames`), features are derived data, kept only for
generated image and video assets: a still has one row, a video one per
sampled moment (``frame``), and an asset's rows are always replaced
together. A picture without features has a row whose status says why
(``empty``, ``undecodable``..., :data:`~provenance.vocab.FeatureStatus`) and
a reason. The audit's index loads the ``ok`` rows a page at a time by their
growing ``id`` (:meth:`FeaturesPart.genai_page`), and later only the rows
added since.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from provenance.store.frames import FrameRows
from provenance.store.likeness_models import FeatureRow
from provenance.store.likeness_records import (
    AssetFeatures,
    FeatureIn,
    StoredFailure,
    StoredFeatures,
    Unfinished,
)
from provenance.store.transactions import Transactions
from provenance.vocab import FeatureStatus

# Rows of 10-40 KB each: a page is tens of megabytes, where a page of
# fingerprints (16 bytes a row) may be fifty thousand rows.
LOAD_BATCH = 1_000
_PICTURE = (FeatureRow.id, FeatureRow.asset_sha256, FeatureRow.frame, FeatureRow.count,
            FeatureRow.width, FeatureRow.height, FeatureRow.data)  # fmt: skip
_SUMMED = (FeatureRow.status, FeatureRow.reason, *_PICTURE)


class FeaturesPart:
    """Stored local features of the pictures of generated image and video assets."""

    def __init__(self, tx: Transactions) -> None:
        self._rows = FrameRows(tx, FeatureRow)

    def save(self, items: Sequence[FeatureIn]) -> None:
        """Store features, replacing every earlier row of the assets they belong to."""
        self._rows.replace([
            {"asset_sha256": i.sha256, "frame": i.frame, "status": i.status, "count": i.count,
             "width": i.width, "height": i.height, "data": i.data, "reason": i.reason}
            for i in items
        ])  # fmt: skip

    def missing(
        self,
        shas: Iterable[str] | None = None,
        kinds: Sequence[str] = ("image", "video"),
        limit: int = 2_000,
        after: str | None = None,
    ) -> list[tuple[str, str]]:
        """(sha256, path) of generated ``kinds`` assets present on this host with no features row.

        One page in sha256 order, after ``after`` (see :meth:`.FrameRows.missing`).
        """
        return self._rows.missing(shas, kinds, limit, after, genai_only=True)

    def genai_page(self, after: int = 0, batch: int = LOAD_BATCH) -> list[StoredFeatures]:
        """Features of generated assets' pictures with row id above ``after``, in id order."""
        return [_picture(row) for row in self._rows.page(_PICTURE, after, batch, genai_only=True)]

    def of(self, sha256: str) -> AssetFeatures | None:
        """One asset's stored features, or None when it has no row."""
        return self.many([sha256]).get(sha256)

    def listed_since(self, seq: int) -> set[str]:
        """The assets whose features rows were written after event ``seq`` (by their seals)."""
        return self._rows.listed_since(seq)

    def many(self, shas: Iterable[str]) -> dict[str, AssetFeatures]:
        """Stored features of the assets among ``shas`` that have any row, by sha256."""
        found = self._rows.by_asset(_SUMMED, shas)
        return {sha: _asset_features(rows) for sha, rows in found.items()}

    def unfinished(
        self, kinds: Sequence[str] = ("image", "video"), shas: Iterable[str] | None = None
    ) -> list[Unfinished]:
        """Generated ``kinds`` assets, on any host, with no features row or an ``error`` one:
        those the audit's region index lacks (only those among ``shas`` when given)."""
        return self._rows.unfinished(kinds, shas)

    def failed(
        self, shas: Sequence[str] | None = None, kinds: Sequence[str] = ("image", "video")
    ) -> list[StoredFailure]:
        """The generated ``kinds`` assets present on this host whose stored description says
        ``error`` (every one, or those among ``shas``), in sha256 order: what the watch daemon
        describes again (:mod:`provenance.likeness.retry`)."""
        return self._rows.failed(shas, kinds)

    def status_of(self, sha256: str) -> FeatureStatus | None:
        """The status of an asset's features (its first row's), or None when it has none."""
        return cast(FeatureStatus | None, self._rows.status_of(sha256))

    def totals(self) -> dict[str, int]:
        """How many assets have features rows of each status (for status reports)."""
        return self._rows.totals()


def _picture(row: Sequence[Any]) -> StoredFeatures:
    # "ok" rows always carry their blob and size (the table's check constraint)
    row_id, sha, frame, count, width, height, data = row
    return StoredFeatures(row_id, sha, frame, count, width, height, bytes(data))


def _asset_features(rows: Sequence[Sequence[Any]]) -> AssetFeatures:
    # by_asset puts the sha256 first; the summed columns follow: status, reason, picture
    pictures = tuple(_picture(r[3:]) for r in rows if r[1] == "ok")
    if pictures:
        return AssetFeatures("ok", None, pictures)
    return AssetFeatures(rows[0][1], rows[0][2])
