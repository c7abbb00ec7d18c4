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
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_SCOPE: ContextVar[dict[tuple[str, Path], object] | None] = ContextVar(
    "provenance_parsed_once", default=None
)


@dataclass(frozen=True)
class _Failed:
    error: Exception


@contextmanager
def parsed_once() -> Iterator[None]:
    """A pass in which each file's container is walked once per reader (nested: the outer one)."""
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def once(reader: Callable[[Path], T]) -> Callable[[Path], T]:
    """``reader``, walking each file once inside :func:`parsed_once`, every time outside it."""
    name = f"{reader.__module__}.{reader.__qualname__}"

    @functools.wraps(reader)
    def read(path: Path) -> T:
        walks = _SCOPE.get()
        if walks is None:
            return reader(path)
        key = (name, path)
        if key not in walks:
            try:
                walks[key] = reader(path)
            except Exception as exc:  # noqa: BLE001 - kept, and raised again to every caller
                walks[key] = _Failed(exc)
        found = walks[key]
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
    walks = _SCOPE.get()
    if walks is None:
        return None
    found = walks.get((f"{reader.__module__}.{reader.__qualname__}", path))
    return None if found is None or isinstance(found, _Failed) else found  # type: ignore[return-value]
