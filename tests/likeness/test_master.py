"""Sweeping a master: samples along its length, segments merged from them, and the bounds."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import provenance.likeness.sweep as sweep_module
from provenance.errors import UnsupportedVideo
from provenance.likeness.index import NearMatchIndex
from provenance.likeness.master import Lookup, SampleHit, merge, scan_master
from provenance.likeness.sweep import Sweep, aligned_step, sweep
from tests.support.masters import Shot, pan, write_master

av = pytest.importorskip("av")

STEP = 0.5


def swept(duration: float | None = 20.0) -> Sweep:
    return Sweep(Path("master.mov"), 24.0, "01:00:00:00", duration, STEP)


def hits(times: list[float], asset: str = "a" * 64) -> list[SampleHit]:
    return [SampleHit(t, asset, "region", 0.5) for t in times]


def test_neighbouring_samples_merge_and_a_single_miss_does_not_split() -> None:
    found = merge(hits([3.25, 3.75, 4.25, 5.25, 5.75]), swept())
    assert [(s.start, s.end) for s in found] == [(3.0, 6.0)]
    assert (found[0].tc_in, found[0].tc_out) == ("01:00:03:00", "01:00:06:00")


def test_two_misses_split_and_other_assets_are_their_own_segments() -> None:
    found = merge(hits([1.25, 1.75, 3.25]) + hits([1.75, 2.25], "b" * 64), swept())
    assert [(s.start, s.end, s.asset[0]) for s in found] == [
        (1.0, 2.0, "a"), (1.5, 2.5, "b"), (3.0, 3.5, "a")
    ]  # fmt: skip


def test_a_segment_ends_at_the_video_s_end() -> None:
    (segment,) = merge(hits([19.75]), swept(19.9))
    assert segment.end == 19.9


def test_a_near_sample_makes_the_segment_near_with_its_score() -> None:
    mixed = [*hits([1.25]), SampleHit(1.75, "a" * 64, "near", 0.97)]
    (segment,) = merge(mixed, swept())
    assert (segment.kind, segment.score, segment.at) == ("near", 0.97, 1.75)


@given(st.lists(st.integers(0, 40), unique=True, max_size=30))
def test_every_hit_lies_inside_exactly_one_segment(steps: list[int]) -> None:
    times = [k * STEP + STEP / 2 for k in sorted(steps)]
    found = merge(hits(times), swept(None))
    for t in times:
        assert sum(s.start <= t <= s.end for s in found) == 1
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_samples_are_every_half_second_at_their_frame_times(tmp_path: Path) -> None:
    # Four seconds: eight parts of half a second, so the step is exactly 0.5 s.
    master = write_master(tmp_path / "m.mov", [Shot(4, pan(1))])
    with sweep(master) as samples:
        times = [s.time for s in samples]
        assert samples.sweep.incomplete is None
    assert times == pytest.approx([0.25 + 0.5 * k for k in range(8)], abs=1 / 24)


@pytest.mark.parametrize("seconds", [2.0, 3.0, 5.0, 9.0, 61.0, 600.0, 3600.0])
def test_the_step_is_at_most_half_a_second_and_takes_the_eight_moments(seconds: float) -> None:
    step = aligned_step(seconds, STEP)
    assert step <= STEP
    samples = [step * (k + 0.5) for k in range(round(seconds / step))]
    for i in range(8):
        moment = seconds * (i + 0.5) / 8
        assert min(abs(t - moment) for t in samples) < 1e-9


def test_variable_frame_rates_are_followed_by_time(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mkv"
    starts = [0, 40, 1500, 1540, 2900]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=1000)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuvj420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i, ms in enumerate(starts):  # a gap of 1.46 s, then 1.36 s
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 40, np.uint8), "rgb24")
            frame.pts, frame.time_base = ms, Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with sweep(path) as samples:
        shown = [(s.time, float(s.grey.mean())) for s in samples]
    # Each moment samples the frame on screen then, however long it is held.
    assert len(shown) >= 6
    for when, value in shown:
        on_screen = max(i for i, ms in enumerate(starts) if ms / 1000 <= when + 1e-6)
        assert value == pytest.approx(on_screen * 40, abs=6), (when, value)


def test_a_ten_hour_file_is_swept_to_the_limit_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep_module, "MAX_SWEPT", 3600.0)
    path = tmp_path / "long.mkv"
    with av.open(str(path), "w") as out:  # a frame a minute for ten hours: 600 tiny frames
        stream = out.add_stream("mjpeg", rate=Fraction(1, 60))
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuvj420p"
        for i in range(600):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i % 250, np.uint8), "rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    scan = scan_master(path, Lookup(NearMatchIndex(), None))
    assert scan.incomplete is not None and "first 1 hours" in scan.incomplete
    assert 3500 <= scan.swept <= 3700


def test_a_sweep_slower_than_its_clock_stops_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep_module, "BASE_SECONDS", -1.0)
    master = write_master(tmp_path / "m.mov", [Shot(2, pan(1))])
    scan = scan_master(master, Lookup(NearMatchIndex(), None))
    assert scan.incomplete is not None and "too slow" in scan.incomplete


def test_an_audio_only_file_has_no_picture_to_sweep(tmp_path: Path) -> None:
    path = tmp_path / "sound.mov"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 4800), np.int16), "s16", "mono")
        frame.sample_rate = 48000
        out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with pytest.raises(UnsupportedVideo), sweep(path):
        pass
