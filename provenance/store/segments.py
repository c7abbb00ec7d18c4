"""The ledger's segments part: where each video shows generated assets, and against what.

:class:`SegmentsPart` is ``ledger.segments``. Sweeping a video along its
length costs about as much as decoding it, so the deferred stage (after
``scan``, and in ``watch``) sweeps each video the ledger holds that is not
generated once, and an audit sweeps the ones it has no current answer for;
both keep the answer here. A sweep is *current* while no generated asset was
fingerprinted or described after it (:meth:`SegmentsPart.through`), so an
audit of a package of known masters reads their answers and decodes
nothing. A sweep made by an older version of the region rule (``rule``, as
in :mod:`.regions`) is as good as none: swept again, and not named by
:meth:`SegmentsPart.holding`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from provenance.store.frames import FrameRows
from provenance.store.likeness_models import FeatureRow, FingerprintRow, SegmentRow
from provenance.store.likeness_records import SegmentIn, StoredFailure
from provenance.store.models import Asset
from provenance.store.regions import outline_of, outline_text
from provenance.store.transactions import Transactions

_SEGMENT = (SegmentRow.features_through, SegmentRow.prints_through, SegmentRow.status,
            SegmentRow.hit_sha256, SegmentRow.start, SegmentRow.end, SegmentRow.tc_in,
            SegmentRow.tc_out, SegmentRow.kind, SegmentRow.score, SegmentRow.at,
            SegmentRow.outline, SegmentRow.reason, SegmentRow.rule)  # fmt: skip


class SegmentsPart:
    """Stored sweeps of the videos that are not generated."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx
        self._rows = FrameRows(tx, SegmentRow)

    def save(self, items: Sequence[SegmentIn]) -> None:
        """Store sweeps (each video's records together), replacing each video's earlier one."""
        frames: dict[str, int] = {}
        rows = []
        for i in items:
            frame = frames[i.sha256] = frames.get(i.sha256, -1) + 1
            rows.append({
                "asset_sha256": i.sha256, "frame": frame, "status": i.status,
                "features_through": i.features_through, "prints_through": i.prints_through,
                "hit_sha256": i.hit, "start": i.start, "end": i.end, "tc_in": i.tc_in,
                "tc_out": i.tc_out, "kind": i.kind, "score": i.score, "at": i.at,
                "outline": outline_text(i.outline), "reason": i.reason, "rule": i.rule,
            })  # fmt: skip
        self._rows.replace(rows)

    def missing(
        self,
        shas: Iterable[str] | None = None,
        limit: int = 2_000,
        after: str | None = None,
        *,
        rule: int,
    ) -> list[tuple[str, str]]:
        """(sha256, path) of videos, neither generated nor unreadable, present on this host and
        never swept by version ``rule`` of the region rule or a later one; one page in sha256
        order, after ``after``."""
        return self._rows.missing(shas, ("video",), limit, after, genai_only=False,
                                  unsettled=True, current=SegmentRow.rule >= rule)  # fmt: skip

    def failed(self, shas: Sequence[str] | None = None, *, rule: int) -> list[StoredFailure]:
        """The videos, neither generated nor unreadable, present on this host whose stored sweep
        says ``error`` (every one, or those among ``shas``), made by version ``rule`` of the region
        rule or a later one: what the watch daemon tries again (``provenance.likeness.retry``)."""
        return self._rows.failed(shas, ("video",), unsettled=True, current=SegmentRow.rule >= rule)

    def many(self, shas: Iterable[str]) -> dict[str, list[SegmentIn]]:
        """The stored sweeps of the videos among ``shas`` that have one, by sha256."""
        found = self._rows.by_asset(_SEGMENT, shas)
        return {sha: [_segment(sha, row[1:]) for row in rows] for sha, rows in found.items()}

    def holding(self, sha256: str, *, rule: int) -> list[SegmentIn]:
        """The segments that show generated asset ``sha256``, by video then time; those of
        sweeps by version ``rule`` of the region rule or later."""
        with self._tx.read() as session:
            rows = session.execute(
                select(SegmentRow.asset_sha256, *_SEGMENT)
                .where(SegmentRow.hit_sha256 == sha256, SegmentRow.rule >= rule)
                .order_by(SegmentRow.asset_sha256, SegmentRow.frame)
            ).all()
        return [_segment(row[0], row[1:]) for row in rows]

    def through(self) -> tuple[int, int]:
        """The last row ids of generated assets' features and fingerprints: what is current."""
        with self._tx.read() as session:
            features = session.execute(
                select(func.max(FeatureRow.id)).where(FeatureRow.status == "ok")
            ).scalar()
            prints = session.execute(
                select(func.max(FingerprintRow.id))
                .join(Asset, Asset.sha256 == FingerprintRow.asset_sha256)
                .where(FingerprintRow.status == "ok", Asset.verdict == "genai")
            ).scalar()
        return int(features or 0), int(prints or 0)


def _segment(sha: str, row: Sequence[Any]) -> SegmentIn:
    (features, prints, status, hit, start, end, tc_in, tc_out, kind, score, at, outline,
     reason, rule) = row  # fmt: skip
    return SegmentIn(sha, features, prints, status, hit, start, end, tc_in, tc_out, kind, score,
                     at, outline_of(outline), reason, rule)  # fmt: skip
