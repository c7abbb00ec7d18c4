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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


def _nothing(_: object) -> None:
    return None


@contextmanager
def outermost(
    var: ContextVar[T | None], make: Callable[[], T], end: Callable[[T], None] = _nothing
) -> Iterator[T]:
    """Within: ``var`` holds the outermost scope's value (``make()``), ``end``-ed when it closes."""
    outer = var.get()
    if outer is not None:
        yield outer
        return
    value = make()
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)
        end(value)
