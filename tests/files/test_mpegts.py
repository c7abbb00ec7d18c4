"""A transport stream cut short is damaged; a whole one, or a file that only starts with G, is not.

A transport stream has no index and states no length: cut short, it decodes
as a shorter stream, and the audit used to pass it with its lost pictures
unseen. The streams are written here with PyAV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provenance.classify import classify_file, unreadable_reason
from provenance.files.formats.mpegts import read_ts
from provenance.settings import Settings

av = pytest.importorskip("av")


def _stream(path: Path) -> Path:
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("mpeg2video", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(48):
            rgb = np.full((64, 64, 3), i * 5, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, "rgb24")))
        out.mux(stream.encode())
    return path


def test_a_whole_stream_is_sound(tmp_path: Path) -> None:
    whole = _stream(tmp_path / "whole.ts")
    assert whole.stat().st_size % 188 == 0
    assert read_ts(whole).problems == []


def test_a_stream_cut_mid_packet_is_damaged_and_blocks(tmp_path: Path) -> None:
    data = _stream(tmp_path / "whole.ts").read_bytes()
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[: len(data) // 2 + 100])
    assert read_ts(cut).problems and "cut short" in read_ts(cut).problems[0]
    _, result = classify_file(cut, Settings(db="sqlite://"))
    assert result.verdict == "unreadable"
    assert (unreadable_reason(result) or "").startswith("damaged: MPEG-TS cut short")


def test_timed_packets_of_192_bytes_are_counted_as_such(tmp_path: Path) -> None:
    packets = b"".join(b"\x00\x00\x00\x00G" + bytes(187) for _ in range(10))
    (tmp_path / "a.m2ts").write_bytes(packets)
    assert read_ts(tmp_path / "a.m2ts").problems == []
    (tmp_path / "b.m2ts").write_bytes(packets[:-10])
    assert read_ts(tmp_path / "b.m2ts").problems


def test_a_text_that_starts_with_g_is_no_stream(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Good morning\n" * 50)
    assert read_ts(tmp_path / "notes.txt").problems == []
