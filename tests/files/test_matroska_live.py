"""Matroska as live recordings write it: a Segment and Clusters of unknown size, walked through.

A cluster of unknown size ends where an element that cannot be its child
begins (a segment-level element, an EBML header, a Segment) or at the end of
the file (RFC 8794 section 6.2, RFC 9559). The reader walks its children by
their sizes to find that place, so tags after any number of such clusters are
read; damage inside one, an unknown size elsewhere and the element budget
spent are said, each naming where the walk stopped. Every file is built by
:mod:`tests.support.live_matroska`; ffmpeg, when present, writes one too.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.files.formats import FormatProblem, ebml
from provenance.files.formats.ebml import element_header, read_matroska_stream, read_matroska_tags
from tests.support import live_matroska as live
from tests.support.containers import ebml_element, matroska_tags_element

COMMENT = [("COMMENT", "graph")]
TAGS = matroska_tags_element(COMMENT)


def _read(data: bytes) -> ebml.MatroskaTags:
    return read_matroska_stream(io.BytesIO(data), len(data))


def _clean(found: ebml.MatroskaTags) -> bool:
    return not found.problems and not found.limits


@pytest.mark.parametrize("clusters", [1, 2, 7])
@pytest.mark.parametrize("segment_unsized", [True, False])
def test_tags_after_clusters_of_unknown_size_are_read(clusters: int, segment_unsized: bool) -> None:
    recorded = b"".join(live.live_cluster(40, n) for n in range(clusters))
    found = _read(live.live_matroska(recorded, TAGS, segment_unsized=segment_unsized))
    assert found.tags == COMMENT and _clean(found)


def test_a_second_tags_element_after_a_cluster_of_unknown_size_is_read() -> None:
    first = matroska_tags_element([("TITLE", "take 3")])
    data = live.live_matroska(first, live.live_cluster(30), TAGS, live.live_cluster(5))
    found = _read(data)
    assert found.tags == [("TITLE", "take 3"), *COMMENT] and _clean(found)


@pytest.mark.parametrize(
    "ender",
    [
        ebml_element(0x1C53BB6B, b""),  # Cues
        ebml_element(0x1043A770, b""),  # Chapters
        ebml_element(0x1941A469, b""),  # Attachments
        ebml_element(0x114D9B74, b""),  # SeekHead
        ebml_element(0x1F43B675, ebml_element(0xE7, b"\x00")),  # a Cluster of known size
        live.live_cluster(3),  # another of unknown size
    ],
)
def test_a_cluster_of_unknown_size_ends_at_any_segment_level_element(ender: bytes) -> None:
    found = _read(live.live_matroska(live.live_cluster(20), ender, TAGS))
    assert found.tags == COMMENT and _clean(found)


@pytest.mark.parametrize("segment_unsized", [True, False])
def test_tags_in_a_following_segment_are_read(segment_unsized: bool) -> None:
    """A cluster of unknown size ends at the EBML header of a chained segment."""
    second = live.live_matroska(TAGS, segment_unsized=segment_unsized)
    found = _read(live.live_matroska(live.live_cluster(20)) + second)
    assert found.tags == COMMENT and _clean(found)


def test_the_children_a_cluster_may_hold_are_walked_by_their_sizes() -> None:
    """Blocks of 1-, 2- and 3-byte sizes, across windows; block groups, void, CRC, silent tracks."""
    children = (
        ebml_element(0xE7, b"\x00")  # Timestamp
        + ebml_element(0xBF, b"\x00" * 4)  # CRC-32
        + ebml_element(0x5854, ebml_element(0x58D7, b"\x02"))  # SilentTracks
        + ebml_element(0xA0, ebml_element(0xA1, b"\x81\x00\x00\x00"))  # BlockGroup
        + live.simple_block(frame=b"\x00" * 300)  # a 2-byte size
        + live.simple_block(frame=b"\x00" * 70_000)  # a 3-byte size, past a window
        + b"\xec\x80"  # Void, empty
    )
    found = _read(live.live_matroska(live.CLUSTER + live.UNKNOWN_SIZE + children * 3, TAGS))
    assert found.tags == COMMENT and _clean(found)


def test_a_frame_over_2_mib_has_a_size_of_four_bytes_and_is_skipped() -> None:
    block = live.simple_block(frame=bytes(2_200_000))
    assert block[1] >> 4 == 1  # a four-byte size
    found = _read(live.live_matroska(live.live_cluster(3) + block + block, TAGS))
    assert found.tags == COMMENT and _clean(found)


def test_a_live_recording_without_tags_is_no_damage() -> None:
    found = _read(live.live_recording(None, clusters=4, blocks=50))
    assert found.tags == [] and _clean(found)


def test_a_block_that_runs_past_the_end_is_a_problem() -> None:
    data = live.live_matroska(live.live_cluster(20)) + b"\xa3\x40\x30" + b"\x00" * 8
    found = _read(data)
    assert found.problems and f"at {len(data) - 11}" in found.problems[0]
    assert "past the end" in found.problems[0]


def test_an_invalid_header_inside_a_cluster_is_a_problem() -> None:
    data = live.live_matroska(live.live_cluster(20), b"\x00" * 20, TAGS)
    found = _read(data)
    assert found.problems and "cluster child" in found.problems[0]


@pytest.mark.parametrize(
    "unsized",
    [
        live.CLUSTER + live.UNKNOWN_SIZE + b"\xa0\xff" + live.simple_block(),  # a BlockGroup
        b"\x15\x49\xa9\x66" + live.UNKNOWN_SIZE + b"\xec\x80",  # an Info
    ],
)
def test_an_unknown_size_on_another_element_is_a_problem(unsized: bytes) -> None:
    found = _read(live.live_matroska(unsized, TAGS))
    assert found.problems and "unknown size" in found.problems[0]


def test_past_the_block_budget_the_walk_stops_and_says_where(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ebml, "MAX_BLOCKS", 50)
    found = _read(live.live_recording(COMMENT, clusters=2, blocks=40))
    assert found.tags == [] and not found.problems
    assert found.limits and "more than 50 Matroska block headers" in found.limits[0]
    assert "inside a cluster" in found.limits[0] and "byte " in found.limits[0]


def test_within_the_budgets_the_walk_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ebml, "MAX_BLOCKS", 100)
    monkeypatch.setattr(ebml, "MAX_ELEMENTS", 20)
    found = _read(live.live_recording(COMMENT, clusters=2, blocks=40))
    assert found.tags == COMMENT and _clean(found)


@pytest.mark.parametrize(
    "filler",
    [
        b"\xec\x80" * 60,  # empty Void elements at segment level
        live.CLUSTER + live.UNKNOWN_SIZE + b"\x42\x86\x80" * 60,  # two-byte IDs in a cluster
    ],
)
def test_past_the_element_budget_the_walk_stops_and_says_where(
    monkeypatch: pytest.MonkeyPatch, filler: bytes
) -> None:
    monkeypatch.setattr(ebml, "MAX_ELEMENTS", 50)
    found = _read(live.live_matroska(filler, TAGS))
    assert found.tags == [] and not found.problems
    assert found.limits and "more than 50 Matroska elements" in found.limits[0]


def test_a_file_cut_inside_a_header_is_a_problem() -> None:
    data = live.live_matroska(live.live_cluster(20)) + b"\x1f\x43"
    found = _read(data + b"\xb6")
    assert found.problems and not found.tags


def test_a_hundred_thousand_blocks_are_walked_quickly(tmp_path: Path) -> None:
    path = tmp_path / "long.webm"
    cluster = live.live_cluster(1000)
    path.write_bytes(live.live_matroska(cluster * 100, TAGS))
    began = time.perf_counter()
    found = read_matroska_tags(path)
    assert found.tags == COMMENT and _clean(found)
    assert time.perf_counter() - began < 2.0  # about 20 ms on 2 cores (bench/RESULTS.md)


LIVE_HEAD = live.live_matroska(live.CLUSTER + live.UNKNOWN_SIZE)


@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=2000))
def test_any_bytes_inside_a_cluster_of_unknown_size(payload: bytes) -> None:
    """Never an exception but FormatProblem, never a hang: a result in bounded time."""
    data = LIVE_HEAD + payload
    began = time.perf_counter()
    with contextlib.suppress(FormatProblem):
        found = _read(data)
        assert found.limits == [] or "more than" in found.limits[0]
    assert time.perf_counter() - began < 1.0


@settings(max_examples=200, deadline=None)
@given(payload=st.binary(max_size=600))
def test_any_bytes_after_the_ebml_header(payload: bytes) -> None:
    data = live.EBML_HEADER + payload
    with contextlib.suppress(FormatProblem):
        _read(data)


def _ffmpeg_live(path: Path, comment: str) -> None:
    """A Matroska file as ffmpeg writes it to a pipe in live mode: a Segment of unknown size
    (its clusters it holds in memory, so their sizes are known)."""
    command = [
        *("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi"),
        *("-i", "testsrc=size=32x32:rate=25", "-t", "3", "-c:v", "mpeg4"),
        *("-cluster_time_limit", "200", "-metadata", f"comment={comment}"),
        *("-f", "matroska", "-live", "1", "pipe:1"),
    ]
    path.write_bytes(subprocess.run(command, capture_output=True, check=True, timeout=60).stdout)


def _clusters_unsized(data: bytes) -> bytes:
    """``data`` with each cluster's size made unknown, in as many bytes, as MediaRecorder writes."""
    out = bytearray(data)
    at = data.find(live.CLUSTER)
    while at != -1:
        _id, _size, header = element_header(data, at)
        out[at + 4] = 0xFF >> (header - 5)  # the marker bit, then value bits all set
        out[at + 5 : at + header] = b"\xff" * (header - 5)
        at = data.find(live.CLUSTER, at + header)
    return bytes(out)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_ffmpeg_live_output_with_its_clusters_of_unknown_size(tmp_path: Path) -> None:
    path = tmp_path / "live.mkv"
    _ffmpeg_live(path, "a ComfyUI graph")
    data = path.read_bytes()
    assert data[data.index(live.SEGMENT) + 4 :].startswith(live.UNKNOWN_SIZE)
    unsized = _clusters_unsized(data)
    assert unsized.count(live.CLUSTER) > 3 and unsized != data
    trailing = unsized + matroska_tags_element([("PROMPT", "{}")])
    found = _read(trailing)
    assert ("COMMENT", "a ComfyUI graph") in found.tags and ("PROMPT", "{}") in found.tags
    assert _clean(found)


def test_the_helpers_build_what_they_say() -> None:
    assert live.simple_block(frame=b"\x00" * 300)[:3] == b"\xa3\x41\x30"
    assert struct.unpack(">h", live.simple_block(5)[3:5]) == (5,)
