"""Counting the location rows a batch loads, to see that work grows with what changed."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from provenance.store import copies


def count_loaded_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets, for each load of location rows from now on, how many new rows it took."""
    loaded: list[int] = []
    collect = copies._collect

    def counting(conn: Connection, into: dict[int, copies.Loc], *where: object) -> None:
        before = len(into)
        collect(conn, into, *where)
        loaded.append(len(into) - before)

    monkeypatch.setattr(copies, "_collect", counting)
    return loaded
