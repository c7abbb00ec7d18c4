"""Fingerprint rows: several per video asset, replaced together, upgraded from one per asset."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy
from sqlalchemy import text

from provenance.store import AssetFingerprints, FingerprintIn, Ledger
from provenance.store.schema import head_revision
from provenance.vocab import Verdict
from tests.support.factories import fake_sha, observation
from tests.support.old_schema import WHEN, insert_generated_image, migrated_to


def record_video(ledger: Ledger, label: str, verdict: Verdict = "genai") -> str:
    seen = observation(label, f"/show/{label}.mp4", verdict=verdict, tool="runway")
    facts = dataclasses.replace(seen.asset, kind="video", mime="video/mp4", format="mp4")
    ledger.record([dataclasses.replace(seen, asset=facts)])
    return fake_sha(label)


def moments(sha: str, count: int, start: int = 0) -> list[FingerprintIn]:
    return [FingerprintIn(sha, "ok", start + i, -(start + i) - 1, frame=i) for i in range(count)]


def test_a_video_keeps_one_row_per_moment(ledger: Ledger) -> None:
    sha = record_video(ledger, "clip")
    ledger.fingerprints.save(moments(sha, 8))
    stored = ledger.fingerprints.many([sha])[sha]
    assert stored == AssetFingerprints("ok", None, tuple((i, -i - 1) for i in range(8)))
    assert ledger.fingerprints.status_of(sha) == "ok"


def test_saving_again_replaces_every_row_of_the_asset(ledger: Ledger) -> None:
    sha, other = record_video(ledger, "clip"), record_video(ledger, "other")
    ledger.fingerprints.save(moments(sha, 8) + moments(other, 2))
    ledger.fingerprints.save(moments(sha, 3, start=100))
    assert ledger.fingerprints.many([sha])[sha].hashes == ((100, -101), (101, -102), (102, -103))
    assert len(ledger.fingerprints.many([other])[other].hashes) == 2
    ledger.fingerprints.save([FingerprintIn(sha, "undecodable", reason="cannot decode video")])
    assert ledger.fingerprints.many([sha])[sha] == AssetFingerprints(
        "undecodable", "cannot decode video"
    )


def test_the_index_loads_every_moment_under_its_asset(ledger: Ledger) -> None:
    generated, unknown = record_video(ledger, "gen"), record_video(ledger, "cam", "unknown")
    ledger.fingerprints.save(moments(generated, 5) + moments(unknown, 5))
    loaded = ledger.fingerprints.genai_page(batch=3)
    loaded += ledger.fingerprints.genai_page(after=loaded[-1].row_id)
    assert [(f.sha256, f.frame, f.grad) for f in loaded] == [(generated, i, i) for i in range(5)]


def test_waiting_assets_are_listed_by_kind(ledger: Ledger) -> None:
    video = record_video(ledger, "clip", "unknown")
    ledger.record([observation("still", "/show/still.png")])
    image = fake_sha("still")
    assert ledger.fingerprints.missing() == [(image, "/show/still.png")]
    assert dict(ledger.fingerprints.missing(kinds=("image", "video"))) == {
        image: "/show/still.png",
        video: "/show/clip.mp4",
    }
    ledger.fingerprints.save(moments(video, 2))
    assert ledger.fingerprints.missing(kinds=("video",)) == []


def test_waiting_assets_come_a_page_at_a_time_in_sha_order(ledger: Ledger) -> None:
    labels = [f"still{i}" for i in range(7)]
    ledger.record([observation(label, f"/show/{label}.png") for label in labels])
    pages, after = [], None
    while page := ledger.fingerprints.missing(limit=3, after=after):
        pages.append(page)
        after = page[-1][0]
    assert [len(page) for page in pages] == [3, 3, 1]
    listed = [sha for page in pages for sha, _ in page]
    assert listed == sorted(fake_sha(label) for label in labels)


def test_an_asset_at_several_paths_is_listed_once(ledger: Ledger) -> None:
    ledger.record([observation("still", "/show/b.png"), observation("still", "/show/a.png")])
    ledger.record([observation("other", "/show/c.png")])
    assert dict(ledger.fingerprints.missing(limit=2)) == {
        fake_sha("still"): "/show/a.png",
        fake_sha("other"): "/show/c.png",
    }


def test_pages_of_the_assets_asked_for(ledger: Ledger) -> None:
    labels = [f"still{i}" for i in range(5)]
    ledger.record([observation(label, f"/show/{label}.png") for label in labels])
    wanted = sorted(fake_sha(label) for label in labels[:4])
    first = ledger.fingerprints.missing(wanted, limit=2)
    rest = ledger.fingerprints.missing(wanted, limit=2, after=first[-1][0])
    assert [sha for sha, _ in first + rest] == wanted
    assert ledger.fingerprints.missing(wanted, after=wanted[-1]) == []


def test_failed_assets_are_those_present_here_whose_row_says_error(ledger: Ledger) -> None:
    labels = ("gone", "locked", "elsewhere", "fine")
    ledger.record([observation(label, f"/show/{label}.png") for label in labels[:2]])
    ledger.record([observation("elsewhere", "/show/e.png", host="otherhost")])
    ledger.record([observation("fine", "/show/b.png"), observation("fine", "/show/a.png")])
    video = record_video(ledger, "clip")
    shas = [fake_sha(label) for label in labels]
    failing = [FingerprintIn(sha, "error", reason=f"why {i}") for i, sha in enumerate(shas)]
    ledger.fingerprints.save([*failing, FingerprintIn(video, "error", reason="video")])
    ledger.fingerprints.save([FingerprintIn(shas[1], "ok", 1, 2)])  # tried again: it worked
    ledger.fingerprints.save([FingerprintIn(shas[3], "error", reason="again")])
    found = ledger.fingerprints.failed()
    assert [(f.sha256, f.path, f.reason) for f in found] == sorted(
        [(shas[0], "/show/gone.png", "why 0"), (shas[3], "/show/a.png", "again")]
    )
    assert all(f.at.tzinfo is not None for f in found)
    assert [f.sha256 for f in ledger.fingerprints.failed([shas[3], shas[1]])] == [shas[3]]
    assert ledger.fingerprints.failed([]) == []
    assert {f.sha256 for f in ledger.fingerprints.failed(kinds=("video",))} == {video}


def test_the_same_moment_cannot_be_stored_twice(ledger: Ledger) -> None:
    sha = record_video(ledger, "clip")
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        ledger.fingerprints.save(moments(sha, 2) + moments(sha, 1))


def test_upgrade_from_0004_keeps_fingerprints_as_frame_0(old_url: str) -> None:
    sha = "cd" * 32
    with migrated_to(old_url, "0004") as conn:
        insert_generated_image(conn, sha)
        conn.execute(text(
            "INSERT INTO fingerprints (asset_sha256, status, grad, dct, computed_at)"
            " VALUES (:sha, 'ok', 7, -8, :t)"
        ), {"sha": sha, "t": WHEN})  # fmt: skip
    ledger, before, after = Ledger.init(old_url)
    with ledger:
        assert (before, after) == ("0004", head_revision())
        assert ledger.fingerprints.many([sha])[sha].hashes == ((7, -8),)
        [loaded] = ledger.fingerprints.genai_page()
        assert (loaded.sha256, loaded.frame, loaded.grad, loaded.dct) == (sha, 0, 7, -8)
        ledger.fingerprints.save(moments(sha, 2))
        assert len(ledger.fingerprints.many([sha])[sha].hashes) == 2
