"""Many values in one query: ``IN`` lists in slices, or the whole list as one bound value."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, String, any_, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")
Pick = Callable[[Any], ColumnElement[bool]]
"""A column -> the condition that picks the rows whose value in it is one of a list."""

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
        return [array_pick(values)(column)]
    return (column.in_(chunk) for chunk in in_chunks(values))


def bound_list(conn: Connection) -> Callable[[Sequence[str]], Pick] | None:
    """How this database takes a list of strings as one bound value, if it can: an array on
    PostgreSQL, a JSON array SQLite unpacks with ``json_each`` (built in since 3.38)."""
    if conn.dialect.name == "postgresql":
        return array_pick
    if conn.dialect.name == "sqlite" and (conn.dialect.server_version_info or ()) >= (3, 38):
        return json_pick
    return None


def array_pick(values: Sequence[str]) -> Pick:
    """``column = ANY(:array)`` (PostgreSQL only)."""
    # Lazy: a SQLite ledger's process never loads the PostgreSQL dialect.
    from sqlalchemy.dialects.postgresql import ARRAY  # noqa: PLC0415

    bound = bindparam("listed", list(values), type_=ARRAY(String))
    return lambda column: column == any_(bound)


def json_pick(values: Sequence[str]) -> Pick:
    """``column IN (SELECT value FROM json_each(:json))`` (SQLite 3.38 or later)."""
    unpacked = func.json_each(bindparam("listed", json.dumps(list(values)), type_=String))
    listed = select(unpacked.table_valued("value").c.value).scalar_subquery()
    return lambda column: column.in_(listed)
