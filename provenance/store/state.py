"""The ledger's state part: the tables checked against the events they are a projection of.

:class:`StatePart` is ``ledger.state``. :meth:`~StatePart.verify` walks the
chain once, checking its hashes (:mod:`.chain`) and folding it into the
expected rows (:mod:`.projection`) in the same pass, then names every row
that differs. :meth:`~StatePart.check` does the same for a few assets (the
ones an audit matched), from their events alone (``events`` is indexed by
asset), the locations left out: the audit judges the files it is given
by their bytes, and no location row enters its verdict; and an asset's own
events do not carry every change of its locations (a ``modified`` event is
the new content's, and closes the previous content's location at that
path), so a fold by the asset index would name honest rows. ``verify``
folds the whole chain and compares them (:mod:`.places`).
:meth:`~StatePart.baseline` upgrades a ledger written before the
projection existed (:mod:`.baseline`).

Rows are read as plain values: times as the ISO 8601 text events carry,
``flags`` as a list, ``evidence`` and ``prompt`` as the digests of their
canonical JSON (:mod:`.digests`), so a row and its projection compare field
by field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    DateTime,
    FromClause,
    Text,
    cast,
    select,
)
from sqlalchemy.engine import Connection, CursorResult

from provenance.store.chain import check_chain
from provenance.store.chunks import Pick, bound_list, in_chunks
from provenance.store.columns import UTCDateTime
from provenance.store.digests import digest, text_digest
from provenance.store.models import (
    Approval,
    Asset,
    AuditRow,
    ChainHead,
    Document,
    Event,
    Location,
    Quarantine,
)
from provenance.store.places import PlaceRow, compare_places
from provenance.store.projection import (
    ASSET_FIELDS,
    Difference,
    LedgerCheck,
    Projection,
    Row,
    compare,
)
from provenance.store.records import iso
from provenance.store.seals import seal_differences
from provenance.store.transactions import Transactions

VERIFY_BATCH = 20_000
CHECK_BATCH = 5_000  # assets checked at once (their rows and projections held together)


class EventTuple(NamedTuple):
    """An event as ``verify`` walks it: a plain tuple (a field costs an index), nothing more."""

    seq: int
    at: str
    type: str
    asset_sha256: str | None
    actor: str
    host: str
    path: str | None
    details: str
    prev_hash: str
    hash: str


_EVENT_COLUMNS = [Event.__table__.c[name] for name in EventTuple._fields]


class StatePart:
    """The tables as projections of the chain: checked whole, or for some assets."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def verify(self, progress: Callable[[int], None] | None = None) -> LedgerCheck:
        """Check the chain and rebuild the state from it, in one pass over the events."""
        with self._tx.read() as session:
            conn = session.connection()
            head_row = conn.execute(
                select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1)
            ).first()
            head = (int(head_row.seq), str(head_row.hash)) if head_row else None
            projection = Projection()
            events = _folding(stream_events(conn, progress), projection)
            chain = check_chain(events, head)
            for _ in events:  # a broken chain stops the check, not the fold
                pass
            return LedgerCheck(chain, tuple(differences(conn, projection)))

    def check(self, shas: Iterable[str]) -> dict[str, list[Difference]]:
        """The differences of these assets' rows (and approvals, quarantine) from their events."""
        found: dict[str, list[Difference]] = {}
        with self._tx.read() as session:
            conn = session.connection()
            for pick in _picks(conn, sorted(set(shas))):
                for difference in _check_picked(conn, pick):
                    found.setdefault(difference.asset or "", []).append(difference)
        return found


def _folding(rows: Iterable[Any], projection: Projection) -> Iterator[Any]:
    for row in rows:
        projection.add(row)
        yield row


def stream_events(
    conn: Connection, progress: Callable[[int], None] | None = None
) -> Iterator[EventTuple]:
    """Every event in ``seq`` order, as plain tuples, a batch at a time."""
    last = 0
    while True:
        query = select(*_EVENT_COLUMNS).where(Event.seq > last)
        batch = conn.execute(query.order_by(Event.seq).limit(VERIFY_BATCH)).all()
        if not batch:
            return
        yield from map(EventTuple._make, batch)
        last = batch[-1].seq
        if progress is not None:
            progress(len(batch))


def events_where(conn: Connection, *where: ColumnElement[bool]) -> Iterator[EventTuple]:
    """The events that match ``where``, in ``seq`` order, as plain tuples."""
    query = select(*_EVENT_COLUMNS).where(*where).order_by(Event.seq)
    return map(EventTuple._make, conn.execute(query))


def _picks(conn: Connection, shas: Sequence[str]) -> list[Pick]:
    """The checked assets in batches, each picked by one condition.

    Where the database takes a list as one bound value (:func:`~.chunks.bound_list`),
    a batch is :data:`CHECK_BATCH` assets: an ``IN`` list of 500 values cost
    SQLAlchemy more to render at each execution than SQLite spent on the
    query, four queries a list. Elsewhere, ``IN`` lists.
    """
    listed = bound_list(conn)
    if listed is None:
        return [_in_list(chunk) for chunk in in_chunks(shas)]
    return [listed(shas[i : i + CHECK_BATCH]) for i in range(0, len(shas), CHECK_BATCH)]


