"""Scopes held in a context variable, where only the outermost of nested ones counts.

A pass over files shares its walks (:func:`provenance.files.formats.once.
parsed_once`), the audit's look at known files holds folder listings
(:func:`provenance.detectors.sidecars.listings_held`), and a likeness pass
shares its decoding workers (:func:`provenance.likeness.pools.shared_pools`).
Each is a value in a context variable (so threads never share it), made when
the outermost scope opens and ended when it closes; a scope opened inside
another serves the outer one's value and ends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


def _nothing(_: object) -> None:
    return None


def outermost(
    var: ContextVar[T | None], make: Callable[[], T], end: Callable[[T], None] = _nothing
) -> Scope[T]:
    """Within: ``var`` holds the outermost scope's value (``make()``), ``end``-ed when it closes."""
    return Scope(var, make, end)


class Scope(Generic[T]):
    """One ``with`` of :func:`outermost`.

    A class, not a generator-based context manager: classifying a file enters
    two or three of these, and a generator's machinery cost more than the
    scope's own work.
    """

    __slots__ = ("_end", "_make", "_token", "_value", "_var")

    def __init__(
        self, var: ContextVar[T | None], make: Callable[[], T], end: Callable[[T], None]
    ) -> None:
        self._var, self._make, self._end = var, make, end
        self._token: Token[T | None] | None = None

    def __enter__(self) -> T:
        outer = self._var.get()
        if outer is not None:
            return outer
        self._value = value = self._make()
        self._token = self._var.set(value)
        return value

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        token = self._token
        if token is not None:
            self._token = None
            self._var.reset(token)
            self._end(self._value)
