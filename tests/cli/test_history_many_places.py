"""``history`` of a content the ledger saw at thousands of places lists its ends, and counts
the rest.

At 10,000 places the terminal table took 40 s to draw (30,000 lines nobody
reads the middle of); it now lists the places the web page lists (present
copies first) and the first and last events, with a row counting what lies
between and saying how to list it. ``--all`` and ``--json`` list everything.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.reports.shortened import EVENTS_AT_EACH_END, LOCATIONS_SHOWN
from provenance.store import Ledger
from tests.support.factories import fake_sha, observation

PLACES = 600
SHA = fake_sha("filler")


@pytest.fixture
def many(ledger_url: str) -> str:
    with Ledger(ledger_url, actor="tester", host="testhost") as ledger:
        # None of these paths is on disk: the second is taken for a move from the first.
        ledger.record([observation("filler", f"/show/sh{n:04d}/black.exr") for n in range(PLACES)])
    return ledger_url


def _history(url: str, *more: str) -> str:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, ["history", SHA[:12], "--db", url, *more], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _event_rows(table: str) -> list[int]:
    return [int(n) for n in re.findall(r"^│\s+(\d+) │", table, flags=re.MULTILINE)]


def test_the_table_lists_the_ends_and_counts_the_rest(many: str) -> None:
    out = _history(many)
    places, events = out.split("Locations")[1].split("Events")
    assert places.count("black.exr") == LOCATIONS_SHOWN
    assert "sh0000" not in places  # present copies first: the first moved away
    assert f"and {PLACES - LOCATIONS_SHOWN:,} more places" in places
    seqs = _event_rows(events)
    assert len(seqs) == 2 * EVENTS_AT_EACH_END
    assert seqs == sorted(seqs) and "sh0599/black.exr" in events  # the first ones and the last
    between = PLACES - 2 * EVENTS_AT_EACH_END
    assert f"{between:,} events between: `provenance history {SHA[:12]} --all`" in events
    assert seqs[EVENTS_AT_EACH_END] - seqs[EVENTS_AT_EACH_END - 1] == between + 1


def test_all_lists_every_place_and_event_in_order(many: str) -> None:
    out = _history(many, "--all")
    places, events = out.split("Locations")[1].split("Events")
    assert places.count("black.exr") == PLACES and "more places" not in places
    # Every one, present copies first as the web page lists them (the first moved away)
    assert places.index("sh0001") < places.index("sh0599") < places.index("sh0000")
    assert len(_event_rows(events)) == PLACES and "events between" not in events


def test_json_lists_everything_whatever_the_flag(many: str) -> None:
    for more in ((), ("--all",)):
        story = json.loads(_history(many, "--json", *more))
        assert len(story["locations"]) == PLACES and len(story["events"]) == PLACES


def test_a_few_places_are_all_listed_present_copies_first(ledger_url: str) -> None:
    """As the web page lists them, whether or not any is left out."""
    with Ledger(ledger_url, actor="tester", host="testhost") as ledger:
        ledger.record([observation("filler", f"/show/sh{n:04d}/black.exr") for n in range(3)])
    places = _history(ledger_url).split("Locations")[1].split("Events")[0]
    assert places.index("sh0001") < places.index("sh0002") < places.index("sh0000")
    assert "more places" not in places
