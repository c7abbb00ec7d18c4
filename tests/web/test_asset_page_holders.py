"""A generated asset's page lists the pictures that hold it and the masters that show it, when.

Through Flask's test client, on SQLite and PostgreSQL: the studio scans a
generated matte painting, then a comp that holds it at half the plate's
width and a master that holds it whole from 2 s to 4 s (the deferred stage
checks the one and sweeps the other). The painting's page, served from a
read-only connection as ``provenance serve`` does, links the comp among the
copies (holding it, with its cover) and the master among the masters that
show it, with its time range in the master's timecode.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.app import create_app
from provenance.web.guard import Guard
from tests.support.files import sha256_of
from tests.support.holders import Holders, make_holders

pytest.importorskip("av")

COPIES = "<h2>Copies that look like it</h2>"
MASTERS = "<h2>Masters and cuts it appears in</h2>"
DASH = "\N{EN DASH}"  # between a segment's timecodes


def _page(ledger: Ledger, settings: Settings, tmp_path: Path, holders: Holders) -> str:
    with Ledger(ledger.url, host=ledger.host, read_only=True) as reader:
        guard = Guard.for_host("127.0.0.1", None, None)
        app = create_app(reader, settings, guard, tmp_path / "thumbs")
        app.testing = True
        answer = app.test_client().get(f"/asset/{sha256_of(holders.painting)}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    return page[start : page.index("</section>", start)]


def test_the_generated_assets_page_lists_the_comp_and_the_master_with_its_times(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    holders = make_holders(tmp_path / "work")
    scan([holders.painting.parent], ledger, settings)
    scan([holders.comp.parent, holders.master.parent], ledger, settings)
    master = sha256_of(holders.master)
    (segment,) = ledger.segments.many([master])[master]
    page = _page(ledger, settings, tmp_path, holders)

    copies = _section(page, COPIES)
    comp = sha256_of(holders.comp)
    link = rf'href="/asset/{comp}">{re.escape(str(holders.comp))}</a>\s*\(([^)]*)\)'
    held = re.search(link, copies)
    assert held is not None, copies
    cover = re.search(r"holds it over (\d+)%", held.group(1))
    assert cover is not None and 15 <= int(cover.group(1)) <= 35, held.group(1)

    masters = _section(page, MASTERS)
    assert f'href="/asset/{master}">{holders.master}</a>' in masters, masters
    assert f'<span class="span">{segment.tc_in} {DASH} {segment.tc_out}</span>' in masters
    assert (segment.tc_in or "").startswith("01:00:0")
