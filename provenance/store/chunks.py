"""Many values in one query: ``IN`` lists in slices, or one PostgreSQL array."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")

IN_CHUNK = 500  # values per SQL IN (...) list


def in_chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    """``values`` in slices small enough for one SQL ``IN (...)`` list."""
    return (values[i : i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK))


def among(
    conn: Connection,
    column: ColumnElement[str] | InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    values: Sequence[str],
) -> Iterable[ColumnElement[bool]]:
    """Conditions that together pick the rows whose ``column`` is one of ``values``.

    On PostgreSQL one condition, ``column = ANY(:array)``, the values one
    array parameter: thousands of hashes are one statement and one bind value
    (an ``IN`` list of 500 parameters a statement cost the client more time
    than the server spent). Elsewhere, an ``IN`` list for each slice.
    """
    if conn.dialect.name == "postgresql":
        # Lazy: a SQLite ledger's process never loads the PostgreSQL dialect.
        from sqlalchemy.dialects.postgresql import ARRAY  # noqa: PLC0415

        return [column == any_(bindparam("among", list(values), type_=ARRAY(String)))]
    return (column.in_(chunk) for chunk in in_chunks(values))
