"""The audio detector and the ID3 reader: software, recorders, cameras, generators, hostile tags."""

from __future__ import annotations

import contextlib
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.classify import classify_file
from provenance.detectors import audio as audio_detector
from provenance.detectors.audio_fields import bext_fields
from provenance.detectors.base import DAMAGED, DetectorContext
from provenance.evidence import Evidence
from provenance.files.formats import FormatProblem, riff
from provenance.files.formats.id3 import MAX_FRAME_TEXT, parse_id3
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import (
    bext,
    id3_frame,
    id3_tag,
    id3_text,
    mp3_bytes,
    riff_chunk,
    riff_list,
    wav_bytes,
    write,
)
from tests.support.corpus import CORPUS

SETTINGS = Settings(db="sqlite://")
WANTED = frozenset({"TSSE", "TENC", "COMM", "TXXX"})


def detect(path: Path) -> list[Evidence]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=SETTINGS)
    return list(audio_detector.DETECTOR.detect(ctx))


def summary(items: list[Evidence]) -> list[tuple[str, str, str | None, str | None]]:
    return [(e.kind, e.signal, e.tool, e.confidence) for e in items]


def test_a_field_recorder_bext_is_capture_evidence(tmp_path: Path) -> None:
    chunk = riff_chunk(
        b"bext", bext("Scene 4 take 2", "Sound Devices 888", "A=PCM,F=48000,W=24,T=888")
    )
    items = detect(write(tmp_path / "take.wav", wav_bytes(chunk)))
    assert ("audio-recorder", "not_genai", "field-recorder", "medium") in summary(items)


TAKE_IXML = b"<BWFXML><PROJECT>Feature</PROJECT><SCENE>A101</SCENE><TAKE>3</TAKE></BWFXML>"


@pytest.mark.parametrize(
    "originator",
    ["Sound Dev: 702T S#GR1112089007", "ZOOM Handy Recorder H4n", "Metacorder Demo", "ZAXCOM"],
)
def test_field_recorders_as_their_firmware_names_them(tmp_path: Path, originator: str) -> None:
    items = detect(write(tmp_path / "t.wav", wav_bytes(riff_chunk(b"bext", bext("", originator)))))
    assert ("audio-recorder", "not_genai", "field-recorder", "medium") in summary(items)


def test_a_recorder_take_with_scene_and_take_is_strong(tmp_path: Path) -> None:
    chunks = (riff_chunk(b"bext", bext("", "Sound Dev: 702T")), riff_chunk(b"iXML", TAKE_IXML))
    _, result = classify_file(write(tmp_path / "t.wav", wav_bytes(*chunks)), SETTINGS)
    assert (result.verdict, result.tool, result.confidence) == (
        "not_genai",
        "field-recorder",
        "strong",
    )
    assert any("scene and take" in e.detail for e in result.evidence)


@pytest.mark.parametrize("originator", ["Pro Tools", "Sound Forge", "Zoom meeting", ""])
def test_a_daw_take_is_not_a_recording_origin(tmp_path: Path, originator: str) -> None:
    chunks = (riff_chunk(b"bext", bext("", originator)), riff_chunk(b"iXML", TAKE_IXML))
    _, result = classify_file(write(tmp_path / "t.wav", wav_bytes(*chunks)), SETTINGS)
    assert result.verdict == "unknown", [e.detail for e in result.evidence]


def test_bext_coding_history_devices_are_software_fields() -> None:
    fields = bext_fields(bext("", "", "A=PCM,F=48000,W=24,M=mono,T=ZOOM F8n\r\nA=PCM,T=Pro Tools"))
    assert [(f.where, f.text) for f in fields if f.where.endswith("history")] == [
        ("BWF bext coding history", "ZOOM F8n"),
        ("BWF bext coding history", "Pro Tools"),
    ]


def test_ixml_production_data_is_neutral(tmp_path: Path) -> None:
    ixml = b"<?xml version='1.0'?><BWFXML><PROJECT>Feature</PROJECT>"
    ixml += b"<SCENE>12A</SCENE><TAKE>3</TAKE></BWFXML>"
    [item] = detect(write(tmp_path / "t.wav", wav_bytes(riff_chunk(b"iXML", ixml))))
    assert item.kind == "ixml" and item.signal == "neutral"
    assert "scene 12A" in item.detail


