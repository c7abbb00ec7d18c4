"""Feature rows: local features of generated pictures, stored as opaque blobs on both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from provenance.store import AssetFeatures, FeatureIn, Ledger, StoredFeatures
from provenance.store.schema import head_revision
from tests.support.factories import fake_sha
from tests.support.factories import record_kind as record
from tests.support.old_schema import insert_fingerprint, insert_generated_image, migrated_to


def picture(sha: str, frame: int = 0, data: bytes | None = None) -> FeatureIn:
    """Features of one picture of ``sha``, their blob made from its name unless given."""
    blob = data if data is not None else f"{sha}:{frame}".encode()
    return FeatureIn(sha, "ok", blob, count=len(blob), width=640, height=360, frame=frame)


def moments(sha: str, count: int) -> list[FeatureIn]:
    return [picture(sha, frame) for frame in range(count)]


def load_all(ledger: Ledger, batch: int) -> Iterator[StoredFeatures]:
    after = 0
    while page := ledger.features.genai_page(after, batch):
        yield from page
        after = page[-1].row_id


def test_a_clip_keeps_one_row_per_moment(ledger: Ledger) -> None:
    sha = record(ledger, "clip", "video")
    ledger.features.save(moments(sha, 4))
    stored = ledger.features.of(sha)
    assert stored is not None and stored.status == "ok" and stored.reason is None
    assert [(p.frame, p.data, p.width, p.height) for p in stored.pictures] == [
        (i, f"{sha}:{i}".encode(), 640, 360) for i in range(4)
    ]
    assert ledger.features.status_of(sha) == "ok"
    assert ledger.features.of(fake_sha("never")) is None
    assert ledger.features.status_of(fake_sha("never")) is None


def test_saving_again_replaces_every_row_of_the_asset(ledger: Ledger) -> None:
    sha, other = record(ledger, "clip", "video"), record(ledger, "other", "video")
    ledger.features.save(moments(sha, 5) + moments(other, 2))
    ledger.features.save([picture(sha, 0, b"again")])
    found = ledger.features.many([sha, other, fake_sha("never")])
    assert set(found) == {sha, other}
    assert [p.data for p in found[sha].pictures] == [b"again"]
    assert len(found[other].pictures) == 2
    ledger.features.save([FeatureIn(sha, "undecodable", reason="cannot decode video")])
    assert ledger.features.of(sha) == AssetFeatures("undecodable", "cannot decode video")


def test_pages_follow_row_ids_across_batches(ledger: Ledger) -> None:
    shas = [record(ledger, f"still{i}") for i in range(5)]
    clip = record(ledger, "clip", "video")
    ledger.features.save([picture(sha) for sha in shas] + moments(clip, 3))
    loaded = list(load_all(ledger, batch=3))
    assert [p.row_id for p in loaded] == sorted({p.row_id for p in loaded})
    assert [(p.sha256, p.frame) for p in loaded] == [(s, 0) for s in shas] + [
        (clip, i) for i in range(3)
    ]
    last = loaded[-1].row_id
    ledger.features.save([picture(shas[0], 0, b"replaced")])  # new rows come with new ids
    assert [(p.sha256, p.data) for p in ledger.features.genai_page(last)] == [
        (shas[0], b"replaced")
    ]
    assert ledger.features.genai_page(last + 1) == []


def test_only_the_ok_rows_of_generated_assets_are_paged(ledger: Ledger) -> None:
    generated, camera = record(ledger, "gen"), record(ledger, "cam", verdict="unknown")
    flat = record(ledger, "flat")
    ledger.features.save([picture(generated), picture(camera)])
    ledger.features.save([FeatureIn(flat, "empty", count=0, width=64, height=64, reason="flat")])
    assert [p.sha256 for p in load_all(ledger, batch=1)] == [generated]
    assert ledger.features.of(camera) is not None  # stored, but never indexed


def test_waiting_assets_are_generated_pictures_present_here(ledger: Ledger) -> None:
    still, clip = record(ledger, "still"), record(ledger, "clip", "video")
    done = record(ledger, "done")
    record(ledger, "cam", verdict="unknown")
    record(ledger, "voice", "audio")
    record(ledger, "elsewhere", host="otherhost")
    record(ledger, "gone")
    ledger.record_removed(["/show/gone.png"])
    ledger.features.save([picture(done)])
    assert dict(ledger.features.missing()) == {still: "/show/still.png", clip: "/show/clip.mp4"}
    assert ledger.features.missing(kinds=("image",)) == [(still, "/show/still.png")]
    assert ledger.features.missing([clip, done]) == [(clip, "/show/clip.mp4")]


def test_waiting_assets_come_a_page_at_a_time_in_sha_order(ledger: Ledger) -> None:
    shas = sorted(record(ledger, f"still{i}") for i in range(7))
    pages, after = [], None
    while page := ledger.features.missing(limit=3, after=after):
        pages.append(page)
        after = page[-1][0]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [sha for page in pages for sha, _ in page] == shas


def test_errors_are_recorded_with_their_reason(ledger: Ledger) -> None:
    sha, fine = record(ledger, "broken"), record(ledger, "fine")
    failed = FeatureIn(sha, "error", reason="decoder crashed (MemoryError): /show/broken.png")
    ledger.features.save([failed, picture(fine)])
    assert ledger.features.of(sha) == AssetFeatures("error", failed.reason)
    assert ledger.features.status_of(sha) == "error"
    assert ledger.features.missing() == []  # recorded: the stage's retries decide when again
    assert ledger.features.totals() == {"error": 1, "ok": 1}


@pytest.mark.parametrize(
    "broken",
    [
        {"status": "ok"},  # no blob
        {"status": "ok", "data": b"x"},  # no size
        {"status": "ok", "data": b"x", "width": 1, "height": 1, "reason": "why?"},
        {"status": "empty"},  # no reason
        {"status": "error", "data": b"x", "reason": "half done"},
        {"status": "lost", "reason": "not a status"},
    ],
)
def test_a_row_must_say_either_its_features_or_why_none(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="feature"):
        FeatureIn("ab" * 32, **broken)  # type: ignore[arg-type]


def test_the_ledger_refuses_a_blob_on_a_row_that_is_not_ok(ledger: Ledger) -> None:
    sha = record(ledger, "still")
    row = FeatureIn(sha, "empty", reason="flat")
    object.__setattr__(row, "data", b"stray")  # past the record's own check, as a bug would
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        ledger.features.save([row])


def test_the_same_picture_cannot_be_stored_twice(ledger: Ledger) -> None:
    sha = record(ledger, "clip", "video")
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        ledger.features.save(moments(sha, 2) + moments(sha, 1))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blob=st.binary(min_size=1, max_size=4096))
def test_blobs_come_back_byte_for_byte(ledger: Ledger, blob: bytes) -> None:
    sha = fake_sha("still")
    if ledger.features.status_of(sha) is None:
        record(ledger, "still")
    ledger.features.save([picture(sha, 0, blob)])
    stored = ledger.features.of(sha)
    assert stored is not None and stored.pictures[0].data == blob
    [paged] = ledger.features.genai_page(stored.pictures[0].row_id - 1)
    assert type(paged.data) is bytes and paged.data == blob


def test_a_large_blob_is_fine(ledger: Ledger) -> None:
    sha = record(ledger, "plate")
    blob = os.urandom(200_000)
    ledger.features.save([picture(sha, 0, blob)])
    [paged] = ledger.features.genai_page()
    assert paged.data == blob
    stored = ledger.features.of(sha)
    assert stored is not None and stored.pictures == (paged,)


def test_pages_are_read_in_index_order_without_sorting(tmp_path: Path) -> None:
    """On SQLite, whose planner would otherwise sort every generated row for each page."""
    with Ledger(f"sqlite:///{tmp_path}/plan.sqlite3", host="testhost") as ledger:
        sha = record(ledger, "still")
        ledger.features.save([picture(sha)])
        seen: list[tuple[str, Any]] = []
        event.listen(ledger._engine, "before_cursor_execute", lambda *a: seen.append(a[2:4]))
        ledger.features.genai_page()
        ledger.features.missing(after=sha[:8])
        plans = []
        with ledger._engine.connect() as conn:
            for sql, params in [s for s in seen if s[0].lstrip().startswith("SELECT")]:
                found = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
                plans.append(" / ".join(str(row[-1]) for row in found))
    assert len(plans) == 2 and not [plan for plan in plans if "TEMP B-TREE" in plan]
    assert "USING INDEX ix_features_status_id (status=? AND id>?)" in plans[0]
    assert "USING INDEX ix_assets_verdict_sha256 (verdict=? AND sha256>?)" in plans[1]


def test_upgrade_from_0006_keeps_what_was_recorded(old_url: str) -> None:
    sha = "cd" * 32
    with migrated_to(old_url, "0006") as conn:
        insert_generated_image(conn, sha, "/show/a.png")
        insert_fingerprint(conn, sha, 7, -8)
    before, after = Ledger.init(old_url)[1:]
    assert (before, after) == ("0006", head_revision())
    with Ledger(old_url, host="testhost") as ledger:
        assert ledger.assets.get(sha) is not None
        assert ledger.fingerprints.many([sha])[sha].hashes == ((7, -8),)
        assert ledger.features.missing() == [(sha, "/show/a.png")]
        ledger.features.save([picture(sha)])
        assert [p.sha256 for p in ledger.features.genai_page()] == [sha]
        assert ledger.events.verify().ok
