"""Media identity read at ingest: timecode, reel and UMID, from the file's own headers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from provenance.cli import cli
from provenance.ingest.identity import read_identity, smpte_bcd, umid_hex
from provenance.store import AssetQuery, Ledger
from provenance.store.records import REEL_CHARS
from tests.support.editorial import bcd, bwf, dpx_header, exr_header, video


def test_an_op_atom_mxf_gives_its_timecode_reel_and_material_package_umid(tmp_path: Path) -> None:
    pytest.importorskip("av")
    path = video(tmp_path / "A001.mxf", "01:00:10:00", "A001", frames=48)
    found = read_identity(path, "mxf", None)
    assert found is not None
    assert (found.timecode, found.tc_rate, found.reel) == ("01:00:10:00", 24.0, "A001")
    assert found.tc_start == 3610.0
    assert found.tc_length == 2.0  # 48 frames at 24
    assert found.umid is not None
    assert found.umid.startswith("060a2b34") and len(found.umid) == 64


def test_a_mov_gives_its_tmcd_timecode_and_reel(tmp_path: Path) -> None:
    pytest.importorskip("av")
    found = read_identity(video(tmp_path / "b.mov", "02:00:00:12", "B002"), "mov", None)
    assert found is not None
    assert (found.timecode, found.reel, found.umid) == ("02:00:00:12", "B002", None)
    assert found.tc_start == 7200.5


def test_a_drop_frame_timecode_counts_real_frames(tmp_path: Path) -> None:
    path = tmp_path / "f.dpx"
    path.write_bytes(dpx_header("00:10:00;00", "TAPE9", 29.97))
    found = read_identity(path, "dpx", None)
    assert found is not None
    assert found.timecode == "00:10:00;00"
    assert found.tc_start == 17982 / 30  # ten minutes of 29.97 drop frame: 17982 frames


@pytest.mark.parametrize("big_endian", [True, False])
def test_a_dpx_gives_its_television_timecode_and_input_device(
    tmp_path: Path, big_endian: bool
) -> None:
    path = tmp_path / "f.dpx"
    path.write_bytes(dpx_header("01:02:03:04", "REEL_07", 24.0, big_endian))
    found = read_identity(path, "dpx", None)
    assert found is not None
    assert (found.timecode, found.reel, found.tc_rate) == ("01:02:03:04", "REEL_07", 24.0)
    assert found.tc_length == 1 / 24


def test_a_dpx_without_a_timecode_keeps_its_reel_only(tmp_path: Path) -> None:
    path = tmp_path / "f.dpx"
    path.write_bytes(dpx_header(None, "REEL_07", 24.0))
    found = read_identity(path, "dpx", None)
    assert found is not None
    assert (found.timecode, found.tc_start, found.reel) == (None, None, "REEL_07")


def test_an_exr_gives_its_timecode_reel_and_rate(tmp_path: Path) -> None:
    path = tmp_path / "f.exr"
    path.write_bytes(exr_header("10:00:00:01", "A007C002", (24000, 1001)))
    found = read_identity(path, "exr", None)
    assert found is not None
    assert (found.timecode, found.reel) == ("10:00:00:01", "A007C002")
    assert found.tc_rate == pytest.approx(23.976, abs=1e-3)
    assert found.tc_start == (36000 * 24 + 1) / 24  # counted at the nominal 24


def test_an_exr_without_a_rate_keeps_its_timecode_text(tmp_path: Path) -> None:
    path = tmp_path / "f.exr"
    path.write_bytes(exr_header("10:00:00:01", None, None))
    found = read_identity(path, "exr", None)
    assert found is not None
    assert (found.timecode, found.tc_start) == ("10:00:00:01", None)


def test_a_bwf_gives_its_time_reference(tmp_path: Path) -> None:
    path = bwf(tmp_path / "a.wav", 48000 * 3600, seconds=0.5)
    found = read_identity(path, "wav", 0.5)
    assert found is not None
    assert (found.tc_start, found.tc_length, found.tc_rate) == (3600.0, 0.5, 48000.0)


def test_files_that_say_nothing_have_no_identity(tmp_path: Path) -> None:
    plain = tmp_path / "plain.exr"
    plain.write_bytes(exr_header(None, None, None))
    assert read_identity(plain, "exr", None) is None
    assert read_identity(plain, "png", None) is None  # not a format that carries one


@given(st.binary(max_size=3000), st.sampled_from(["exr", "dpx", "wav", "mxf", "mov"]))
def test_hostile_bytes_give_no_identity_or_a_well_formed_one(raw: bytes, fmt: str) -> None:
    # No tmp_path in a hypothesis test: one file per example, removed after.
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"identity-{os.getpid()}.{fmt}"
    path.write_bytes(raw)
    try:
        found = read_identity(path, fmt, None)
    finally:
        path.unlink()
    assert found is None or any(found.fields().values())


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.integers(0, 29),
       st.booleans())  # fmt: skip
def test_bcd_timecodes_read_back(h: int, m: int, s: int, f: int, drop: bool) -> None:
    text = f"{h:02d}:{m:02d}:{s:02d}{';' if drop else ':'}{f:02d}"
    assert smpte_bcd(bcd(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("urn:smpte:umid:060a2b34.01010105.01010d00.13182f76.52947134.83182f76.00529471.34831800",
         "060a2b340101010501010d0013182f765294713483182f760052947134831800"),
        ("0x060A2B340101010501010D0013182F765294713483182F760052947134831800",
         "060a2b340101010501010d0013182f765294713483182f760052947134831800"),
        ("0x060A2B34", None),
        ("not a umid at all, but sixty-four characters long, more or less!", None),
        (None, None),
    ],
)  # fmt: skip
def test_umids_are_compared_as_64_hex_digits(text: object, expected: str | None) -> None:
    assert umid_hex(text) == expected


def test_a_reel_name_longer_than_the_ledger_keeps_is_cut_not_fatal(
    tmp_path: Path, ledger_url: str
) -> None:
    # A MOV's reel_name tag has no bound: on PostgreSQL a 300-character one refused the
    # batch it was recorded with (varchar(128)), and the scan ended in a traceback.
    long_reel = "A001C003_" + "R" * 291
    video(tmp_path / "plates" / "sh010.mov", "01:00:00:00", long_reel)
    (tmp_path / "plates" / "notes.txt").write_text("plate notes\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "plates"), "--db", ledger_url])
    assert result.exit_code == 0, result.output
    with Ledger(ledger_url) as ledger:
        assets = ledger.assets.list(AssetQuery())
    assert len(assets) == 2
    assert [a.reel for a in assets if a.reel] == [long_reel[:REEL_CHARS]]


def _voice_mov(path: Path, timecode: str) -> Path:
    """An audio-only MOV (no picture, so no rate) whose ``timecode`` tag says ``timecode``."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mov", options={"movflags": "use_metadata_tags"}) as out:
        out.metadata["timecode"] = timecode
        stream = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        silence = np.zeros((1, 800), np.int16)
        frame = av.AudioFrame.from_ndarray(silence, format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    return path


def test_a_timecode_tag_without_a_rate_is_kept_only_as_a_timecode(
    tmp_path: Path, ledger_url: str
) -> None:
    # Kept as any text, a 40-character tag refused the batch on PostgreSQL (varchar(16)).
    _voice_mov(tmp_path / "sound" / "voice.mov", "TC" * 20)
    _voice_mov(tmp_path / "sound" / "room.mov", "10:00:00:01")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "sound"), "--db", ledger_url])
    assert result.exit_code == 0, result.output
    with Ledger(ledger_url) as ledger:
        assert sorted(str(a.timecode) for a in ledger.assets.list(AssetQuery())) == [
            "10:00:00:01", "None"
        ]  # fmt: skip
