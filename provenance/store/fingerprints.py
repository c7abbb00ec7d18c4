"""The ledger's fingerprints part: what each picture looks like, for near-match search.

:class:`FingerprintsPart` is ``ledger.fingerprints``. Fingerprints of image
and video assets are derived data, not history: they are written after the
asset's row (ingest records first, fingerprints follow) and are not events.
An image has one row, a video one per sampled moment (``frame``); an asset's
rows are always replaced together. Each row's growing ``id`` lets the
audit's in-memory index load only what was added since it last looked
(:meth:`FingerprintsPart.page`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from provenance.store.frames import FrameRows
from provenance.store.likeness_models import FingerprintRow
from provenance.store.likeness_records import (
    AssetFingerprints,
    FingerprintIn,
    StoredFailure,
    StoredFingerprint,
    Unfinished,
)
from provenance.store.transactions import Transactions

LOAD_BATCH = 50_000
_LOADED = (FingerprintRow.id, FingerprintRow.asset_sha256, FingerprintRow.grad,
           FingerprintRow.dct, FingerprintRow.frame)  # fmt: skip
_SUMMED = (FingerprintRow.status, FingerprintRow.reason, FingerprintRow.grad, FingerprintRow.dct)


class FingerprintsPart:
    """Stored fingerprints of image and video assets."""

    def __init__(self, tx: Transactions) -> None:
        self._rows = FrameRows(tx, FingerprintRow)

    def save(self, items: Sequence[FingerprintIn]) -> None:
        """Store fingerprints, replacing every earlier row of the assets they belong to."""
        self._rows.replace([
            {"asset_sha256": i.sha256, "frame": i.frame, "status": i.status, "grad": i.grad,
             "dct": i.dct, "reason": i.reason}
            for i in items
        ])  # fmt: skip

    def missing(
        self,
        shas: Iterable[str] | None = None,
        kinds: Sequence[str] = ("image",),
        limit: int = 2_000,
        after: str | None = None,
    ) -> list[tuple[str, str]]:
        """(sha256, path) of ``kinds`` assets present on this host with no fingerprint row yet.

        One page in sha256 order, after ``after`` (see :meth:`.FrameRows.missing`).
        """
        return self._rows.missing(shas, kinds, limit, after, genai_only=False)

    def genai_page(self, after: int = 0, batch: int = LOAD_BATCH) -> list[StoredFingerprint]:
        """Fingerprints of generated assets with row id above ``after``, in id order."""
        return _stored(self._rows.page(_LOADED, after, batch, genai_only=True))

    def page(self, after: int = 0, batch: int = LOAD_BATCH) -> list[StoredFingerprint]:
        """Fingerprints of every asset, whatever its verdict, with row id above ``after``."""
        return _stored(self._rows.page(_LOADED, after, batch, genai_only=False))

    def listed_since(self, seq: int) -> set[str]:
        """The assets whose fingerprints rows were written after event ``seq`` (by their seals)."""
        return self._rows.listed_since(seq)

    def many(self, shas: Iterable[str]) -> dict[str, AssetFingerprints]:
        """Stored fingerprints of the assets among ``shas`` that have any row, by sha256."""
        found = self._rows.by_asset(_SUMMED, shas)
        return {sha: _asset_fingerprints([r[1:] for r in rows]) for sha, rows in found.items()}

    def failed(
        self, shas: Sequence[str] | None = None, kinds: Sequence[str] = ("image",)
    ) -> list[StoredFailure]:
        """The ``kinds`` assets present on this host whose stored fingerprint row says ``error``.

        Every one, or those among ``shas``, in sha256 order, with a present
        path, the row's reason and when it was written: what the watch
        daemon needs to try them again (:mod:`provenance.likeness.retry`).
        """
        return self._rows.failed(shas, kinds)

    def unfinished(
        self, kinds: Sequence[str] = ("image", "video"), shas: Iterable[str] | None = None
    ) -> list[Unfinished]:
        """Generated ``kinds`` assets, on any host, with no fingerprint row or an ``error`` one:
        those the audit's near-match index lacks (only those among ``shas`` when given)."""
        return self._rows.unfinished(kinds, shas)

    def status_of(self, sha256: str) -> str | None:
        """The status of an asset's fingerprints (its first row's), or None when it has none."""
        return self._rows.status_of(sha256)


def _stored(rows: Iterable[Sequence[Any]]) -> list[StoredFingerprint]:
    # status "ok" rows always carry both hashes
    return [StoredFingerprint(r[0], r[1], r[2] or 0, r[3] or 0, r[4]) for r in rows]


def _asset_fingerprints(rows: Sequence[Sequence[Any]]) -> AssetFingerprints:
    hashes = tuple(
        (grad, dct)
        for status, _, grad, dct in rows
        if status == "ok" and grad is not None and dct is not None
    )
    status, reason, _, _ = rows[0]
    return AssetFingerprints("ok" if hashes else status, None if hashes else reason, hashes)
