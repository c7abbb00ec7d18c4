"""The ledger's locations part: where each asset has been seen, and where it is now.

:class:`LocationsPart` is ``ledger.locations``. A location is one (host,
path) an asset was seen at; it stays in the ledger when the file goes, with
``present`` false. The part's methods are named for what they are asked by:
``of`` one asset, ``present`` (where one asset's copies are now, on every
host), ``present_paths`` and ``present_places`` of many assets, ``candidates`` and
``frames_on_reels`` for a cut's offline media, and ``under`` a folder of this host.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, ColumnExpressionArgument, and_, func, or_, select
from sqlalchemy.engine import Connection

from provenance.store.chunks import among
from provenance.store.models import Asset, Location
from provenance.store.records import LocationRecord, MediaCandidate, PathStamp, record_from
from provenance.store.transactions import Transactions
from provenance.util.names import to_stored

NAMES_AT_ONCE = 2000  # file names looked for in one query: each query reads every location
SPANS_AT_ONCE = 200  # (reel, timecode range) conditions in one query


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
        places = self.present_places(shas).items()
        return {sha: [path for _, path in found] for sha, found in places}

    def present_places(self, shas: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """The (host, path) places where each of these assets is present now."""
        found: dict[str, list[tuple[str, str]]] = {}
        query = select(Location.asset_sha256, Location.host, Location.path).where(Location.present)
        with self._tx.read() as session:
            conn = session.connection()
            for condition in among(conn, Location.asset_sha256, sorted(set(shas))):
                for sha, host, path in conn.execute(query.where(condition)):
                    found.setdefault(str(sha), []).append((str(host), str(path)))
        return found

    def first_present(self, shas: Iterable[str]) -> dict[str, str]:
        """One path per asset present somewhere, the first in sorted order: the name reports use."""
        return {sha: min(paths) for sha, paths in self.present_paths(shas).items() if paths}

    def candidates(
        self, names: Iterable[str], reels: Iterable[str], umids: Iterable[str]
    ) -> list[MediaCandidate]:
        """Present copies, on any host, of assets named by file name, reel or UMID.

        What a cut's offline media may be, by the names the cut gives it (see
        :mod:`provenance.audit.cut_match`). Every host's paths are given: a
        show's storage is mounted at the same path on every machine, and the
        caller keeps only the paths present here. A reel finds videos and
        audio only (every frame of a scanned reel carries its name: frames are
        asked for by timecode range, :meth:`frames_on_reels`). No index
        serves a name at the end of a path, so the database compares each
        path's tail with the names of that length (``substr ... IN``): one
        pass in the database, only the matches come back; reels and UMIDs
        are indexed.
        """
        columns = (Asset.sha256, Location.path, Asset.reel, Asset.umid, Asset.tc_start,
                   Asset.tc_length)  # fmt: skip
        query = select(*columns).join(Asset, Asset.sha256 == Location.asset_sha256)
        query = query.where(Location.present)
        found: dict[tuple[str, str], MediaCandidate] = {}
        with self._tx.read() as session:
            conn = session.connection()
            for where in _named(conn, set(names), set(reels), set(umids)):
                for row in conn.execute(query.where(where)):
                    found[(str(row[0]), str(row[1]))] = MediaCandidate(*row)
        return list(found.values())

    def frames_on_reels(self, spans: Iterable[tuple[str, float, float]]) -> list[MediaCandidate]:
        """Present copies, on any host, of frames of reel ``r`` whose timecode is in ``[lo, hi)``.

        ``spans`` are ``(r, lo, hi)``, seconds on the timecode clock: the
        frames of a scanned reel that may cover a cut's clips (see
        :func:`provenance.audit.cut_match.frames_of`). A frame is an image
        asset with a reel; the index of reels (``reel``, ``kind``) finds a
        reel's frames, and only those in the ranges come back. One query a
        reel, its ranges in one condition: the index has no timecode, so
        each query reads the reel's entries once, however many clips use it.
        """
        columns = (Asset.sha256, Location.path, Asset.reel, Asset.umid, Asset.tc_start,
                   Asset.tc_length, Asset.tc_rate)  # fmt: skip
        query = select(*columns).join(Asset, Asset.sha256 == Location.asset_sha256)
        query = query.where(Location.present, Asset.kind == "image")
        found: dict[tuple[str, str], MediaCandidate] = {}
        with self._tx.read() as session:
            for reel, ranges in _by_reel(spans):
                within = or_(*(and_(Asset.tc_start >= lo, Asset.tc_start < hi)
                               for lo, hi in ranges))  # fmt: skip
                for row in session.execute(query.where(Asset.reel == reel, within)):
                    found[(str(row[0]), str(row[1]))] = MediaCandidate(*row)
        return list(found.values())

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


def _named(
    conn: Connection, names: set[str], reels: set[str], umids: set[str]
) -> Iterator[ColumnElement[bool]]:
    """One condition per query of :meth:`LocationsPart.candidates`: by file name, reel, UMID."""
    yield from (or_(*ends) for ends in _tails(names))
    if reels:  # a reel finds videos and audio only
        moving = Asset.kind.in_(("video", "audio"))
        yield from (and_(pick, moving) for pick in among(conn, Asset.reel, sorted(reels)))
    if umids:
        yield from among(conn, Asset.umid, sorted(umids))


def _by_reel(
    spans: Iterable[tuple[str, float, float]],
) -> Iterator[tuple[str, list[tuple[float, float]]]]:
    """Each reel and its ranges, overlapping ones merged, at most ``SPANS_AT_ONCE`` at a time."""
    ranges: dict[str, list[tuple[float, float]]] = {}
    for reel, lo, hi in sorted(set(spans)):
        mine = ranges.setdefault(reel, [])
        if mine and lo <= mine[-1][1]:
            mine[-1] = (mine[-1][0], max(mine[-1][1], hi))
        else:
            mine.append((lo, hi))
    for reel, merged in ranges.items():
        for start in range(0, len(merged), SPANS_AT_ONCE):
            yield reel, merged[start : start + SPANS_AT_ONCE]


def _tails(names: set[str]) -> Iterator[list[ColumnElement[bool]]]:
    """Conditions "the path ends in /NAME", by length; one list per query of a few hundred names."""
    ordered = sorted(names)
    for start in range(0, len(ordered), NAMES_AT_ONCE):
        by_size: dict[int, list[str]] = {}
        for name in ordered[start : start + NAMES_AT_ONCE]:
            end = "/" + to_stored(name)  # compared in the database, as stored (see PathText)
            by_size.setdefault(len(end), []).append(end)
        length = func.length(Location.path)
        yield [
            func.substr(Location.path, length - (size - 1), size).in_(ends)
            for size, ends in by_size.items()
        ]
