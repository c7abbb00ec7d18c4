"""The ledger's region-check part: which generated picture was found inside each other picture.

:class:`RegionChecksPart` is ``ledger.regions``. Describing a picture by its
local features and querying the region index costs tens of milliseconds, so
the deferred stage (after ``scan``, and in ``watch``) checks each new picture
that is not generated once and keeps the answer here, with the last
``features`` row id the index held (``through``). An audit then reuses every
check that is still current, and describes only the pictures that are new
to the ledger or were checked before a generated picture was added.

Each check also says which version of the region rule made it (``rule``,
``provenance.likeness.versions.REGION_RULE``, passed in by the callers: the
store knows no rule). A check made by an older version is as good as none:
:meth:`RegionChecksPart.missing` hands it out again and
:meth:`RegionChecksPart.holding` does not name it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from provenance.store.frames import FrameRows
from provenance.store.likeness_models import FeatureRow, RegionCheckRow
from provenance.store.likeness_records import RegionCheckIn, StoredFailure
from provenance.store.transactions import Transactions

_CHECK = (RegionCheckRow.through, RegionCheckRow.status, RegionCheckRow.hit_sha256,
          RegionCheckRow.inliers, RegionCheckRow.score, RegionCheckRow.cover,
          RegionCheckRow.mirrored, RegionCheckRow.reason, RegionCheckRow.outline,
          RegionCheckRow.rule)  # fmt: skip


class RegionChecksPart:
    """Stored region checks of the pictures that are not generated."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx
        self._rows = FrameRows(tx, RegionCheckRow)

    def save(self, items: Sequence[RegionCheckIn]) -> None:
        """Store checks, replacing each asset's earlier one."""
        self._rows.replace([
            {"asset_sha256": i.sha256, "frame": 0, "status": i.status, "through": i.through,
             "hit_sha256": i.hit, "inliers": i.inliers, "score": i.score, "cover": i.cover,
             "mirrored": i.mirrored, "reason": i.reason, "outline": outline_text(i.outline),
             "rule": i.rule}
            for i in items
        ])  # fmt: skip

    def missing(
        self,
        shas: Iterable[str] | None = None,
        limit: int = 2_000,
        after: str | None = None,
        *,
        rule: int,
    ) -> list[tuple[str, str]]:
        """(sha256, path) of image assets, neither generated nor unreadable, present on this host
        and never checked by version ``rule`` of the region rule or a later one; one page in
        sha256 order, after ``after``."""
        return self._rows.missing(shas, ("image",), limit, after, genai_only=False,
                                  unsettled=True, current=RegionCheckRow.rule >= rule)  # fmt: skip

    def failed(self, shas: Sequence[str] | None = None, *, rule: int) -> list[StoredFailure]:
        """The images, neither generated nor unreadable, present on this host whose stored check
        says ``error`` (every one, or those among ``shas``), made by version ``rule`` of the region
        rule or a later one: what the watch daemon tries again (``provenance.likeness.retry``)."""
        return self._rows.failed(
            shas, ("image",), unsettled=True, current=RegionCheckRow.rule >= rule
        )

    def many(self, shas: Iterable[str]) -> dict[str, RegionCheckIn]:
        """The stored checks of the assets among ``shas`` that have one, by sha256."""
        found = self._rows.by_asset(_CHECK, shas)
        return {sha: _check(sha, rows[0][1:]) for sha, rows in found.items()}

    def holding(self, sha256: str, *, rule: int) -> list[RegionCheckIn]:
        """The checks that found generated asset ``sha256`` inside another picture, best first;
        those of version ``rule`` of the region rule or later."""
        with self._tx.read() as session:
            rows = session.execute(
                select(RegionCheckRow.asset_sha256, *_CHECK)
                .where(RegionCheckRow.hit_sha256 == sha256, RegionCheckRow.rule >= rule)
                .order_by(RegionCheckRow.cover.desc(), RegionCheckRow.asset_sha256)
            ).all()
        return [_check(row[0], row[1:]) for row in rows]

    def through(self) -> int:
        """The last ``features`` row id of a generated picture: what a current check has seen."""
        with self._tx.read() as session:
            last = session.execute(
                select(func.max(FeatureRow.id)).where(FeatureRow.status == "ok")
            ).scalar()
        return int(last or 0)


def _check(sha: str, row: Sequence[Any]) -> RegionCheckIn:
    through, status, hit, inliers, score, cover, mirrored, reason, outline, rule = row
    return RegionCheckIn(sha, through, status, hit, inliers, score, cover, mirrored, reason,
                         outline_of(outline), rule)  # fmt: skip


def outline_text(outline: Sequence[tuple[float, float]] | None) -> str | None:
    """Corners as stored: JSON pairs, or None."""
    return None if outline is None else json.dumps([list(corner) for corner in outline])


def outline_of(text: str | None) -> tuple[tuple[float, float], ...] | None:
    """Stored corners back as pairs; None for none, or for text that is not four pairs."""
    if not text:
        return None
    try:
        corners = tuple((float(x), float(y)) for x, y in json.loads(text))
    except (ValueError, TypeError):
        return None
    return corners if len(corners) == 4 else None
