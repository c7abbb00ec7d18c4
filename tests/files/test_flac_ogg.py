"""The bounded FLAC and Ogg walks: sound files pass whole, each kind of damage is named."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import av
import mutagen
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.ogg import OggPage

from provenance.files.formats import FormatProblem, flac, ogg
from provenance.files.formats.flac import read_flac, read_flac_stream
from provenance.files.formats.flac_frames import crc8, crc16
from provenance.files.formats.ogg import ogg_crc, read_ogg, read_ogg_stream
from tests.support import sound_files as sf
from tests.support.corpus import CORPUS


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_checksums_match_their_published_check_values() -> None:
    assert crc8(b"123456789") == 0xF4  # CRC-8, polynomial 0x07
    assert crc16(b"123456789") == 0xFEE8  # CRC-16/UMTS, FLAC's


def test_the_ogg_checksum_matches_mutagen_s_page_writer() -> None:
    page = OggPage()  # type: ignore[no-untyped-call]
    page.packets = [b"\x01vorbis" + bytes(range(200))]
    page.sequence, page.serial = 7, 0x5EED
    written = page.write()  # type: ignore[no-untyped-call]
    assert ogg_crc(written[:22] + b"\0\0\0\0" + written[26:]) == int.from_bytes(
        written[22:26], "little"
    )


def test_the_builders_make_files_a_decoder_and_a_tag_reader_accept() -> None:
    """So the walks are tried against real structures, not the walks' own idea of them."""
    with av.open(io.BytesIO(sf.flac_file()), "r") as container:
        samples = [frame.to_ndarray()[0][0] for frame in container.decode(audio=0)]
    assert samples == [0, 100, 200]
    vorbis = mutagen.File(io.BytesIO(sf.ogg_file()))
    assert vorbis is not None and vorbis.tags["encoder"] == ["Sound Devices 888"]


def test_a_sound_flac_is_read_whole(tmp_path: Path) -> None:
    found = read_flac(write(tmp_path, "a.flac", sf.flac_file()))
    assert (found.problems, found.limits) == ([], [])
    assert found.block_types == [0, 4] and found.total_samples == 3 * sf.BLOCK_SAMPLES


def test_an_id3v1_tag_after_the_last_frame_is_no_damage(tmp_path: Path) -> None:
    tagged = sf.flac_file() + b"TAG" + b"\0" * 125
    assert read_flac(write(tmp_path, "a.flac", tagged)).problems == []


def test_metadata_alone_is_sound_when_streaminfo_counts_no_samples(tmp_path: Path) -> None:
    """As exiftool's test file: STREAMINFO of an empty stream, and no frames."""
    info = sf.flac_block(0, sf.streaminfo(0))
    empty = b"fLaC" + info + sf.flac_block(4, sf.vorbis_comment(sf.RECORDER_TAGS), last=True)
    assert read_flac(write(tmp_path, "a.flac", empty)).problems == []


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (sf.flac_cut_mid_frame, "last audio frame is cut short"),
        (sf.flac_garbage_after_audio, "last audio frame is cut short, or followed by"),
        (sf.flac_garbage_after_metadata, "after the metadata, are not a FLAC frame"),
        (sf.flac_block_past_end, "metadata block of type 6 at 124 (16777215 bytes) runs past"),
        (sf.flac_without_audio, "no audio after the metadata (STREAMINFO counts 12288"),
        (lambda: sf.flac_file()[:110], "of type 4 at 42 (78 bytes) runs past the end"),
        (lambda: sf.flac_file()[:6], "metadata block header at 4 is cut short"),
        (lambda: b"fLaC" + sf.flac_block(4, b"x" * 34), "not a 34-byte STREAMINFO"),
    ],
)
def test_damaged_flac_is_named(tmp_path: Path, build: Callable[[], bytes], problem: str) -> None:
    found = read_flac(write(tmp_path, "a.flac", build()))
    assert len(found.problems) == 1 and problem in found.problems[0], found.problems


