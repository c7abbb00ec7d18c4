"""Media identity in the ledger: stored, chained in ``detected``, rebuilt by ``verify``, found."""

from __future__ import annotations

import dataclasses

from sqlalchemy import text

from provenance.store import Ledger, Observation
from provenance.store.engine import make_engine
from provenance.store.schema import head_revision
from tests.support.factories import fake_sha, observation
from tests.support.old_schema import insert_generated_image, migrated_to

UMID = "060a2b340101010501010d0013182f765294713483182f760052947134831800"


def seen(label: str, path: str, kind: object = "video", **identity: object) -> Observation:
    """Content ``label`` at ``path``, a video unless said, with these identity fields."""
    obs = observation(label, path)
    facts = dataclasses.replace(obs.asset, kind=kind, **identity)  # type: ignore[arg-type]
    return dataclasses.replace(obs, asset=facts)


A001 = {"timecode": "01:00:10:00", "tc_rate": 24.0, "tc_start": 3610.0, "tc_length": 2.0,
        "reel": "A001", "umid": UMID}  # fmt: skip


def test_identity_is_stored_and_chained_in_the_detected_event(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/A001.mxf", **A001)])
    asset = ledger.assets.get(fake_sha("a"))
    assert asset is not None
    assert {k: getattr(asset, k) for k in A001} == A001
    [event] = [e for e in ledger.events.of(fake_sha("a")) if e.type == "detected"]
    assert {k: event.details[k] for k in A001} == A001
    assert ledger.state.verify().ok


def test_a_changed_reel_or_umid_is_named_by_verify(ledger: Ledger) -> None:
    ledger.record([seen("a", "/show/A001.mxf", **A001)])
    sha = fake_sha("a")
    engine = make_engine(ledger.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE assets SET reel='B999', umid=NULL WHERE sha256=:s"), {"s": sha})
    engine.dispose()
    texts = sorted(d.text for d in ledger.state.verify().differences)
    assert texts == [
        f"asset {sha[:12]} reel: ledger says B999, events say A001 (event 1)",
        f"asset {sha[:12]} umid: ledger says nothing, events say {UMID} (event 1)",
    ]
    assert list(ledger.state.check([sha])) == [sha]


def test_assets_without_identity_keep_verifying(ledger: Ledger) -> None:
    ledger.record([observation("old", "/show/old.png")])
    [event] = ledger.events.of(fake_sha("old"))
    assert "reel" not in event.details and "timecode" not in event.details
    asset = ledger.assets.get(fake_sha("old"))
    assert asset is not None and (asset.reel, asset.tc_start, asset.umid) == (None, None, None)
    assert ledger.state.verify().ok


def test_candidates_are_found_by_name_reel_and_umid(ledger: Ledger) -> None:
    ledger.record([
        seen("a", "/show/cam/A001.mxf", **A001),
        seen("b", "/show/cam/B002.mov", reel="B002", tc_start=7200.0, tc_length=2.0),
        seen("f", "/show/scan/f.0001.dpx", kind="image", reel="B002", tc_start=7200.0),
        seen("c", "/show/other/c.mov"),
    ])  # fmt: skip
    by_name = ledger.locations.candidates({"c.mov"}, (), ())
    assert [(c.path, c.reel) for c in by_name] == [("/show/other/c.mov", None)]
    by_reel = ledger.locations.candidates((), {"B002"}, ())
    assert [c.path for c in by_reel] == ["/show/cam/B002.mov"]  # frames are not found by reel
    [by_umid] = ledger.locations.candidates((), (), {UMID})
    assert (by_umid.path, by_umid.tc_start, by_umid.tc_length) == ("/show/cam/A001.mxf", 3610, 2)
    ledger.record_removed(["/show/cam/A001.mxf"])
    assert ledger.locations.candidates({"A001.mxf"}, {"A001"}, {UMID}) == []


def test_upgrade_from_0009_leaves_old_rows_without_identity(old_url: str) -> None:
    sha = "ab" * 32
    with migrated_to(old_url, "0009") as conn:
        insert_generated_image(conn, sha, "/show/a.png")
    before, after = Ledger.init(old_url)[1:]
    assert (before, after) == ("0009", head_revision())
    with Ledger(old_url, host="testhost") as ledger:
        asset = ledger.assets.get(sha)
        assert asset is not None and (asset.timecode, asset.reel, asset.umid) == (None, None, None)
        ledger.record([seen("new", "/show/A001.mxf", **A001)])
        [found] = ledger.locations.candidates((), (), {UMID})
        assert found.sha256 == fake_sha("new")
