"""Seals: the derived tables' rows vouched for by the chain.

The derived tables (``fingerprints``, ``features``, ``region_checks``,
``segments``) are what likeness computed of each picture. They are not
history, and an asset's rows are replaced whenever they are computed again,
so they are not events. But the gate reads them: an audit reuses a stored
region check, sweep or fingerprint of a delivered file rather than compute
it again, and ``verify`` must notice a row an insider edited (a region check
changed to "nothing found", a generated picture's fingerprint changed so
its reframed copy no longer matches).

So every write of derived rows is **sealed**: in the same transaction it
chains a ``sealed`` event whose details carry the table and the SHA-256 of
a *body*, and keeps that body in ``seals`` under the event's seq. The body
lists, for every asset the write touched, the digest of each of its rows
(:class:`RowDigests`: every column but the row's id, time and seal), in frame
order; each row names its seal in ``sealed_by``. A row is then what its seal
says exactly when its digest is the one its seal lists for its asset and
frame, the body hashes to the event's digest, and the event is a ``sealed``
event of that table. The chain (and the signed checkpoints over it) covers
the event; the event covers the body; the body covers the rows.

* The audit (:class:`SealReader`, through ``FrameRows.by_asset``) reuses an
  asset's stored rows only when all of them hold; rows that do not are as
  good as none, so the file is checked again.
* ``verify`` (:func:`seal_differences`) names every row no seal accounts for,
  every row that differs from its asset's latest seal, every row that
  latest seal names and the table lacks, and every seal whose body does not
  hash to its event.
* ``provenance init`` seals the rows written before migration 0015
  (:func:`seal_unsealed`), as it records the state baselines.

A ``sealed`` event belongs to no asset and changes no row of the projected
tables; ``history`` does not show it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Column, Connection, Table, insert, select, update

from provenance.store.chain import canonical_json
from provenance.store.chunks import in_chunks
from provenance.store.columns import ShownText
from provenance.store.likeness_models import (
    FeatureRow,
    FingerprintRow,
    PerFrameRow,
    RegionCheckRow,
    SealRow,
    SegmentRow,
)
from provenance.store.models import Event
from provenance.store.projection import Difference
from provenance.store.writer import ChainAppender, PendingEvent
from provenance.util.names import shown

SEALED = "sealed"
"""The type of the events that seal derived rows."""

TABLES: dict[str, type[PerFrameRow]] = {
    "fingerprints": FingerprintRow,
    "features": FeatureRow,
    "region_checks": RegionCheckRow,
    "segments": SegmentRow,
}
"""The sealed tables, by name."""

_NOT_SEALED = frozenset({"id", "computed_at", "sealed_by"})
_SHOWN_AS = {"fingerprints": "fingerprint", "features": "feature",
             "region_checks": "region check", "segments": "segment"}  # fmt: skip


def sealed_columns(table: str) -> tuple[Column[Any], ...]:
    """The columns of ``table`` a row's digest covers, in a fixed order: the asset and frame
    first."""
    columns = TABLES[table].__table__.columns
    first = (columns["asset_sha256"], columns["frame"])
    rest = tuple(c for c in columns if c.name not in _NOT_SEALED and c not in first)
    return cast("tuple[Column[Any], ...]", first + rest)


class RowDigests:
    """How the rows of one table are digested: its sealed columns, each read as the database
    gives it back.

    A row's digest is the SHA-256 of its values in canonical JSON. Each value
    is first made what the database gives back (an integer, a float, free
    text as people are shown it, no NaN: SQLite keeps none), so the digest of
    a row about to be written is the digest of the same row read back, on
    either backend. Bytes (a features blob) enter by their own SHA-256.
    """

    def __init__(self, table: str) -> None:
        self.columns = sealed_columns(table)
        self._readings = tuple(_reading(column) for column in self.columns)

    def of(self, values: Sequence[object]) -> str:
        """The digest of one row's ``values``, in the order of :attr:`columns`."""
        plain = [
            None if value is None else read(value)
            for read, value in zip(self._readings, values, strict=True)
        ]
        return hashlib.sha256(canonical_json(plain).encode()).hexdigest()