def test_flac_metadata_blocks_are_walked_to_a_limit(tmp_path: Path) -> None:
    found = read_flac(write(tmp_path, "a.flac", sf.flac_many_blocks(flac.MAX_BLOCKS + 10)))
    assert found.limits == [
        f"more than {flac.MAX_BLOCKS} FLAC metadata blocks; the rest was not read"
    ]


def test_a_last_frame_search_reads_no_further_back_than_a_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STREAMINFO's largest frame bounds the search; a bogus one is capped."""
    reads: list[int] = []
    original = flac._read_at

    def counted(stream: io.BufferedReader, position: int, count: int) -> bytes:
        reads.append(count)
        return original(stream, position, count)

    monkeypatch.setattr(flac, "_read_at", counted)
    metadata = b"fLaC" + sf.flac_block(0, sf.streaminfo(4096, max_frame=0xFFFFFF))
    metadata += sf.flac_block(4, sf.vorbis_comment(()), last=True)
    big = metadata + sf.flac_frame(0) + b"\0" * (3 * flac.MAX_FRAME_BYTES)
    read_flac(write(tmp_path, "a.flac", big))
    assert max(reads) <= flac.MAX_FRAME_BYTES + 16 + 128


@pytest.mark.parametrize("gap", [10, 200_000])
def test_frame_headers_near_the_end_are_tried_to_a_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gap: int
) -> None:
    """A tail of frame headers whose CRC-16 never matches: tries, and bytes checksummed, stop.

    Close together they run out the count; far apart, the bytes.
    """
    covered: list[int] = []
    original = crc16  # what flac.py calls, by its own name there

    def counted(data: bytes | memoryview) -> int:
        covered.append(len(data))
        return original(data)

    monkeypatch.setattr(flac, "crc16", counted)
    header = sf.flac_frame(0)[:6]  # sync code, fields and CRC-8: a header any search accepts
    info = sf.flac_block(0, sf.streaminfo(3 * sf.BLOCK_SAMPLES))  # largest frame not given
    metadata = b"fLaC" + info + sf.flac_block(4, sf.vorbis_comment(()), last=True)
    hostile = metadata + sf.flac_frame(0) + (header + b"\0" * gap) * 30 + b"xx"
    found = read_flac(write(tmp_path, "a.flac", hostile))
    assert found.limits == [
        "too many frame headers near the end to try; its last frame was not found"
    ]
    assert len(covered) <= flac.MAX_FRAME_TRIES
    assert sum(covered) <= 2 * flac.MAX_FRAME_BYTES


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_damaged_sound_never_breaks_a_walk(data: st.DataObject) -> None:
    """Cut, flipped or spliced anywhere: a walk ends in findings or FormatProblem, never raises."""
    original = data.draw(st.sampled_from([sf.flac_file(), sf.ogg_file()]))
    at = data.draw(st.integers(0, len(original)))
    change = data.draw(st.sampled_from(["cut", "flip", "insert"]))
    if change == "cut":
        damaged = original[:at]
    elif change == "flip" and at < len(original):
        damaged = (
            original[:at]
            + bytes([original[at] ^ data.draw(st.integers(1, 255))])
            + original[at + 1 :]
        )
    else:
        damaged = original[:at] + data.draw(st.binary(min_size=1, max_size=64)) + original[at:]
    read = read_flac_stream if original.startswith(b"fLaC") else read_ogg_stream
    try:
        read(io.BytesIO(damaged), len(damaged))
    except FormatProblem:
        assert damaged[:4] != original[:4]


def test_not_flac_is_a_format_problem(tmp_path: Path) -> None:
    with pytest.raises(FormatProblem):
        read_flac(write(tmp_path, "a.flac", b"OggS" + b"\0" * 40))


def test_corpus_flac_is_read_whole() -> None:
    path = CORPUS / "exiftool+exiftool" / "t__images__FLAC.flac"
    if not path.is_file():
        pytest.skip("shared corpus not present")
    assert (read_flac(path).problems, read_flac(path).limits) == ([], [])


