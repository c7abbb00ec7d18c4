"""The deferred stage's traffic with the ledger: assets read a page at a time, rows saved by batch.

Each step of the stage (:mod:`provenance.likeness.stage`,
:mod:`provenance.likeness.stage_checks`) asks the ledger for the assets it
has to do, :data:`PAGE` at a time, each page from the last SHA-256 of the
one before (:func:`pages`); hands their paths to a pool whose results come
back in order, each asset's SHA-256 queued as its path is handed out
(:func:`handing`); and saves the rows it makes :data:`SAVE_BATCH` at a time
(:class:`Batches`), so that a pass cut short keeps what it had saved.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

SAVE_BATCH = 500
PAGE = 2_000  # assets read from the ledger at a time
R = TypeVar("R")


def pages(
    page: Callable[[str | None], list[tuple[str, str]]], first: list[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """The rows of ``first`` and of the pages after it (each asked from the last sha256 seen)."""
    while first:
        yield from first
        first = page(first[-1][0])


class Batches(Generic[R]):
    """Rows on their way to the ledger, saved :data:`SAVE_BATCH` at a time; :meth:`flush` the rest.

    A pass cut short keeps what it had saved, and saves what it holds when flushed.
    """

    def __init__(self, save: Callable[[Sequence[R]], None]) -> None:
        self._save = save
        self._rows: list[R] = []

    def add(self, rows: Iterable[R]) -> None:
        """Hold ``rows``, saving the batch once it is full."""
        self._rows.extend(rows)
        if len(self._rows) >= SAVE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Save what is held."""
        self._save(self._rows)
        self._rows = []


def handing(waiting: Iterable[tuple[str, str]], handed: deque[str]) -> Iterator[str]:
    """The path of each (sha256, path) of ``waiting``, its sha256 handed out first, in order."""
    for sha, path in waiting:
        handed.append(sha)
        yield path
