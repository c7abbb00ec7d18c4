"""Tables with one row per picture of an asset: what fingerprints and features share.

Perceptual fingerprints (:mod:`.fingerprints`) and local features
(:mod:`.features`), region checks and sweeps are derived data, not history:
they are written after the asset's row (ingest records first, a deferred
stage follows) and are not events, but each write of them is sealed by one
(:mod:`.seals`), and they are read back only where their seal holds. Each
keeps one row per picture (:class:`~.models.PerFrameRow`: frame 0 for an
image, one per sampled moment of a video), and all are read the same ways,
which :class:`FrameRows` implements once over any of them: an
asset's rows replaced together, the assets still waiting for rows, pages in
``id`` order for an audit's in-memory index, and rows grouped by asset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    delete,
    distinct,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from provenance.store.chunks import among, in_chunks
from provenance.store.likeness_models import PerFrameRow, SealRow
from provenance.store.likeness_records import StoredFailure, Unfinished
from provenance.store.models import Asset, Location
from provenance.store.seals import DIGESTS, SealReader, digests_by_asset, listed_assets, seal
from provenance.store.transactions import Transactions

Ts = TypeVarTuple("Ts")

log = logging.getLogger(__name__)
_NOT_REUSED = (
    "the stored %s rows of asset %s are not what their seal says (changed outside provenance?):"
    " not reused"
)

Column = InstrumentedAttribute[Any]


class FrameRows:
    """The rows of one per-picture table (``table``) of the ledger."""

    def __init__(self, tx: Transactions, table: type[PerFrameRow]) -> None:
        self._tx = tx
        self._table = table

    def replace(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Insert ``rows`` (values by column), deleting every earlier row of their assets first.

        The write is sealed (:mod:`.seals`): one ``sealed`` event in the same
        transaction lists every new row's digest, and each row names it.
        """
        if not rows:
            return
        now = datetime.now(UTC)
        table = self._table
        name = table.__tablename__
        digests = digests_by_asset(name, rows)
        with self._tx.write() as (conn, chain):
            for chunk in in_chunks(sorted(digests)):
                conn.execute(delete(table).where(table.asset_sha256.in_(chunk)))
            sealed_by = seal(conn, chain, name, digests)
            conn.execute(
                insert(table), [{**row, "computed_at": now, "sealed_by": sealed_by} for row in rows]
            )
            chain.flush()

    def missing(
        self,
        shas: Iterable[str] | None,
        kinds: Sequence[str],
        limit: int,
        after: str | None,
        *,
        genai_only: bool,
        unsettled: bool = False,
        current: ColumnElement[bool] | None = None,
    ) -> list[tuple[str, str]]:
        """(sha256, path) of ``kinds`` assets present on this host with no row yet.

        One page: at most ``limit`` assets, in sha256 order, each with one
        of its present paths, and only those whose sha256 sorts after
        ``after``. Pass the last sha256 of a page as ``after`` for the next
        one, so that assets which keep failing never hide the rest.
        ``unsettled`` leaves out generated and unreadable assets. With
        ``current``, a row counts only where it holds (a stored answer of an
        older rule is as good as none).
        """
        wanted = None if shas is None else sorted({s for s in shas if after is None or s > after})
        ranges: list[tuple[ColumnElement[bool], ...]]
        if genai_only:  # one ordered index range (verdict, sha256), its few other kinds skipped
            ranges = [(Asset.verdict == "genai", Asset.kind.in_(kinds))]
        else:  # one ordered index range (kind, sha256) each: no sort
            ranges = [(Asset.kind == kind,) for kind in kinds]
        if unsettled:  # what is neither generated nor unreadable (the region check's pictures)
            ranges = [(*where, Asset.verdict.not_in(("genai", "unreadable"))) for where in ranges]
        found: list[tuple[str, str]] = []
        with self._tx.read() as session:
            for where in ranges:
                found += self._missing_in(session, where, wanted, limit, after, current)
        return sorted(found)[:limit]

    def _missing_in(
        self,
        session: Session,
        where: Sequence[ColumnElement[bool]],
        wanted: list[str] | None,
        limit: int,
        after: str | None,
        current: ColumnElement[bool] | None,
    ) -> list[tuple[str, str]]:
        # Driven from assets in sha256 order, each checked through this
        # table's and the locations' indexes, so a page costs the assets it
        # passes over, never a scan of every location of the host.
        here = self._present_here()
        done = select(self._table.id).where(self._table.asset_sha256 == Asset.sha256)
        if current is not None:
            done = done.where(current)
        present = here
        if after is not None:
            # Implied by the correlation, but PostgreSQL turns EXISTS into a
            # join that would otherwise read the host's locations from the start.
            present = here.where(Location.asset_sha256 > after)
        query = (
            select(Asset.sha256, here.order_by(Location.path).limit(1).scalar_subquery())
            .where(*where, ~done.exists(), present.exists())
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

    def failed(
        self,
        shas: Sequence[str] | None,
        kinds: Sequence[str],
        *,
        unsettled: bool = False,
        current: ColumnElement[bool] | None = None,
    ) -> list[StoredFailure]:
        """The ``kinds`` assets present on this host whose row says ``error``.

        Every such asset (or those among ``shas``), in sha256 order, each
        with one of its present paths, the row's reason and when it was
        written. ``unsettled`` and ``current`` are as in :meth:`missing` (a row
        of an older rule is as good as none: :meth:`missing` hands it out).
        """
        table = self._table
        here = self._present_here()
        query = (
            select(Asset.sha256, here.order_by(Location.path).limit(1).scalar_subquery(),
                   table.reason, table.computed_at)
            .join(table, table.asset_sha256 == Asset.sha256)
            .where(table.status == "error", table.frame == 0, Asset.kind.in_(kinds), here.exists())
            .order_by(Asset.sha256)
        )  # fmt: skip
        if unsettled:
            query = query.where(Asset.verdict.not_in(("genai", "unreadable")))
        if current is not None:
            query = query.where(current)
        with self._tx.read() as session:
            found = [
                StoredFailure(str(row[0]), str(row[1]), row[2], row[3])
                for row in _among(session.connection(), query, shas)
            ]
            return sorted(found, key=lambda failure: failure.sha256)

    def unfinished(
        self, kinds: Sequence[str], shas: Iterable[str] | None = None
    ) -> list[Unfinished]:
        """The generated ``kinds`` assets with no row, or whose row says ``error``, on any host.

        One query over the generated assets (the index range on verdict),
        whatever host holds them; only those among ``shas`` when given. In
        sha256 order.
        """
        table = self._table
        query = (
            select(Asset.sha256, Asset.kind, table.reason)
            .outerjoin(table, (table.asset_sha256 == Asset.sha256) & (table.frame == 0))
            .where(Asset.verdict == "genai", Asset.kind.in_(kinds))
            .where(or_(table.id.is_(None), table.status == "error"))
            .order_by(Asset.sha256)
        )
        with self._tx.read() as session:
            found = [
                Unfinished(str(sha), str(kind), reason)
                for sha, kind, reason in _among(session.connection(), query, shas)
            ]
        return sorted(found, key=lambda unfinished: unfinished.sha256)

    def _present_here(self) -> Select[str]:
        """The present paths on this host of the asset of the enclosing query (correlated)."""
        return (
            select(Location.path)
            .where(Location.asset_sha256 == Asset.sha256, Location.host == self._tx.host)
            .where(Location.present)
        )

    def page(
        self, columns: Sequence[Column], after: int, batch: int, *, genai_only: bool
    ) -> list[Row[Any]]:
        """``columns`` of at most ``batch`` ``ok`` rows with id above ``after``, in id order."""
        table = self._table
        stmt = select(*columns).where(table.id > after, table.status == "ok")
        if genai_only:
            stmt = stmt.join(Asset, Asset.sha256 == table.asset_sha256).where(
                Asset.verdict == "genai"
            )
        with self._tx.read() as session:  # Core rows: no ORM bookkeeping for 100,000s of them
            return list(session.connection().execute(stmt.order_by(table.id).limit(batch)))

    def by_asset(
        self, columns: Sequence[Column], shas: Iterable[str]
    ) -> dict[str, list[tuple[Any, ...]]]:
        """(sha256, ``columns``...) of every row of the assets among ``shas``, by sha256, in
        frame order.

        Only the assets whose rows are what their seal says (:mod:`.seals`):
        a stored answer edited outside the program is as good as none, so the
        caller computes it again (``verify`` names the row).
        """
        table = self._table
        name = table.__tablename__
        rows_of = DIGESTS[name]
        sealed = [column.name for column in rows_of.columns]
        extra = [column for column in columns if column.key not in sealed]
        # Where each asked column is in a row read as (sealed_by, *sealed, *extra).
        at = [1 + sealed.index(c.key) if c.key in sealed else 1 + len(sealed) + extra.index(c)
              for c in columns]  # fmt: skip
        found: dict[str, list[tuple[Any, ...]]] = {}
        with self._tx.read() as session:
            conn = session.connection()
            reader = SealReader(conn, name)
            for chunk in in_chunks(sorted(set(shas))):
                query = (
                    select(table.sealed_by, *rows_of.columns, *extra)
                    .where(table.asset_sha256.in_(chunk))
                    .order_by(table.asset_sha256, table.frame)
                )
                page = list(conn.execute(query))
                reader.load(row[0] for row in page)
                for sha, rows in groupby(page, key=lambda row: str(row[1])):
                    listed = list(rows)
                    seqs = [row[0] for row in listed]
                    digests = [rows_of.of(row[1 : 1 + len(sealed)]) for row in listed]
                    if reader.holds(sha, seqs, digests):
                        found[sha] = [(sha, *(row[i] for i in at)) for row in listed]
                    else:
                        log.warning(_NOT_REUSED, name, sha[:12])
                        self._tx.unsealed.add((name, sha))
        return found

    def listed_since(self, seq: int) -> set[str]:
        """The assets the seals of this table after event ``seq`` list: those whose rows were
        written since (an asset's rows are only ever replaced, never removed)."""
        query = select(SealRow.body).where(
            SealRow.table_name == self._table.__tablename__, SealRow.seq > seq
        )  # fmt: skip
        found: set[str] = set()
        with self._tx.read() as session:
            for body in session.scalars(query.order_by(SealRow.seq)):
                found.update(listed_assets(body))
        return found

    def status_of(self, sha256: str) -> str | None:
        """The status of an asset's rows (its first row's), or None when it has none."""
        table = self._table
        with self._tx.read() as session:
            return session.scalar(
                select(table.status)
                .where(table.asset_sha256 == sha256)
                .order_by(table.frame)
                .limit(1)
            )

    def totals(self) -> dict[str, int]:
        """How many assets have rows of each status."""
        table = self._table
        counted = select(table.status, func.count(distinct(table.asset_sha256)))
        with self._tx.read() as session:
            rows = session.execute(counted.group_by(table.status)).all()
        return {str(status): int(count) for status, count in rows}


def _among(conn: Connection, query: Select[*Ts], shas: Iterable[str] | None) -> Iterator[Row[*Ts]]:
    """The rows of ``query`` for the assets among ``shas`` (every asset when None)."""
    if shas is None:
        yield from conn.execute(query)
        return
    for pick in among(conn, Asset.sha256, sorted(set(shas))):
        yield from conn.execute(query.where(pick))
