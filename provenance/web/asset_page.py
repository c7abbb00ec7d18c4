"""What an asset's page says: its story, in words, and everything the ledger links it to.

The story is ``provenance history``'s (:func:`provenance.history.find_history`):
the classification and its evidence, status, expiry, approvals, every
location, the events, the gate's answer for finals, and, for a copy, the
generated original it looks like. The page adds what a producer asks next:
the copies that look like this asset, the deliveries it went out in (its
``audited`` events) and the masters and cuts that show it, with timecodes
where the sweep stored them.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.errors import NotComparable
from provenance.history import History, find_history
from provenance.likeness.search import Similar, segments_by_video, similar_assets
from provenance.reports.event_words import event_words
from provenance.reports.shortened import ends, present_first
from provenance.settings import Settings
from provenance.store import AssetQuery, EventRecord, Ledger, LocationRecord, SegmentIn

COPIES_SHOWN = 50


@dataclass(frozen=True)
class EventLine:
    """One event as a person reads it."""

    at: str
    type: str
    path: str | None
    actor: str
    words: str


@dataclass(frozen=True)
class Delivery:
    """An audit this asset went out in: the package, its path there, and the gate's verdict."""

    audit: str
    package: str
    path: str
    verdict: str
    match: str
    at: str


@dataclass(frozen=True)
class Appearance:
    """A master or cut that shows this asset, with the stretches where it does."""

    sha256: str
    name: str
    segments: tuple[SegmentIn, ...]


@dataclass(frozen=True)
class AssetPage:
    """Everything the asset's page shows."""

    story: History
    events: list[EventLine]  # the first events (all of them when there are few)
    later_events: list[EventLine]  # the last events, after those left out
    events_left_out: int
    locations: list[LocationRecord]  # present copies first
    locations_left_out: int
    copies: list[Similar]
    copies_note: str | None
    deliveries: list[Delivery]
    appearances: list[Appearance]


def asset_page(sha256: str, ledger: Ledger, settings: Settings) -> AssetPage:
    """The page of the asset with this full SHA-256 (``TargetNotFound`` when unknown)."""
    story = find_history(sha256, ledger, settings)
    copies, note = _copies(sha256, ledger)
    events = ends(story.events)
    locations, locations_left_out = present_first(story.locations)
    return AssetPage(
        story,
        [_line(event) for event in events.first],
        [_line(event) for event in events.last],
        events.between,
        locations,
        locations_left_out,
        copies,
        note,
        [_delivery(e) for e in story.events if e.type == "audited"],
        _appearances(sha256, ledger),
    )


def _line(event: EventRecord) -> EventLine:
    return EventLine(
        event.at, event.type, event.path, event.actor, event_words(event.type, event.details)
    )


def _copies(sha256: str, ledger: Ledger) -> tuple[list[Similar], str | None]:
    """Assets that look like this one, nearest first, or why none could be looked for."""
    try:
        return similar_assets(sha256, ledger, AssetQuery(limit=COPIES_SHOWN)), None
    except NotComparable as exc:
        return [], exc.what


def _delivery(event: EventRecord) -> Delivery:
    def text(key: str) -> str:
        return str(event.details.get(key) or "")

    return Delivery(
        text("audit"),
        text("package"),
        text("package_path"),
        text("verdict"),
        text("match"),
        event.at,
    )


def _appearances(sha256: str, ledger: Ledger) -> list[Appearance]:
    """The videos whose stored sweeps show this asset, each named by a present copy."""
    by_video = segments_by_video(ledger, sha256)
    names = ledger.locations.first_present(by_video)
    return [
        Appearance(video, names.get(video, video[:12]), tuple(found))
        for video, found in by_video.items()
    ]
