"""One walk of a file's container per pass over the file, however many readers ask.

Classifying a file runs the media facts and nine detectors, and several of
them walk the same structure: a JPEG's segments hold its EXIF, XMP, C2PA
manifest and generator comments alike, so the segments were walked six
times per JPEG, each walk opening the file again. Inside
:func:`parsed_once`, the readers marked :func:`once` walk each file once and
hand every later caller the same result, or raise the same exception
(:class:`~provenance.files.formats.FormatProblem`, ``OSError``) again.

The scope is one pass over one file, opened by whoever runs the pass
(:func:`provenance.classify.classify_file`); outside it, every call reads
the file afresh, as a reader of a file that may change must. The scope is a
context variable, so threads classifying other files never share it. The
results are shared, not copied: callers only read them.

A pass also *keeps* things for its length (:func:`kept`): the one
descriptor its readers share on each file
(:func:`provenance.files.opening.open_regular`), released when the pass
ends, whatever way it ends.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from provenance.util.scopes import outermost

T = TypeVar("T")


class Kept(Protocol):
    """Something a pass holds for its length, released when it ends."""

    def release(self) -> None:
        """Let it go for good (the pass is over)."""


class _Pass:
    """One pass's walks (by reader and file) and what it keeps (by its keeper's key)."""

    __slots__ = ("kept", "walks")

    def __init__(self) -> None:
        self.walks: dict[tuple[str, Path], object] = {}
        self.kept: dict[object, Kept] = {}


_SCOPE: ContextVar[_Pass | None] = ContextVar("provenance_parsed_once", default=None)


@dataclass(frozen=True)
class _Failed:
    error: Exception


_UNWALKED = object()  # no walk of this reader and file yet in the pass


def parsed_once() -> AbstractContextManager[_Pass]:
    """A pass in which each file's container is walked once per reader (nested: the outer one)."""
    return outermost(_SCOPE, _Pass, _release)


def _release(scope: _Pass) -> None:
    for held in scope.kept.values():
        # A read-only descriptor that fails to close has lost nothing; the pass's
        # answer stands (a classification never raises for a bad file).
        with suppress(OSError):
            held.release()


def kept() -> dict[object, Kept] | None:
    """What the current pass keeps, for a keeper to add to or take from; None outside a pass.

    Everything in it is released when the pass ends.
    """
    scope = _SCOPE.get()
    return None if scope is None else scope.kept


def once(reader: Callable[[Path], T]) -> Callable[[Path], T]:
    """``reader``, walking each file once inside :func:`parsed_once`, every time outside it."""
    name = f"{reader.__module__}.{reader.__qualname__}"

    @functools.wraps(reader)
    def read(path: Path) -> T:
        scope = _SCOPE.get()
        if scope is None:
            return reader(path)
        walks = scope.walks
        key = (name, path)
        found = walks.get(key, _UNWALKED)  # one look: a path's hash is a Python call
        if found is _UNWALKED:
            try:
                found = reader(path)
            except Exception as exc:  # noqa: BLE001 - kept, and raised again to every caller
                found = _Failed(exc)
            walks[key] = found
        if isinstance(found, _Failed):
            raise found.error
        return found  # type: ignore[return-value]

    return read


def walked(reader: Callable[[Path], T], path: Path) -> T | None:
    """What ``reader`` (a :func:`once` reader) gave for ``path`` earlier in this pass, if anything.

    A reader that wants less than another's walk finds (where a PNG's chunks
    are, against every chunk read) takes it from that walk when the pass made
    it, and walks on its own otherwise: None outside a pass, when the walk
    was not made, or when it failed.
    """
    scope = _SCOPE.get()
    if scope is None:
        return None
    found = scope.walks.get((f"{reader.__module__}.{reader.__qualname__}", path))
    return None if found is None or isinstance(found, _Failed) else found  # type: ignore[return-value]
