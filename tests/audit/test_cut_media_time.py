"""Where a clip's source range falls in its video: the video's timecode against the clip's.

A video's segments of generated material are in seconds from its first
frame, with their timecode; a clip's source range is in the media's
timecode, at the clip's rate. These cuts place a clip where the two
disagree: a drop-frame video in a 24 fps cut, a video whose timecode
passes midnight.
"""

from __future__ import annotations

import opentimelineio as otio

from provenance.audit.cut import used_seconds
from provenance.audit.cut_read import CutClip
from provenance.likeness.master import Segment

RT = otio.opentime.RationalTime


def _clip(start: float, frames: float, rate: float) -> CutClip:
    span = otio.opentime.TimeRange(RT(start, rate), RT(frames, rate))
    item = otio.schema.Clip(
        name="c", media_reference=otio.schema.ExternalReference(target_url="m.mov"),
        source_range=span,
    )  # fmt: skip
    return CutClip("V1", "video", 1, "c", span, span, item)


def _segment(start: float, end: float, tc_in: str) -> Segment:
    return Segment(start, end, tc_in, tc_in, "a" * 64, "near", 1.0)


def test_a_drop_frame_video_in_a_24_fps_cut_is_placed_by_its_own_timecode() -> None:
    # The video starts at 00:59:59;00 (29.97 drop frame); its generated still is 3-5 s in,
    # 01:00:02;00 on its clock. The clip uses 01:00:02:00, counted at 24 fps: the still.
    # Read at 24 fps the ';' timecode failed, and the clip was placed an hour in.
    clip = _clip((3600 + 2) * 24, 24, 24)
    used = used_seconds(clip, [_segment(3.0, 5.0, "01:00:02;00")])
    assert used is not None
    assert abs(used[0] - 3.0) < 0.05 and abs(used[1] - 4.0) < 0.05


def test_a_clip_before_midnight_in_a_video_that_runs_past_it() -> None:
    # The video starts at 23:59:59:00; the segment read is after midnight (00:00:00:12 is
    # 1.5 s in). The clip uses its first 24 frames, from 23:59:59:00.
    clip = _clip((24 * 3600 - 1) * 24, 24, 24)
    used = used_seconds(clip, [_segment(1.5, 2.5, "00:00:00:12")])
    assert used is not None
    assert abs(used[0]) < 0.05 and abs(used[1] - 1.0) < 0.05


def test_a_timecode_no_rate_reads_leaves_every_stretch_counting() -> None:
    clip = _clip(100, 24, 24)
    assert used_seconds(clip, [_segment(1.0, 2.0, "01:00:00:27")]) is None


def test_a_range_counted_from_the_first_frame_stays_so() -> None:
    clip = _clip(72, 24, 24)  # 3 s in, though the video's timecode starts at 01:00:00:00
    assert used_seconds(clip, [_segment(3.0, 4.0, "01:00:03:00")]) == (3.0, 4.0)
