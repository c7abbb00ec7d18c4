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
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from provenance.store.models import Asset, FingerprintRow, Location
from provenance.store.records import AssetFingerprints, FingerprintIn, StoredFingerprint
from provenance.store.transactions import Transactions
from provenance.store.writer import in_chunks

LOAD_BATCH = 50_000


class FingerprintsPart:
    """Stored fingerprints of image and video assets."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def save(self, items: Sequence[FingerprintIn]) -> None:
        """Store fingerprints, replacing every earlier row of the assets they belong to."""
        if not items:
            return
        now = datetime.now(UTC)
        rows = [
            {"asset_sha256": i.sha256, "frame": i.frame, "status": i.status, "grad": i.grad,
             "dct": i.dct, "reason": i.reason, "computed_at": now}
            for i in items
        ]  # fmt: skip
        with self._tx.write_plain() as conn:
            for chunk in in_chunks(sorted({i.sha256 for i in items})):
                conn.execute(delete(FingerprintRow).where(FingerprintRow.asset_sha256.in_(chunk)))
            conn.execute(insert(FingerprintRow), rows)

    def missing(
        self,
        shas: Iterable[str] | None = None,
        kinds: Sequence[str] = ("image",),
        limit: int = 2_000,
        after: str | None = None,
    ) -> list[tuple[str, str]]:
        """(sha256, path) of ``kinds`` assets present on this host with no fingerprint row yet.

        One page: at most ``limit`` assets, in sha256 order, each with one
        of its present paths, and only those whose sha256 sorts after
        ``after``. Pass the last sha256 of a page as ``after`` for the next
        one, so that assets which keep failing never hide the rest.
        """
        wanted = None if shas is None else sorted({s for s in shas if after is None or s > after})
        found: list[tuple[str, str]] = []
        with self._tx.read() as session:
            for kind in kinds:  # one ordered index range each (kind, sha256): no sort
                found += self._missing_of_kind(session, kind, wanted, limit, after)
        return sorted(found)[:limit]

    def _missing_of_kind(
        self, session: Session, kind: str, wanted: list[str] | None, limit: int, after: str | None
    ) -> list[tuple[str, str]]:
        # Driven from assets in sha256 order, each checked through the
        # fingerprint and location indexes, so a page costs the assets it
        # passes over, never a scan of every location of the host.
        here = (
            select(Location.path)
            .where(Location.asset_sha256 == Asset.sha256, Location.host == self._tx.host)
            .where(Location.present)
        )
        printed = select(FingerprintRow.id).where(FingerprintRow.asset_sha256 == Asset.sha256)
        present = here
        if after is not None:
            # Implied by the correlation, but PostgreSQL turns EXISTS into a
            # join that would otherwise read the host's locations from the start.
            present = here.where(Location.asset_sha256 > after)
        query = (
            select(Asset.sha256, here.order_by(Location.path).limit(1).scalar_subquery())
            .where(Asset.kind == kind, ~printed.exists(), present.exists())
            .order_by(Asset.sha256)
        )
        if after is not None:
            query = query.where(Asset.sha256 > after)
        found: list[tuple[str, str]] = []
        for chunk in in_chunks(wanted) if wanted is not None else [None]:
            stmt = query if chunk is None else query.where(Asset.sha256.in_(chunk))
            rows = session.execute(stmt.limit(limit - len(found)))
            found.extend((str(sha), str(path)) for sha, path in rows)
            if len(found) >= limit:
                break
        return found

    def genai_page(self, after: int = 0, batch: int = LOAD_BATCH) -> list[StoredFingerprint]:
        """Fingerprints of generated assets with row id above ``after``, in id order."""
        return self._fingerprint_page(after, batch, genai_only=True)

    def page(self, after: int = 0, batch: int = LOAD_BATCH) -> list[StoredFingerprint]:
        """Fingerprints of every asset, whatever its verdict, with row id above ``after``."""
        return self._fingerprint_page(after, batch, genai_only=False)

    def _fingerprint_page(
        self, after: int, batch: int, *, genai_only: bool
    ) -> list[StoredFingerprint]:
        columns = (FingerprintRow.id, FingerprintRow.asset_sha256, FingerprintRow.grad,
                   FingerprintRow.dct, FingerprintRow.frame)  # fmt: skip
        stmt = select(*columns).where(FingerprintRow.id > after, FingerprintRow.status == "ok")
        if genai_only:
            stmt = stmt.join(Asset, Asset.sha256 == FingerprintRow.asset_sha256).where(
                Asset.verdict == "genai"
            )
        with self._tx.read() as session:  # Core rows: no ORM bookkeeping for 50,000 of them
            page = stmt.order_by(FingerprintRow.id).limit(batch)
            rows = session.connection().execute(page).all()
        # status "ok" rows always carry both hashes
        return [StoredFingerprint(r[0], r[1], r[2] or 0, r[3] or 0, r[4]) for r in rows]

    def many(self, shas: Iterable[str]) -> dict[str, AssetFingerprints]:
        """Stored fingerprints of the assets among ``shas`` that have any row, by sha256."""
        rows: dict[str, list[tuple[str, str | None, int | None, int | None]]] = {}
        with self._tx.read() as session:
            for chunk in in_chunks(sorted(set(shas))):
                query = (
                    select(
                        FingerprintRow.asset_sha256,
                        FingerprintRow.status,
                        FingerprintRow.reason,
                        FingerprintRow.grad,
                        FingerprintRow.dct,
                    )
                    .where(FingerprintRow.asset_sha256.in_(chunk))
                    .order_by(FingerprintRow.asset_sha256, FingerprintRow.frame)
                )
                for sha, status, reason, grad, dct in session.execute(query):
                    rows.setdefault(str(sha), []).append((str(status), reason, grad, dct))
        return {sha: _asset_fingerprints(found) for sha, found in rows.items()}

    def status_of(self, sha256: str) -> str | None:
        """The status of an asset's fingerprints (its first row's), or None when it has none."""
        with self._tx.read() as session:
            return session.scalar(
                select(FingerprintRow.status)
                .where(FingerprintRow.asset_sha256 == sha256)
                .order_by(FingerprintRow.frame)
                .limit(1)
            )


def _asset_fingerprints(
    rows: Sequence[tuple[str, str | None, int | None, int | None]],
) -> AssetFingerprints:
    hashes = tuple(
        (grad, dct)
        for status, _, grad, dct in rows
        if status == "ok" and grad is not None and dct is not None
    )
    status, reason, _, _ = rows[0]
    return AssetFingerprints("ok" if hashes else status, None if hashes else reason, hashes)
