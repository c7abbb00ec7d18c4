"""The ledger's locations part: where each asset has been seen, and where it is now.

:class:`LocationsPart` is ``ledger.locations``. A location is one (host,
path) an asset was seen at; it stays in the ledger when the file goes, with
``present`` false. The part's methods are named for what they are asked by:
``of`` one asset, ``present`` (where one asset's copies are now, on every
host), ``present_paths`` of many assets, and ``under`` a folder of this host.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnExpressionArgument, select
from sqlalchemy.engine import Connection

from provenance.store.models import Location
from provenance.store.records import LocationRecord, PathStamp, record_from
from provenance.store.transactions import Transactions
from provenance.store.writer import in_chunks


class LocationsPart:
    """Every place an asset was seen, on every host."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def of(self, sha256: str) -> list[LocationRecord]:
        """Every place an asset has been seen, oldest first."""
        with self._tx.read() as conn:
            rows = conn.scalars(
                select(Location)
                .where(Location.asset_sha256 == sha256)
                .order_by(Location.first_seen, Location.id)
            ).all()
        return [record_from(LocationRecord, r) for r in rows]

    def present(self, sha: str) -> list[LocationRecord]:
        """Where an asset's copies are present now, on every host."""
        with self._tx.read() as session:
            return present_locations(session.connection(), sha)

    def present_paths(self, shas: Iterable[str]) -> dict[str, list[str]]:
        """The paths, on every host, where each of these assets is present now."""
        found: dict[str, list[str]] = {}
        query = select(Location.asset_sha256, Location.path).where(Location.present)
        with self._tx.read() as session:
            for chunk in in_chunks(sorted(set(shas))):
                rows = session.execute(query.where(Location.asset_sha256.in_(chunk)))
                for sha, path in rows:
                    found.setdefault(str(sha), []).append(str(path))
        return found

    def first_present(self, shas: Iterable[str]) -> dict[str, str]:
        """One path per asset present somewhere, the first in sorted order: the name reports use."""
        return {sha: min(paths) for sha, paths in self.present_paths(shas).items() if paths}

    def under(self, prefix: str, host: str | None = None) -> list[str]:
        """Paths on this host below ``prefix`` that the ledger believes are present."""
        with self._tx.read() as conn:
            query = select(Location.path).where(*_present_under(host or self._tx.host, prefix))
            rows = conn.scalars(query).all()
        return list(rows)

    def in_folder(self, host: str, folder: str) -> dict[str, str]:
        """Path -> asset hash of the files present directly in ``folder`` on ``host``."""
        query = select(Location.path, Location.asset_sha256).where(*_present_under(host, folder))
        with self._tx.read() as session:
            rows = session.execute(query).all()
        prefix = folder.rstrip("/") + "/"
        return {str(path): str(sha) for path, sha in rows if "/" not in str(path)[len(prefix) :]}

    def stamps_under(self, prefix: str, host: str | None = None) -> dict[str, PathStamp]:
        """Path → (size, mtime, inode) of the files the ledger believes present below ``prefix``."""
        columns = (Location.path, Location.size, Location.mtime_ns, Location.inode)
        query = select(*columns).where(*_present_under(host or self._tx.host, prefix))
        with self._tx.read() as session:
            rows = session.connection().execute(query)
            return {
                str(r.path): PathStamp(str(r.path), int(r.size), int(r.mtime_ns), int(r.inode))
                for r in rows
            }


def present_locations(conn: Connection, sha: str) -> list[LocationRecord]:
    """Where an asset's copies are present now, by host and path."""
    query = select(Location.__table__).where(Location.asset_sha256 == sha, Location.present)
    rows = conn.execute(query.order_by(Location.host, Location.path))
    return [record_from(LocationRecord, row) for row in rows]


def _present_under(host: str, prefix: str) -> tuple[ColumnExpressionArgument[bool], ...]:
    pattern = prefix.rstrip("/") + "/"
    return (
        Location.host == host,
        Location.present,
        Location.path.startswith(pattern, autoescape=True),
    )