def test_riff_info_software_and_generators(tmp_path: Path) -> None:
    info = riff_list(
        b"INFO",
        riff_chunk(b"ISFT", b"ElevenLabs TTS\x00"),
        riff_chunk(b"ICMT", b"made with Suno\x00"),
    )
    items = detect(write(tmp_path / "v.wav", wav_bytes(info)))
    assert summary(items) == [
        ("audio-generator", "genai", "elevenlabs", "medium"),
        ("audio-generator", "genai", "suno", "weak"),
    ]


def test_a_wav_exif_list_names_the_camera(tmp_path: Path) -> None:
    exif = riff_list(
        b"exif",
        riff_chunk(b"ecor", b"PENTAX Corporation\x00"),
        riff_chunk(b"emdl", b"Optio WP\x00"),
    )
    items = detect(write(tmp_path / "memo.wav", wav_bytes(exif)))
    assert summary(items) == [("camera-riff-exif", "not_genai", "camera", "medium")]


@pytest.mark.parametrize("version", [3, 4])
def test_id3_software_frames(tmp_path: Path, version: int) -> None:
    tag = id3_tag(
        id3_frame("TSSE", id3_text("Udio v1.5"), version),
        id3_frame("TENC", id3_text("Audacity 3.4"), version),
        id3_frame("TIT2", id3_text("ignored"), version),
        version=version,
    )
    items = detect(write(tmp_path / "s.mp3", mp3_bytes(tag)))
    assert summary(items) == [
        ("audio-generator", "genai", "udio", "medium"),
        ("audio-software", "neutral", None, None),
    ]


def test_id3_comment_and_user_text_frames() -> None:
    comm = b"\x03eng" + b"desc\x00" + b"Generated with ElevenLabs"
    txxx = b"\x01" + "tool".encode("utf-16") + b"\x00\x00" + "Suno".encode("utf-16")
    frames = parse_id3(id3_tag(id3_frame("COMM", comm), id3_frame("TXXX", txxx)), WANTED).frames
    assert frames[0].description == "desc" and frames[0].text == "Generated with ElevenLabs"
    assert (frames[1].frame_id, frames[1].description, frames[1].text) == ("TXXX", "tool", "Suno")


def test_id3_v22_frames_are_renamed() -> None:
    frame = b"TSS" + len(b"\x00LAME").to_bytes(3, "big") + b"\x00LAME"
    tag = b"ID3\x02\x00\x00" + bytes([0, 0, 0, len(frame)]) + frame
    assert [(f.frame_id, f.text) for f in parse_id3(tag, WANTED).frames] == [("TSSE", "LAME")]


def test_a_compressed_frame_bomb_is_bounded() -> None:
    bomb = zlib.compress(b"\x03" + b"A" * (50 * 1024 * 1024), 9)
    frame = id3_frame("TSSE", len(bomb).to_bytes(4, "big") + bomb, version=3, flags=0x0080)
    started = time.process_time()  # CPU: the work done, not the wait for a core
    [decoded] = parse_id3(id3_tag(frame), WANTED).frames
    assert len(decoded.text) <= MAX_FRAME_TEXT
    assert time.process_time() - started < 2.0


def test_unsynchronised_and_extended_headers() -> None:
    frame = id3_frame("TSSE", id3_text("x\xff"), 3)
    unsync = frame.replace(b"\xff", b"\xff\x00")
    assert parse_id3(id3_tag(unsync, flags=0x80), WANTED).frames[0].text.startswith("x")
    extended = (6).to_bytes(4, "big") + b"\x00" * 6
    tag = id3_tag(extended + id3_frame("TSSE", id3_text("LAME")), flags=0x40)
    assert parse_id3(tag, WANTED).frames[0].text == "LAME"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (mp3_bytes(id3_tag(id3_frame("TIT2", b"\x00\x00\x01", flags=0x0080))), "decompressed-size"),
        (id3_tag(id3_frame("TSSE", id3_text("LAME")))[:-2], "truncated"),
        (mp3_bytes(id3_tag(b"TSSE\x00\x00\x10\x00\x00\x00LAME")), "runs past the end"),
        (mp3_bytes(id3_tag(b"\x01\x02junkjunkjunk")), "junk"),
    ],
)
def test_damaged_tags_are_reported(tmp_path: Path, data: bytes, problem: str) -> None:
    damage = [e for e in detect(write(tmp_path / "d.mp3", data)) if e.signal == "error"]
    assert damage and all(e.kind == DAMAGED for e in damage)  # the gate does not vouch past it
    assert any(problem in e.detail for e in damage)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512), st.sampled_from([2, 3, 4]), st.integers(0, 255))
