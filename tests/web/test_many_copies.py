"""The page of a content the ledger saw at thousands of places (a black filler frame, a LUT
copied into every shot folder) lists a bounded number of its copies and events.

At 10,000 copies the page was 2.8 MB and took over 3 s to answer; a browser then
laid out two tables of 10,000 rows. ``provenance history --json`` lists every one.
"""

from __future__ import annotations

import re
from pathlib import Path

from provenance.reports.shortened import EVENTS_AT_EACH_END, LOCATIONS_SHOWN
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.factories import fake_sha, observation

COPIES = 600


def test_an_asset_with_many_copies_lists_some_and_counts_the_rest(
    ledger_url: str, tmp_path: Path
) -> None:
    with Ledger(ledger_url, actor="tester", host="testhost") as ledger:
        # None of these paths is on disk: the second is taken for a move from the first.
        ledger.record([observation("filler", f"/show/sh{n:04d}/black.exr") for n in range(COPIES)])
    with Ledger(ledger_url, read_only=True) as reader:
        guard = Guard.for_host("127.0.0.1", None, None)
        app = create_app(reader, Settings(db=ledger_url), guard, tmp_path / "thumbs")
        page = app.test_client().get(f"/asset/{fake_sha('filler')}").get_data(as_text=True)
    locations = page.split("<h2>Locations</h2>")[1].split("</section>")[0]
    assert locations.count("black.exr</td>") == LOCATIONS_SHOWN
    assert "sh0000" not in locations  # present copies first: the first moved away
    assert f"{COPIES - LOCATIONS_SHOWN} more copies" in locations
    events = page.split("<h2>History</h2>")[1]
    assert len(re.findall(r"<td>(?:detected|moved|seen)</td>", events)) == 2 * EVENTS_AT_EACH_END
    assert f"{COPIES - 2 * EVENTS_AT_EACH_END} events between" in events
    assert "<td>detected</td>" in events and "sh0599/black.exr" in events  # the first, the last
    assert "provenance history" in events
    assert len(page) < 200_000