# -- Ogg --------------------------------------------------------------------------------


def test_a_sound_ogg_is_read_whole(tmp_path: Path) -> None:
    found = read_ogg(write(tmp_path, "a.ogg", sf.ogg_file()))
    assert (found.problems, found.limits, found.pages) == ([], [], 6)


def test_a_chained_ogg_is_sound(tmp_path: Path) -> None:
    """Streams one after another, even with a serial number used again, are one file."""
    found = read_ogg(write(tmp_path, "a.ogg", sf.ogg_file() + sf.ogg_file()))
    assert (found.problems, found.pages) == ([], 12)


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (sf.ogg_cut_mid_page, "runs past the end"),
        (sf.ogg_garbage_after_headers, "bytes at 218 are not an Ogg page"),
        (sf.ogg_page_past_end, "Ogg page at 547 (1051 bytes) runs past the end"),
        (sf.ogg_missing_page, "is page 4 of its stream, after page 2: pages are missing"),
        (sf.ogg_flipped_comment, "Ogg page at 58 fails its checksum"),
        (lambda: sf.ogg_file() + b"Made with Suno", "are not an Ogg page"),
        (lambda: sf.ogg_file()[:30], "runs past the end"),
    ],
)
def test_damaged_ogg_is_named(tmp_path: Path, build: Callable[[], bytes], problem: str) -> None:
    found = read_ogg(write(tmp_path, "a.ogg", build()))
    assert len(found.problems) == 1 and problem in found.problems[0], found.problems


def test_a_page_of_another_version_is_damage(tmp_path: Path) -> None:
    data = bytearray(sf.ogg_file())
    data[4] = 1
    assert "has version 1" in read_ogg(write(tmp_path, "a.ogg", bytes(data))).problems[0]


def test_ogg_pages_are_walked_to_a_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ogg, "MAX_PAGES", 4)
    found = read_ogg(write(tmp_path, "a.ogg", sf.ogg_file()))
    assert found.limits == ["more than 4 Ogg pages; the rest was not read"]


def test_ogg_headers_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment packet continued over page after page is where a tag reader's memory goes."""
    monkeypatch.setattr(ogg, "MAX_HEADER_BYTES", 64 * 1024)
    found = read_ogg(write(tmp_path, "a.ogg", sf.ogg_huge_headers()))
    assert found.limits == [f"Ogg stream headers larger than {64 * 1024} bytes; they were not read"]
    assert read_ogg(write(tmp_path, "b.ogg", sf.ogg_file())).limits == []


def test_checksums_stop_at_their_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the headers and the budget, bodies are skipped unread: a flipped byte of audio
    there is not looked for. The headers, where the markers are, are checked whatever the
    budget."""
    monkeypatch.setattr(ogg, "MAX_CHECKED_BYTES", 50)
    audio = bytearray(sf.ogg_file())
    audio[-10] ^= 0x20  # in the last audio page's body
    found = read_ogg(write(tmp_path, "a.ogg", bytes(audio)))
    assert found.problems == [] and found.checked < 1000
    flipped = read_ogg(write(tmp_path, "b.ogg", sf.ogg_flipped_comment()))
    assert flipped.problems and "fails its checksum" in flipped.problems[0]


def _ogg_crc_by_the_book(data: bytes) -> int:
    """Ogg's CRC-32 bit by bit, as its specification states it (the reference)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


@given(st.binary(max_size=600))
def test_the_ogg_checksum_is_the_specification_s(data: bytes) -> None:
    assert ogg_crc(data) == _ogg_crc_by_the_book(data)


def test_not_ogg_is_a_format_problem(tmp_path: Path) -> None:
    with pytest.raises(FormatProblem):
        read_ogg(write(tmp_path, "a.ogg", b"fLaC" + b"\0" * 40))
