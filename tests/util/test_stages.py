"""The progress model: each stage's count, bytes, rates and time, with a clock tests move."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provenance.util.stages import Stage, StageTally, human_bytes


class Clock:
    def __init__(self) -> None:
        self.at = 100.0

    def __call__(self) -> float:
        return self.at


def test_each_step_is_charged_the_time_since_the_last_report() -> None:
    clock = Clock()
    tally = StageTally(clock)
    tally.begin("reading", total=2, total_bytes=3 * 1024 * 1024)
    clock.at += 1.0
    tally.item("reading", 1024 * 1024)
    clock.at += 1.0
    tally.item("reading", 2 * 1024 * 1024)
    clock.at += 0.5  # recording what vanished: still reading
    tally.end("reading")
    clock.at += 10.0  # the first fingerprint takes its time: it is the fingerprints' time
    tally.item("fingerprints", unit="pictures")
    clock.at += 2.0
    tally.item("descriptions", unit="pictures")
    reading, prints, described = tally.stages.values()
    assert (reading.done, reading.bytes, reading.seconds) == (2, 3 * 1024 * 1024, 2.5)
    assert (prints.unit, prints.done, prints.seconds) == ("pictures", 1, 10.0)
    assert described.seconds == 2.0 and tally.seconds == 14.5
    assert reading.fields() == {
        "count": "2/2 files", "size": "3.0/3.0 MiB", "rate": "0.8 files/s, 1.2 MiB/s"
    }  # fmt: skip
    assert prints.fields() == {"count": "1 pictures", "size": "", "rate": "0.1 pictures/s"}


def test_the_words_a_bar_shows() -> None:
    stage = Stage("reading", "files", 3000, 29_614_776, 2561, 25_280_143, 2.4)
    assert stage.fields() == {
        "count": "2,561/3,000 files", "size": "24.1/28.2 MiB", "rate": "1,067 files/s, 10.0 MiB/s"
    }  # fmt: skip
    small = Stage("reading", "files", 3000, 29_614_776, 5, 500_000, 2.5)
    assert small.fields()["size"] == "488.3 KiB/28.2 MiB"  # the units differ: both said
    assert Stage("walk").fields() == {"count": "0 files", "size": "", "rate": ""}
    assert Stage("walk", done=3, seconds=1.0).to_dict() == {
        "stage": "walk", "unit": "files", "count": 3, "bytes": 0, "seconds": 1.0
    }  # fmt: skip


@given(st.floats(min_value=0, max_value=2**60, allow_nan=False))
def test_human_bytes_keeps_the_value_within_its_unit(count: float) -> None:
    number, unit = human_bytes(count).split(" ")
    assert unit in ("B", "KiB", "MiB", "GiB", "TiB")
    assert float(number) < 1024 or unit == "TiB"
    scale = 1024 ** ("B", "KiB", "MiB", "GiB", "TiB").index(unit)
    assert abs(float(number) * scale - count) <= 0.05 * scale + 0.5
