"""SMPTE timecode from seconds: non-drop and drop frame, from any start."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.likeness.timecode import BadTimecode, Clock, timecode

NTSC = 30000 / 1001


@pytest.mark.parametrize(
    ("seconds", "rate", "start", "expected"),
    [
        (0.0, 24, None, "00:00:00:00"),
        (3.0, 24, "01:00:10:00", "01:00:13:00"),
        (5.5, 25, "10:00:00:00", "10:00:05:13"),
        (1 / 24, 24000 / 1001, "00:59:59:23", "01:00:00:00"),
        (60.0, NTSC, "00:00:00;00", "00:00:59;28"),  # 1798 frames: labels 00 and 01 skipped after
        (1800 / NTSC, NTSC, "00:00:00;00", "00:01:00;02"),
        (600.0, NTSC, "00:00:00;00", "00:10:00;00"),  # the tenth minute keeps its labels
        (0.0, NTSC, "01:00:00;00", "01:00:00;00"),
        (86400.0, 24, "00:00:00:00", "00:00:00:00"),  # wraps at 24 hours
    ],
)
def test_known_timecodes(seconds: float, rate: float, start: str | None, expected: str) -> None:
    assert timecode(seconds, rate, start) == expected


def test_a_start_that_is_not_a_timecode_counts_from_zero() -> None:
    assert timecode(2.0, 24, "not a timecode") == "00:00:02:00"
    with pytest.raises(BadTimecode):
        Clock.of("1:2:3", 24)


@given(frames=st.integers(0, 30 * 3600 * 24 - 1))
def test_drop_frame_never_shows_a_skipped_label(frames: int) -> None:
    shown = Clock.of("00:00:00;00", NTSC).at(frames / NTSC, NTSC)
    _hours, minutes, seconds, label = map(int, re.split("[:;]", shown))
    assert not (seconds == 0 and label in (0, 1) and minutes % 10)


@given(frames=st.integers(0, 30 * 3600 * 23), start=st.integers(0, 30 * 3600))
def test_drop_frame_start_and_offset_add_up(frames: int, start: int) -> None:
    clock = Clock.of("00:00:00;00", NTSC)
    begin = clock.at(start / NTSC, NTSC)
    later = Clock.of(begin, NTSC).at(frames / NTSC, NTSC)
    assert later == clock.at((start + frames) / NTSC, NTSC)


@given(frames=st.integers(0, 24 * 3600 * 23))
def test_non_drop_counts_every_frame(frames: int) -> None:
    hours, minutes, seconds, label = map(int, timecode(frames / 24, 24, None).split(":"))
    assert ((hours * 60 + minutes) * 60 + seconds) * 24 + label == frames