def _reading(column: Column[Any]) -> Callable[[Any], object]:
    """How a value of ``column`` reads back (bool before int: a bool is also an int)."""
    if isinstance(column.type, ShownText):
        return lambda value: shown(str(value))
    kind = column.type.python_type
    if kind is bytes:
        return lambda value: "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if kind is float:
        return _float
    return {bool: bool, int: int}.get(kind, str)


def _float(value: Any) -> float | None:
    made = float(value)
    return None if math.isnan(made) else made


DIGESTS = {table: RowDigests(table) for table in TABLES}
"""Each sealed table's :class:`RowDigests`, by name."""


def body_text(table: str, assets: Mapping[str, Sequence[str]]) -> str:
    """A seal's body: the table and each asset's row digests, in canonical JSON."""
    listed = {sha: list(digests) for sha, digests in assets.items()}
    return canonical_json({"assets": listed, "table": table})


_LISTED = re.compile(r'"([0-9a-f]{64})":\[')


def listed_assets(body: str) -> list[str]:
    """The assets a seal's body lists (:func:`body_text`: each a key of ``assets``)."""
    return _LISTED.findall(body)


def text_digest(text: str) -> str:
    """The SHA-256 of a seal's body, as its event carries it."""
    return hashlib.sha256(text.encode()).hexdigest()


def seal(
    conn: Connection, chain: ChainAppender, table: str, assets: Mapping[str, Sequence[str]]
) -> int:
    """Chain a ``sealed`` event for these assets' rows of ``table`` and keep its body.

    ``assets`` maps each asset to the digests of all its rows, in frame
    order (an empty list: the asset has none). Returns the event's seq, which
    each row then names in ``sealed_by``.
    """
    body = body_text(table, assets)
    digest = text_digest(body)
    rows = sum(len(digests) for digests in assets.values())
    details = {"table": table, "digest": digest, "assets": len(assets), "rows": rows}
    chain.add(PendingEvent(SEALED, None, None, details), datetime.now(UTC))
    conn.execute(insert(SealRow).values(seq=chain.seq, table_name=table, digest=digest, body=body))
    return chain.seq


def digests_by_asset(table: str, rows: Iterable[Mapping[str, object]]) -> dict[str, list[str]]:
    """Each asset's row digests in frame order, for rows given as values by column name (every
    sealed column named, so that nothing is left to a default the digest could not see)."""
    digests = DIGESTS[table]
    names = [column.name for column in digests.columns]
    found: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        digest = digests.of([row[name] for name in names])
        found.setdefault(str(row["asset_sha256"]), []).append((int(str(row["frame"])), digest))
    return {sha: [d for _, d in sorted(pairs)] for sha, pairs in found.items()}


@dataclass(frozen=True)
class Seal:
    """A seal whose body hashes to its event's digest: which table, and its assets' digests."""

    seq: int
    table: str
    assets: Mapping[str, Sequence[str]]


def _unvouched(seq: int, table: str, digest: str, body: str, said: object) -> str | None:
    """Why seal ``seq`` (its ``digest`` and ``body``) is not the one its ``sealed`` event
    (``said``) vouches for as a seal of ``table``, or None when it is."""
    if said is None:
        return f"seal {seq}: the chain has no sealed event {seq}"
    if not isinstance(said, Mapping):  # a forged event's details: JSON, but not an object
        return f"seal {seq}: its event {seq} cannot be read"
    if said.get("table") != table or said.get("digest") != digest:
        return f"seal {seq}: its event {seq} seals another table or body"
    if text_digest(body) != digest:
        return f"seal {seq}: its body does not hash to what event {seq} says"
    return None


