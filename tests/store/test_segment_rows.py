"""Segment rows: where videos show generated assets, stored and read back on both backends."""

from __future__ import annotations

from provenance.store import FeatureIn, FingerprintIn, Ledger, SegmentIn
from tests.support.factories import record_kind as record

OUTLINE = ((0.1, 0.2), (0.6, 0.2), (0.6, 0.7), (0.1, 0.7))


def sweep(master: str, still: str, clip: str) -> list[SegmentIn]:
    return [
        SegmentIn(master, 4, 9, hit=still, start=3.0, end=5.0, tc_in="01:00:03:00",
                  tc_out="01:00:05:00", kind="near", score=1.0, at=3.75),
        SegmentIn(master, 4, 9, hit=clip, start=7.0, end=9.5, tc_in="01:00:07:00",
                  tc_out="01:00:09:12", kind="region", score=0.41, at=8.25, outline=OUTLINE),
    ]  # fmt: skip


def test_a_sweep_comes_back_in_time_order_with_its_outline(ledger: Ledger) -> None:
    master = record(ledger, "master", "video", "not_genai")
    still, clip = record(ledger, "still"), record(ledger, "clip", "video")
    ledger.segments.save(sweep(master, still, clip))
    stored = ledger.segments.many([master, still])
    assert list(stored) == [master]
    assert stored[master] == sweep(master, still, clip)


def test_saving_again_replaces_the_whole_sweep(ledger: Ledger) -> None:
    master = record(ledger, "master", "video", "not_genai")
    still, clip = record(ledger, "still"), record(ledger, "clip", "video")
    ledger.segments.save(sweep(master, still, clip))
    nothing = SegmentIn(master, 5, 9)
    ledger.segments.save([nothing])
    assert ledger.segments.many([master]) == {master: [nothing]}
    assert ledger.segments.holding(still, rule=0) == []


def test_holding_names_the_videos_that_show_an_asset(ledger: Ledger) -> None:
    still, clip = record(ledger, "still"), record(ledger, "clip", "video")
    first, second = (record(ledger, name, "video", "unknown") for name in ("reel_a", "reel_b"))
    ledger.segments.save(sweep(first, still, clip) + sweep(second, still, clip))
    held = ledger.segments.holding(clip, rule=0)
    assert [(s.sha256, s.start, s.outline) for s in held] == sorted(
        [(first, 7.0, OUTLINE), (second, 7.0, OUTLINE)]
    )


def test_a_sweep_that_failed_keeps_its_reason(ledger: Ledger) -> None:
    master = record(ledger, "broken", "video", "unknown")
    failed = SegmentIn(master, 1, 1, "undecodable", reason="cannot decode past 3.0 s")
    ledger.segments.save([failed])
    assert ledger.segments.many([master])[master] == [failed]


def test_waiting_videos_are_those_not_generated_and_never_swept(ledger: Ledger) -> None:
    record(ledger, "clip", "video")  # generated: never swept
    record(ledger, "still", "image", "unknown")  # not a video
    camera = record(ledger, "camera", "video", "not_genai")
    swept = record(ledger, "swept", "video", "unknown")
    ledger.segments.save([SegmentIn(swept, 0, 0)])
    assert [sha for sha, _ in ledger.segments.missing(rule=0)] == [camera]


def test_through_counts_generated_rows_only(ledger: Ledger) -> None:
    assert ledger.segments.through() == (0, 0)
    still = record(ledger, "still")
    camera = record(ledger, "camera", "image", "not_genai")
    ledger.fingerprints.save([FingerprintIn(camera, "ok", 1, 2)])
    assert ledger.segments.through()[1] == 0  # a camera picture's fingerprint is not in the index
    ledger.fingerprints.save([FingerprintIn(still, "ok", 3, 4)])
    ledger.features.save([FeatureIn(still, "ok", b"x", 1, 640, 360)])
    features, prints = ledger.segments.through()
    assert features > 0 and prints > 0
