"""An asset's history shortened for people: its ends, not its middle.

One content may be at thousands of places (a black filler frame, a slate or
a LUT in every shot folder) and have as many events. A terminal table or a
web page of 10,000 rows takes longer to draw than to read (the terminal took
tens of seconds), and nobody reads its middle: the first events say where
the content came from, the last ones what happened to it lately. So both
show the present copies first, up to :data:`LOCATIONS_SHOWN`, and the first
and last :data:`EVENTS_AT_EACH_END` events, and count what they leave out;
``history --json`` (and ``history --all`` in the terminal) list everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from provenance.store import LocationRecord

LOCATIONS_SHOWN = 200
EVENTS_AT_EACH_END = 100

Item = TypeVar("Item")


@dataclass(frozen=True)
class Ends(Generic[Item]):
    """The first items, the last ones, and how many lie between (none when all are shown)."""

    first: Sequence[Item]
    last: Sequence[Item]
    between: int


def ends(items: Sequence[Item], each: int = EVENTS_AT_EACH_END) -> Ends[Item]:
    """The first and the last ``each`` items; all of them (as ``first``) when there are few."""
    if len(items) <= 2 * each:
        return Ends(items, [], 0)
    return Ends(items[:each], items[-each:], len(items) - 2 * each)


def present_first(
    locations: Sequence[LocationRecord], most: int = LOCATIONS_SHOWN
) -> tuple[list[LocationRecord], int]:
    """Up to ``most`` places, present copies first (each part in the order given); how many
    are left out."""
    ordered = sorted(locations, key=lambda location: not location.present)
    return ordered[:most], max(0, len(ordered) - most)
