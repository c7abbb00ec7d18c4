"""A sweep sees a video to the end its file states, or says it did not.

A master cut short at a packet boundary decodes cleanly: no damaged packet
says anything is missing, and the last frame used to be held to the length
the file states, so generated material in the lost part passed the gate.
These videos are built here: an MP4 whose index names frames past its last
byte, a Matroska file cut short, a video track with no frame, and a
one-frame video whose file states no length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provenance.likeness.sweep import sweep
from tests.support.videos import moving_frames, write_clip

av = pytest.importorskip("av")


def _bytes_up_to_packet(path: Path, index: int) -> bytes:
    """The file's bytes before the video's packet ``index`` (a cut at a packet boundary)."""
    with av.open(str(path)) as container:
        positions = [p.pos for p in container.demux(container.streams.video[0]) if p.pos]
    return path.read_bytes()[: positions[index]]


def _swept(path: Path) -> tuple[int, str | None]:
    with sweep(path) as samples:
        count = sum(1 for _ in samples)
        return count, samples.sweep.incomplete


def test_an_mp4_whose_frames_end_before_its_stated_length_is_incomplete(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", moving_frames(1, 96), faststart=True)  # 4 s
    data = bytearray(_bytes_up_to_packet(whole, 40))
    mdat = data.index(b"mdat")
    data[mdat - 4 : mdat] = bytes(4)  # size 0: the box runs to the end of the file (valid)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(bytes(data))
    count, incomplete = _swept(cut)
    assert incomplete is not None and "4.0 s" in incomplete, incomplete
    assert count <= 5  # the missing frames were not sampled as the last one held


def test_a_matroska_file_cut_short_is_incomplete(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mkv", moving_frames(2, 96))
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(_bytes_up_to_packet(whole, 40))
    assert _swept(cut)[1] is not None


def _with_sound(path: Path, frames: int, sound_seconds: float) -> Path:
    """A Matroska file: ``frames`` frames at 24 fps and ``sound_seconds`` of silence."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("mjpeg", rate=24)
        video.width, video.height, video.pix_fmt = 64, 64, "yuvj420p"
        audio = out.add_stream("pcm_s16le", rate=48000)
        for i in range(frames):
            rgb = np.full((64, 64, 3), i * 2 % 250, np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(rgb, "rgb24")))
        out.mux(video.encode())
        sound = av.AudioFrame.from_ndarray(
            np.zeros((1, round(48000 * sound_seconds)), np.int16), "s16", "mono"
        )
        sound.sample_rate = 48000
        out.mux(audio.encode(sound))
        out.mux(audio.encode())
    return path


def test_a_picture_that_ends_before_its_sound_is_seen_whole(tmp_path: Path) -> None:
    # Matroska states one length for the file; the sound running on is not a cut.
    master = _with_sound(tmp_path / "tail.mkv", 48, 5.0)
    count, incomplete = _swept(master)
    assert incomplete is None and count >= 4


def test_a_video_track_with_no_frame_is_incomplete(tmp_path: Path) -> None:
    master = _with_sound(tmp_path / "empty.mkv", 0, 3.0)
    count, incomplete = _swept(master)
    assert count == 0 and incomplete is not None and "no frame" in incomplete


class _Pipe:
    """Where a muxer writes as into a pipe: on and on, never seeking back to write a length."""

    def __init__(self) -> None:
        self.written = bytearray()

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)


def test_a_one_frame_video_that_states_no_length_gives_a_sample(tmp_path: Path) -> None:
    # Matroska written to a pipe has no length and no index: one frame is all it shows.
    plain = write_clip(tmp_path / "one.mkv", moving_frames(3, 1))
    piped = tmp_path / "piped.mkv"
    pipe = _Pipe()
    with av.open(str(plain)) as source, av.open(pipe, "w", format="matroska") as out:
        stream = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.size:
                packet.stream = stream
                out.mux(packet)
    piped.write_bytes(pipe.written)
    with av.open(str(piped)) as probe:
        assert not probe.duration and not probe.streams.video[0].duration
    count, incomplete = _swept(piped)
    assert (count, incomplete) == (1, None)


def test_a_second_video_stream_is_not_passed_unseen(tmp_path: Path) -> None:
    # A textless version or another eye in the same file: only the first stream is swept.
    path = tmp_path / "two.mkv"
    with av.open(str(path), "w") as out:
        streams = [out.add_stream("mjpeg", rate=24) for _ in range(2)]
        for stream in streams:
            stream.width, stream.height, stream.pix_fmt = 64, 64, "yuvj420p"
        for i in range(24):
            for stream in streams:
                rgb = np.full((64, 64, 3), i * 5, np.uint8)
                out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, "rgb24")))
        for stream in streams:
            out.mux(stream.encode())
    count, incomplete = _swept(path)
    assert count >= 1 and incomplete is not None and "2 video streams" in incomplete