def read_body(
    seq: int, table: str, digest: str, body: str, said: Mapping[str, Any] | None
) -> Seal | str:
    """The seal, or why it does not hold: its event (``said``, the details of the ``sealed``
    event ``seq``) missing or not of this table and digest, or its body not what it hashes."""
    problem = _unvouched(seq, table, digest, body, said)
    if problem is not None:
        return problem
    try:
        parsed = json.loads(body)
        assets = parsed["assets"]
        if parsed["table"] != table or not isinstance(assets, dict):
            return f"seal {seq}: its body is not a seal of {table}"
    except (KeyError, ValueError, TypeError) as exc:
        return f"seal {seq}: cannot be read ({type(exc).__name__}: {exc})"
    return Seal(seq, table, assets)


class SealReader:
    """Checks stored rows against their seals within one read.

    The seals a page of rows names are read together (:meth:`load`), each
    body hashed once against its event; an asset's digests are then found in
    the body by their key rather than by parsing it all, since an audit's
    files may name a hundred seals of 500 assets each and use a few of each.
    """

    def __init__(self, conn: Connection, table: str) -> None:
        self._conn = conn
        self.table = table
        self._bodies: dict[int, str | None] = {}  # seq -> a body its event vouches for

    def load(self, seqs: Iterable[int | None]) -> None:
        """Read (and check against their events) the seals of these seqs not read yet."""
        wanted = sorted({seq for seq in seqs if seq is not None and seq not in self._bodies})
        for chunk in in_chunks(wanted):
            rows = self._conn.execute(
                select(SealRow.seq, SealRow.table_name, SealRow.digest, SealRow.body, Event.details)
                .outerjoin(Event, (Event.seq == SealRow.seq) & (Event.type == SEALED))
                .where(SealRow.seq.in_(chunk))
            )
            for row in rows:
                said = _details(row.details)
                vouched = row.table_name == self.table and _unvouched(
                    row.seq, self.table, row.digest, row.body, said) is None  # fmt: skip
                self._bodies[int(row.seq)] = row.body if vouched else None
        self._bodies.update((seq, None) for seq in wanted if seq not in self._bodies)

    def holds(self, sha256: str, seqs: Sequence[int | None], digests: Sequence[str]) -> bool:
        """Whether an asset's rows (their ``sealed_by`` and digests, in frame order) are what
        their seal says: all named by one seal, which lists exactly these digests."""
        if not seqs or seqs[0] is None or any(seq != seqs[0] for seq in seqs):
            return False
        seq = int(seqs[0])
        if seq not in self._bodies:
            self.load([seq])
        body = self._bodies[seq]
        return body is not None and _lists(body, sha256, digests)


def _lists(body: str, sha256: str, digests: Sequence[str]) -> bool:
    """Whether a seal's body lists exactly ``digests`` for one asset.

    The body is canonical JSON (its digest is the event's), in which an
    asset's key, a quoted SHA-256 followed by ``:[``, can stand nowhere else
    (the digests are list items), and a list of hex digests has one way to
    be written. So the asset's entry is looked for as the text it must be,
    key and list to its closing bracket: one search of the body, nothing
    parsed.
    """
    listed = ",".join(f'"{digest}"' for digest in digests)
    return f'"{sha256}":[{listed}]' in body


def _details(text: str | None) -> Mapping[str, Any] | None:
    try:
        said = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return said if isinstance(said, dict) else None


def unsealed(table: str, sha256: str) -> Difference:
    """What the audit says of an asset whose stored rows a read found not what their seal says."""
    text = (f"{_SHOWN_AS[table]} rows of asset {sha256[:12]} are not what their seal says"
            " (they were computed again)")  # fmt: skip
    return Difference(table, sha256, text, asset=sha256)


