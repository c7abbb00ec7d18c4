"""The places and events of an asset's history, laid out for an 80-column terminal.

Paths are the longest values a table holds and the ones people copy: they
wrap onto more lines ("fold") instead of being cut, and the decisive columns
(the event, what it meant) never shrink below their words. ``--wide`` adds
the columns a terminal of 80 cannot spare (first seen, actor, host).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from provenance.reports.event_words import event_words
from provenance.reports.shortened import Ends

if TYPE_CHECKING:
    from provenance.store import EventRecord, LocationRecord


def _when(stamp: str) -> str:
    return stamp.replace("T", " ")[:16]


def locations_table(
    locations: Sequence[LocationRecord], *, wide: bool = False, left_out: int = 0, ask: str = ""
) -> Table:
    """The places an asset lived: host and path (folded, never cut), present or not.

    ``left_out`` places not given are counted on a last row, which says how
    to list them (``ask``).
    """
    table = Table(title="Locations", title_justify="left")
    table.add_column("host", no_wrap=True, max_width=16)
    table.add_column("path", overflow="fold", ratio=1)
    if wide:
        table.add_column("first seen", no_wrap=True)
    table.add_column("last seen", no_wrap=True)
    table.add_column("present", no_wrap=True)
    for loc in locations:
        first = [_when(loc.first_seen.isoformat())] if wide else []
        present = Text("yes", style="green") if loc.present else Text("no", style="dim")
        table.add_row(loc.host, loc.path, *first, _when(loc.last_seen.isoformat()), present)
    if left_out:
        table.add_row("…", Text(f"and {left_out:,} more places: {ask} lists every one", "dim"))
    return table


def events_table(events: Ends[EventRecord], *, wide: bool = False, ask: str = "") -> Table:
    """The events in order, each in words; who and where on the line below (or in columns).

    Where ``events`` leaves some out between its first and last ones, a row
    there counts them and says how to list them (``ask``).
    """
    table = Table(title="Events", title_justify="left")
    table.add_column("#", no_wrap=True, justify="right")
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("event", no_wrap=True)
    if wide:
        table.add_column("who", no_wrap=True)
        table.add_column("host", no_wrap=True)
    table.add_column("what", overflow="fold", ratio=1)
    for ev in events.first:
        _event_row(table, ev, wide=wide)
    if events.between:
        gap = Text(f"{events.between:,} events between: {ask} lists every one", "dim")
        table.add_row("…", "", "", *(["", ""] if wide else []), gap)
    for ev in events.last:
        _event_row(table, ev, wide=wide)
    return table


def _event_row(table: Table, ev: EventRecord, *, wide: bool) -> None:
    what = Text(event_words(ev.type, ev.details))
    if ev.path:
        what.append(f"\n{ev.path}", style="dim")
    if not wide:
        what.append(f"\nby {ev.actor} on {ev.host}", style="dim")
    who = [ev.actor, ev.host] if wide else []
    table.add_row(str(ev.seq), _when(ev.at), ev.type, *who, what)