def _in_list(shas: Sequence[str]) -> Pick:
    return lambda column: column.in_(shas)


def _check_picked(conn: Connection, pick: Pick) -> list[Difference]:
    # One query by the asset index: the checked assets' events, not the whole log.
    projection = Projection().fold(events_where(conn, pick(Event.asset_sha256)))
    return compare(
        projection,
        asset_rows(conn, pick(Asset.sha256)),
        table_rows(conn, Approval.__table__, pick(Approval.asset_sha256)),
        table_rows(conn, Quarantine.__table__, pick(Quarantine.asset_sha256)),
    )


def differences(conn: Connection, projection: Projection) -> list[Difference]:
    """Every row of the projected tables that differs from ``projection`` (the whole chain)."""
    found = compare(
        projection,
        asset_rows(conn),
        table_rows(conn, Approval.__table__),
        table_rows(conn, Quarantine.__table__),
        table_rows(conn, AuditRow.__table__),
    )
    found += seal_differences(conn, projection.sealed)
    found += compare_places(projection.locations, place_rows(conn))
    return found + _documents(conn, projection.referenced_documents())


_PLACE_COLUMNS = (Location.asset_sha256, Location.host, Location.path, Location.present)


def place_rows(conn: Connection) -> Iterable[PlaceRow]:
    """Every location's (asset, host, path, present), streamed a batch at a time."""
    query = select(*_PLACE_COLUMNS).execution_options(yield_per=VERIFY_BATCH)
    rows: Iterable[PlaceRow] = conn.execute(query)  # each Row unpacks as the tuple
    return rows


def asset_rows(conn: Connection, *where: ColumnElement[bool]) -> dict[str, Row]:
    """The projected fields of ``assets`` rows, by sha256, as plain values.

    The flags and the evidence are read as text and parsed here: a row holding
    text that is not JSON is a difference to name, where the column's own
    reading would stop.
    """
    columns: list[ColumnElement[Any]] = [
        Asset.__table__.c[name] for name in ("sha256", *ASSET_FIELDS) if name not in _AS_TEXT
    ]
    columns += [cast(Asset.__table__.c[name], Text).label(name) for name in _AS_TEXT]
    rows = conn.execute(select(*columns).where(*where))
    return {str(key): row for key, row in _keyed(rows, "sha256", _times(columns))}


_AS_TEXT = ("flags", "evidence")


def table_rows(conn: Connection, table: FromClause, *where: ColumnElement[bool]) -> dict[int, Row]:
    """Rows of a table keyed by ``id``, as plain values."""
    rows = conn.execute(select(table).where(*where))
    return {int(key): row for key, row in _keyed(rows, "id", _times(table.c))}


def _times(columns: Iterable[ColumnElement[Any]]) -> list[str]:
    """The names of the columns that hold times (the only ones whose values are datetimes)."""
    return [c.name for c in columns if isinstance(c.type, UTCDateTime | DateTime)]


def _keyed(rows: CursorResult[Any], key: str, times: Sequence[str]) -> Iterator[tuple[Any, Row]]:
    # Each row's key, and its other columns as plain values. The names are
    # taken once: a row's own mapping costs more than its values.
    # The conversions are inline, not a call a field: an audit checks every row it matched.
    names = list(rows.keys())
    flags, evidence = "flags" in names, "evidence" in names  # an assets row's
    for row in rows:
        plain: Row = dict(zip(names, row, strict=True))
        found = plain.pop(key)
        for name in times:
            if isinstance(value := plain[name], datetime):
                plain[name] = iso(value)
        if flags:
            plain["flags"] = _flags(plain["flags"])
        if evidence:
            plain["evidence"] = text_digest(plain["evidence"])
            plain["prompt"] = digest(plain["prompt"])
        yield found, plain


def _flags(text: str | None) -> object:
    """An asset's flags from their JSON text; text that is not JSON, as words that say so."""
    try:
        return list(json.loads(text) or []) if text is not None else []
    except json.JSONDecodeError:
        return f"not JSON: {text!r}"


def _documents(conn: Connection, referenced: set[str]) -> list[Difference]:
    found = []
    stored = set()
    for row in conn.execute(select(Document.sha256, Document.content)):
        stored.add(row.sha256)
        where = f"document {row.sha256[:12]}"
        if hashlib.sha256(bytes(row.content)).hexdigest() != row.sha256:
            text = f"{where} content: its bytes no longer hash to its name (changed)"
            found.append(Difference("document", row.sha256, text))
        if row.sha256 not in referenced:
            found.append(Difference("document", row.sha256, f"{where}: no approval rests on it"))
    for sha in sorted(referenced - stored):
        text = f"document {sha[:12]}: approvals rest on it, the ledger has no row"
        found.append(Difference("document", sha, text))
    return found
