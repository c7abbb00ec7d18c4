"""The README's walk through the web view on the sample assets: a master's timecodes."""

from __future__ import annotations

import re
from pathlib import Path

from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.web.guard import Guard
from tests.support.files import sha256_of
from tests.web.demo import Demo, make_app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"


def test_the_generated_lighthouse_names_the_master_that_shows_it(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    scan([SAMPLES], ledger, settings)
    demo = Demo(ledger, settings, tmp_path, "", "", "", "", "", (), "")
    client = make_app(demo, Guard.for_host("127.0.0.1", None, None), tmp_path / "t").test_client()
    lighthouse = sha256_of(SAMPLES / "genai" / "sd_a1111.png")
    page = client.get(f"/asset/{lighthouse}").get_data(as_text=True)
    masters = page[page.index("Masters and cuts") :]
    master = sha256_of(SAMPLES / "deliverables" / "edit" / "shot010_review_master.mp4")
    assert f'href="/asset/{master}"' in masters
    assert re.search(r"01:00:02:00\s*\u2013\s*01:00:04:00", masters)
    results = client.get("/?q=shot010_plate").get_data(as_text=True)
    # Each asset is named by its first present copy: frames 1001-1003 were also delivered.
    assert "deliverables/plates/shot010_plate.1001-1003#.tif" in results
    assert "sequence/shot010_plate.1004-1005#.tif" in results
    assert "shot010_plate.1001.tif" not in results  # frames are grouped, never listed alone
