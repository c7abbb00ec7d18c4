"""Counting the location rows a batch loads, and the paths it looks at, to see that work
grows with what changed."""

from __future__ import annotations

from collections.abc import Callable, Collection

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


def looking(looked: list[str], gone: Collection[str] = ()) -> Callable[[str], bool]:
    """An ``exists`` for a recording that says every path but ``gone`` is there and appends
    it to ``looked``."""

    def exists(path: str) -> bool:
        looked.append(path)
        return path not in gone

    return exists
