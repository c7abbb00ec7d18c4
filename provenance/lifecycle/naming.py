"""What a producer calls an asset: its file name and its shot, rather than its hash.

The ledger identifies content by SHA-256; people know it as
``shot010_comp_v003.1003.png`` in shot ``shot010``. A shot is found by the
``shot_pattern`` setting, a regular expression looked for in the file's name
first and then in its folders, deepest first (``ab_010_0040/comp/v003.exr``
is in shot ``ab_010_0040``). A pattern with a group named ``shot`` gives that
group; otherwise the whole match is the shot.

An asset seen at several places takes its name from the first place still
present, else the first place ever seen; its shots are every shot any of its
places names, in order, since one generated element can be cut into several.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePosixPath, PureWindowsPath

from provenance.store import LocationRecord


@lru_cache(maxsize=8)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _parts(path: str) -> tuple[str, ...]:
    """The path's parts, file name last (Windows paths too: a ledger spans hosts)."""
    pure = PureWindowsPath(path) if "\\" in path else PurePosixPath(path)
    return tuple(part for part in pure.parts if part.strip("/\\"))


def shot_of(path: str, pattern: str) -> str | None:
    """The shot a file's path names, or None."""
    regex = _compiled(pattern)
    for part in reversed(_parts(path)):
        found = regex.search(part)
        if found:
            named = found.groupdict().get("shot")
            return named or found.group(0)
    return None


def name_of(path: str) -> str:
    """A file's name: the last part of its path."""
    parts = _parts(path)
    return parts[-1] if parts else path


def display_place(locations: Sequence[LocationRecord]) -> LocationRecord | None:
    """The place an asset is named after: the first still present, else the first seen."""
    present = [loc for loc in locations if loc.present]
    chosen = present or list(locations)
    return chosen[0] if chosen else None


def shots_of(locations: Sequence[LocationRecord], pattern: str) -> tuple[str, ...]:
    """Every shot the asset's places name, in order, without repeats."""
    found = (shot_of(loc.path, pattern) for loc in locations)
    return tuple(dict.fromkeys(shot for shot in found if shot))