def seal_differences(conn: Connection, sealed: Mapping[int, Mapping[str, Any]]) -> list[Difference]:
    """Every derived row no seal accounts for or that differs from its asset's latest seal.

    ``sealed`` holds the details of every ``sealed`` event, by seq (what
    ``verify``'s fold of the chain collected), so no event is read twice.
    """
    found: list[Difference] = []
    kept: set[int] = set()
    for table in TABLES:
        latest: dict[str, tuple[int, Sequence[str]]] = {}
        rows = conn.execute(
            select(SealRow.seq, SealRow.digest, SealRow.body)
            .where(SealRow.table_name == table)
            .order_by(SealRow.seq)
        )
        for seq, digest, body in rows:
            kept.add(seq)
            read = read_body(seq, table, digest, body, sealed.get(seq))
            if isinstance(read, str):
                found.append(Difference("seal", str(seq), read))
                continue
            latest.update((sha, (seq, digests)) for sha, digests in read.assets.items())
        found += _table_differences(conn, table, latest)
    found += [Difference("seal", str(seq), f"sealed event {seq}: the ledger has no seal {seq}")
              for seq in sorted(sealed.keys() - kept)]  # fmt: skip
    return found


def _table_differences(
    conn: Connection, table: str, latest: dict[str, tuple[int, Sequence[str]]]
) -> list[Difference]:
    found: list[Difference] = []
    shown_as = _SHOWN_AS[table]
    for sha, seqs, digests in _stored(conn, table):
        expected = latest.pop(sha, None)
        where = f"{shown_as} rows of asset {sha[:12]}"
        if expected is None:
            why = ("not sealed: run `provenance init` to seal rows written before migration 0015"
                   if all(s is None for s in seqs) else "no seal names them")  # fmt: skip
            found.append(Difference(table, sha, f"{where}: {why}", asset=sha))
        elif list(expected[1]) != digests or any(s != expected[0] for s in seqs):
            text = f"{where}: {len(digests)} rows differ from seal {expected[0]}"
            found.append(Difference(table, sha, text, asset=sha))
    for sha, (seq, named) in sorted(latest.items()):
        if named:
            text = (
                f"{shown_as} rows of asset {sha[:12]}: seal {seq} names {len(named)},"
                " the ledger has none"
            )
            found.append(Difference(table, sha, text, asset=sha))
    return found


def _stored(conn: Connection, table: str) -> Iterator[tuple[str, list[int | None], list[str]]]:
    """(asset, its rows' seals, their digests) for every asset with rows, in frame order."""
    model = TABLES[table]
    rows_of = DIGESTS[table]
    query = (
        select(model.sealed_by, *rows_of.columns)
        .order_by(model.asset_sha256, model.frame)
        .execution_options(stream_results=True, yield_per=500)
    )
    # asset_sha256 is the first sealed column
    for sha, rows in groupby(conn.execute(query), key=lambda row: str(row[1])):
        listed = list(rows)
        yield sha, [row[0] for row in listed], [rows_of.of(row[1:]) for row in listed]


def seal_unsealed(conn: Connection, chain: ChainAppender) -> int:
    """Seal every derived row written before migration 0015; returns the events chained."""
    written = 0
    for table, model in TABLES.items():
        rows_of = DIGESTS[table]
        pending = conn.execute(
            select(model.asset_sha256).where(model.sealed_by.is_(None)).distinct()
        ).scalars()
        for chunk in in_chunks(sorted(pending)):
            rows = conn.execute(
                select(*rows_of.columns).where(model.asset_sha256.in_(chunk))
                .order_by(model.asset_sha256, model.frame)
            )  # fmt: skip
            assets: dict[str, list[str]] = {}
            for row in rows:
                assets.setdefault(str(row[0]), []).append(rows_of.of(row))
            seq = seal(conn, chain, table, assets)
            table_of: Table = model.__table__  # type: ignore[assignment]
            conn.execute(
                update(table_of).where(table_of.c.asset_sha256.in_(chunk)).values(sealed_by=seq)
            )
            written += 1
    return written