def test_arbitrary_tags_never_raise_anything_but_format_problem(
    body: bytes, version: int, flags: int
) -> None:
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    tag = b"ID3" + bytes([version, 0, flags]) + syncsafe
    with contextlib.suppress(FormatProblem):
        parse_id3(tag + body, WANTED)


def test_files_without_metadata_yield_nothing(tmp_path: Path) -> None:
    assert detect(write(tmp_path / "plain.wav", wav_bytes())) == []
    assert detect(write(tmp_path / "plain.mp3", mp3_bytes(b""))) == []


def test_corpus_flac_through_mutagen() -> None:
    flac = CORPUS / "exiftool+exiftool" / "t__images__FLAC.flac"
    if not flac.is_file():
        pytest.skip("corpus not present")
    assert all(e.signal == "neutral" for e in detect(flac))


def test_v24_tags_with_plain_frame_sizes_are_read() -> None:
    long_text = id3_text("Lavf " + "x" * 200)
    itunes = id3_tag(
        id3_frame("TSSE", long_text, version=3), id3_frame("TENC", id3_text("y")), version=4
    )
    tag = parse_id3(itunes, WANTED)
    assert [f.frame_id for f in tag.frames] == ["TSSE", "TENC"] and tag.problems == []


def test_product_names_in_free_text_need_a_generation_phrase(tmp_path: Path) -> None:
    lyrics = riff_list(b"INFO", riff_chunk(b"ICMT", b"te veo bajo el sora, gemini"))
    assert detect(write(tmp_path / "song.wav", wav_bytes(lyrics))) == []
    credited = riff_list(b"INFO", riff_chunk(b"ICMT", b"Voice generated with ElevenLabs v2"))
    assert summary(detect(write(tmp_path / "vo.wav", wav_bytes(credited)))) == [
        ("audio-generator", "genai", "elevenlabs", "weak")
    ]


def test_bext_description_keys_are_the_take_without_ixml(tmp_path: Path) -> None:
    description = "sSPEED=025.000-ND\r\nsTAKE=3\r\nsSCENE=A101\r\nsTAPE=18Y12M31\r\n"
    chunk = riff_chunk(b"bext", bext(description, "Sound Dev: 702T S#GR1112089007"))
    _, result = classify_file(write(tmp_path / "t.wav", wav_bytes(chunk)), SETTINGS)
    assert (result.verdict, result.confidence) == ("not_genai", "strong")
    [take] = [e for e in result.evidence if e.kind == "bext-production"]
    assert "scene A101" in take.detail and "take 3" in take.detail


def test_bext_keys_are_read_only_whole_lines() -> None:
    fields = bext_fields(bext("The SCENE=12 was long\nxTAKE=4", "Sound Devices 888"))
    assert [(f.where, f.text) for f in fields if f.role == "production"] == [("BWF bext TAKE", "4")]


def test_a_wav_past_the_chunk_count_is_not_walked_again_for_its_duration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mutagen walks every chunk with no count: 2 million empty ones took it 6 s."""
    from mutagen import wave

    walked: list[object] = []
    monkeypatch.setattr(wave, "WaveStreamInfo", walked.append)
    junk = riff_chunk(b"JUNK", b"") * (riff.MAX_CHUNKS + 1)
    path = write(tmp_path / "t.wav", wav_bytes(junk))
    facts = read_facts(path, path.stat().st_size)
    assert (facts.kind, facts.duration, walked) == ("audio", None, [])
    path = write(tmp_path / "sound.wav", wav_bytes())
    read_facts(path, path.stat().st_size)
    assert len(walked) == 1  # a sound WAV's duration still comes from its stream header
