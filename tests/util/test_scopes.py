"""Scopes where only the outermost of nested ones counts (provenance.util.scopes)."""

from __future__ import annotations

from contextvars import ContextVar

import pytest

from provenance.util.scopes import outermost

VAR: ContextVar[list[str] | None] = ContextVar("test_scopes", default=None)


def test_the_outermost_scope_makes_the_value_and_ends_it_once() -> None:
    ended: list[list[str]] = []
    with outermost(VAR, list, ended.append) as outer:
        outer.append("outer")
        with outermost(VAR, list, ended.append) as inner:
            assert inner is outer
            assert VAR.get() is outer
        assert ended == []  # the inner scope ends nothing
        assert VAR.get() is outer
    assert ended == [["outer"]]
    assert VAR.get() is None


def test_a_scope_left_by_an_exception_is_ended_and_reset() -> None:
    ended: list[list[str]] = []
    with pytest.raises(KeyError), outermost(VAR, list, ended.append):
        raise KeyError("boom")
    assert ended == [[]]
    assert VAR.get() is None
