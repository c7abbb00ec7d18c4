"""Sampling a video's moments: what is decoded, how copies compare, and what hostile files get."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from provenance.errors import UndecodableVideo, UnreadableFile
from provenance.likeness import video as video_frames
from provenance.likeness.describe import describe_clip
from provenance.likeness.fingerprint import Fingerprint, fingerprint_file, fingerprint_luma
from provenance.likeness.index import NearMatchIndex, match_clip
from provenance.likeness.sweep import sweep
from provenance.likeness.video import sample_frames
from tests.support.videos import (
    FRAMES,
    REENCODES,
    SUFFIX,
    Encoding,
    clip,
    moving_frames,
    remux_stripped,
    solid_clip,
    without_codec,
    write_clip,
)

av = pytest.importorskip("av")

ORIGINAL_ID = "0" * 64


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("clips") / "original.mp4", 1)


def prints(path: Path) -> tuple[Fingerprint, ...]:
    result = fingerprint_file(path)
    assert result.status == "ok", result
    return result.frames


def grey_fingerprint(rgb: np.ndarray) -> Fingerprint:
    luma = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float32) / np.float32(255)
    found = fingerprint_luma(luma)
    assert found is not None
    return found


def test_eight_moments_spread_evenly_in_time_order(original: Path) -> None:
    sampled = sample_frames(original)
    assert (sampled.width, sampled.height, sampled.codec) == (160, 120, "h264")
    assert len(sampled.lumas) == 8
    assert all(luma.shape == (120, 160) and luma.dtype == np.float32 for luma in sampled.lumas)
    source = [grey_fingerprint(rgb) for rgb in moving_frames(1)]
    for moment, luma in enumerate(sampled.lumas):
        fp = fingerprint_luma(luma)
        assert fp is not None
        nearest = min(range(FRAMES), key=lambda i: sum(fp.distances(source[i])))
        # the middle of each eighth of 64 frames: frames 4, 12, ..., 60
        assert abs(nearest - (8 * moment + 4)) <= 1, (moment, nearest)


def test_a_video_is_fingerprinted_whatever_its_name_says(original: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "frame.png"
    disguised.write_bytes(original.read_bytes())
    for path in (original, disguised):
        result = fingerprint_file(path)
        assert (result.status, result.kind, result.format) == ("ok", "video", "h264")
        assert len(result.frames) == 8 and result.fingerprint is None
        assert result.fingerprints == result.frames


@pytest.mark.parametrize("name", [*REENCODES, "stripped"])
def test_copies_match_their_original_on_every_moment(
    original: Path, tmp_path: Path, name: str
) -> None:
    if name == "stripped":
        copy = remux_stripped(original, tmp_path / "stripped.mov")
    else:
        copy = clip(tmp_path / f"copy{SUFFIX.get(name, '.mp4')}", 1, REENCODES[name])
    index = NearMatchIndex()
    index.add_fingerprints((ORIGINAL_ID, fp) for fp in prints(original))
    found = match_clip(index, prints(copy))
    assert found is not None
    assert (found.asset, found.matched, found.sampled) == (ORIGINAL_ID, 8, 8)
    assert found.distance <= 10


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_sideways_phone_clip_matches_its_upright_reencode(
    original: Path, tmp_path: Path, degrees: int
) -> None:
    # The phone stores its pixels turned back by the display rotation; players
    # (and FFmpeg re-encoding) turn them by it, which gives the upright clip.
    if not hasattr(av.video.stream.VideoStream, "set_display_rotation"):
        pytest.skip("this PyAV cannot write a display rotation (PyAV 18 can)")
    turns = degrees // 90
    sideways = (np.ascontiguousarray(np.rot90(rgb, -turns)) for rgb in moving_frames(1))
    phone = write_clip(tmp_path / "phone.mov", sideways, rotation=degrees)
    sampled = sample_frames(phone)
    assert (sampled.width, sampled.height) == (160, 120)  # as shown, not as stored
    index = NearMatchIndex()
    index.add_fingerprints((ORIGINAL_ID, fp) for fp in prints(original))
    found = match_clip(index, prints(phone))
    assert found is not None and (found.asset, found.matched) == (ORIGINAL_ID, 8)


class _Turned:
    def __init__(self, rotation: object) -> None:
        self.rotation = rotation


@pytest.mark.parametrize(
    ("rotation", "turns"), [(0, 0), (90, 1), (-90, 3), (180, 2), (-180, 2), (270, 3), (45, 0),
                            (None, 0), (89.6, 1)],
)  # fmt: skip
def test_quarter_turns_from_the_display_rotation(rotation: object, turns: int) -> None:
    assert video_frames.quarter_turns(_Turned(rotation)) == turns  # type: ignore[arg-type]


def test_unrelated_clips_do_not_match(original: Path, tmp_path: Path) -> None:
    index = NearMatchIndex()
    index.add_fingerprints((ORIGINAL_ID, fp) for fp in prints(original))
    for seed in (2, 3, 4):
        assert match_clip(index, prints(clip(tmp_path / f"{seed}.mp4", seed))) is None


def test_a_truncated_video_keeps_the_moments_before_the_cut(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", moving_frames(1), faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    result = fingerprint_file(cut)
    assert result.status == "ok" and 1 <= len(result.frames) < 8


def test_a_truncated_video_without_its_index_is_undecodable(original: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(original.read_bytes()[: original.stat().st_size // 2])  # moov is at the end
    result = fingerprint_file(cut)
    assert result.status == "undecodable" and not result.ok
    assert result.reason is not None and "cannot decode video" in result.reason


def test_damaged_packets_are_skipped(original: Path, tmp_path: Path) -> None:
    data = bytearray(original.read_bytes())
    rng = random.Random(1)
    for _ in range(30):  # in the first third of the frames: the last moments are intact
        data[rng.randrange(1000, len(data) // 3)] = rng.randrange(256)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    result = fingerprint_file(damaged)
    assert result.status == "ok"
    intact = prints(original)
    assert sum(any(fp.matches(o) for o in intact) for fp in result.frames) >= 4


@pytest.mark.parametrize(
    "content",
    [b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40, b"\x1a\x45\xdf\xa3" + b"\xff" * 500],
    ids=["mp4-garbage", "mkv-garbage"],
)
def test_garbage_behind_a_video_magic_is_undecodable(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "clip.bin"
    path.write_bytes(content)
    result = fingerprint_file(path)
    assert (result.status, result.kind) == ("undecodable", "video")
    assert result.reason is not None and str(path) in result.reason


def test_a_stream_that_names_no_codec_is_undecodable(original: Path, tmp_path: Path) -> None:
    damaged = without_codec(original, tmp_path / "nocodec.mp4")
    with av.open(str(damaged)) as container:
        assert container.streams.video[0].codec_context is None  # what the damage does
    result = fingerprint_file(damaged)
    assert result.status == "undecodable"
    assert result.reason is not None and "names no codec" in result.reason
    with pytest.raises(UndecodableVideo, match="names no codec"), sweep(damaged):
        pass
    [described] = describe_clip(damaged)  # a generated clip's pictures, in a worker: no crash
    assert described.status == "undecodable"


def test_a_video_without_a_video_stream_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), "fltp", "mono")
        frame.sample_rate = 48000
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    result = fingerprint_file(path)
    assert result.status == "unsupported"
    assert result.reason is not None and "no video stream" in result.reason


def test_flat_and_tiny_videos_say_why_they_have_no_fingerprint(tmp_path: Path) -> None:
    grey = (np.full((120, 160, 3), 128, np.uint8) for _ in range(24))
    assert fingerprint_file(write_clip(tmp_path / "slate.mp4", grey)).status == "flat"
    tiny = fingerprint_file(clip(tmp_path / "tiny.mp4", 1, Encoding(size=(16, 16))))
    assert (tiny.status, tiny.width, tiny.height) == ("too_small", 16, 16)


def test_a_video_of_unknown_duration_samples_its_first_frames(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_frames, "_span", lambda container, stream: None)
    monkeypatch.setattr(video_frames, "UNTIMED_FRAMES", 16)
    sampled = sample_frames(original)
    source = [grey_fingerprint(rgb) for rgb in list(moving_frames(1))[:16]]
    taken = [fingerprint_luma(luma) for luma in sampled.lumas]

    def closest(fp: Fingerprint) -> int:
        return min(range(16), key=lambda i: sum(fp.distances(source[i])))

    nearest = [closest(fp) for fp in taken if fp is not None]
    assert nearest == [1, 3, 5, 7, 9, 11, 13, 15]


def test_a_moment_beyond_the_preroll_limit_is_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_keyframe = clip(tmp_path / "long_gop.mp4", 1, REENCODES["keyframes_250"])
    monkeypatch.setattr(video_frames, "STRAIGHT_THROUGH", 0.0)  # seek for every moment
    monkeypatch.setattr(video_frames, "MAX_PREROLL", 8)
    # Every seek lands on frame 0: only the first moment (frame 4) is within 8 frames of it.
    assert len(sample_frames(one_keyframe).lumas) == 1
    monkeypatch.setattr(video_frames, "MAX_PREROLL", 2)
    with pytest.raises(UndecodableVideo, match="no moment"):
        sample_frames(one_keyframe)


def test_the_frame_budget_keeps_what_was_decoded(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_frames, "MAX_DECODED", 10)
    assert len(sample_frames(original).lumas) == 1  # frame 4 reached, frame 12 not
    monkeypatch.setattr(video_frames, "MAX_DECODED", 2)
    result = fingerprint_file(original)
    assert result.status == "undecodable"
    assert result.reason is not None and "gave up after 2 frames" in result.reason


def test_the_clock_gives_up_and_asks_for_a_retry(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_frames, "TIME_LIMIT", 0.0)
    result = fingerprint_file(original)
    assert result.status == "error"  # not stored: the next scan tries again
    assert result.reason is not None and "gave up after 0 s" in result.reason


def test_oversized_frames_are_refused(original: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video_frames, "MAX_PIXELS", 160 * 120 - 1)
    result = fingerprint_file(original)
    assert result.status == "undecodable"
    assert result.reason is not None and "video refused" in result.reason


def test_other_files_named_in_a_video_are_never_opened(
    original: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shot.mp4").write_bytes(original.read_bytes())
    listing = tmp_path / "list.mp4"
    listing.write_text("ffconcat version 1.0\nfile 'shot.mp4'\n")
    with pytest.raises(UndecodableVideo):  # the concat demuxer is not allowed
        sample_frames(listing)
    monkeypatch.setattr(video_frames, "DEMUXERS", f"{video_frames.DEMUXERS},concat")
    with pytest.raises(UndecodableVideo):  # and were it, it could not open the shot
        sample_frames(listing)


def test_a_playlist_never_reaches_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_frames, "DEMUXERS", f"{video_frames.DEMUXERS},hls")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        playlist = tmp_path / "clip.m3u8"  # FFmpeg's HLS demuxer reads only playlists so named
        playlist.write_text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
            f"#EXTINF:2,\nhttp://127.0.0.1:{port}/segment.ts\n#EXT-X-ENDLIST\n"
        )
        with pytest.raises(UndecodableVideo, match="video refused: it names another resource"):
            sample_frames(playlist)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    magic=st.sampled_from(
        [
            b"\x00\x00\x00\x18ftypisom",
            b"\x00\x00\x00\x14ftypqt  ",
            b"\x1a\x45\xdf\xa3",
            b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02",
            b"RIFF\x00\x00\x00\x00AVI ",
        ]
    ),
    body=st.binary(max_size=4000),
)
def test_random_bytes_behind_a_video_magic_never_raise(
    magic: bytes, body: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "fuzz.bin"
    path.write_bytes(magic + body)
    result = fingerprint_file(path)
    assert result.kind == "video"
    assert result.status in {"ok", "flat", "too_small", "unsupported", "undecodable", "error"}


def test_the_poster_frame_is_in_colour(tmp_path: Path) -> None:
    poster = video_frames.poster_frame(solid_clip(tmp_path / "red.mp4", (200, 30, 40)), side=64)
    assert poster.dtype == np.uint8 and poster.shape[2] == 3
    assert min(poster.shape[:2]) >= 64  # reduced by whole steps, never below the side asked
    red, green, blue = (float(poster[40:, :, c].mean()) for c in range(3))
    assert red > 150 and green < 80 and blue < 80


def test_the_poster_frame_is_upright(tmp_path: Path) -> None:
    sideways = solid_clip(tmp_path / "phone.mp4", (20, 160, 40), rotation=90)
    poster = video_frames.poster_frame(sideways, side=64)
    assert poster.shape[:2] == (160, 96)  # turned as players show it
    assert float(poster[:, :12].mean()) > 200 or float(poster[:, -12:].mean()) > 200


def test_the_poster_frame_is_decoded_within_the_limits(
    original: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(video_frames, "TIME_LIMIT", 0.0)
    with pytest.raises(UnreadableFile, match="gave up after 0 s"):
        video_frames.poster_frame(original, side=64)
    monkeypatch.setattr(video_frames, "TIME_LIMIT", 30.0)
    monkeypatch.setattr(video_frames, "MAX_PIXELS", 160 * 120 - 1)
    with pytest.raises(UndecodableVideo, match="video refused"):
        video_frames.poster_frame(original, side=64)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(UndecodableVideo):
        video_frames.poster_frame(garbage, side=64)
