"""`provenance classify`: the verdict of files and trees, with no ledger write; and mutated
sample assets never crash classification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.classify import classify_file
from provenance.cli import cli
from provenance.settings import Settings, default_db_url
from tests.detectors import builders_cameras as build
from tests.detectors.builders_metadata import bext, riff_chunk, wav_bytes
from tests.support import sound_files as sound

SAMPLES = Path(__file__).resolve().parents[2] / "sample_assets"
SAMPLE_FILES = sorted(
    p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in {".png", ".jpg", ".tif", ".wav"}
)


def test_classify_json_for_a_tree(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["classify", str(SAMPLES / "genai"), "--json"])
    assert result.exit_code == 0, result.output
    rows = {Path(r["path"]).name: r for r in json.loads(result.stdout)["files"]}
    assert (
        rows["sd_a1111.png"]["verdict"] == "genai"
        and rows["sd_a1111.png"]["tool"] == "automatic1111"
    )
    for row in rows.values():
        assert set(row) >= {"path", "verdict", "tool", "confidence", "evidence", "prompt"}
        assert all({"detector", "kind", "detail"} <= set(e) for e in row["evidence"])
    assert rows["sd_a1111.png"]["prompt"]


def test_classify_table_and_unreadable(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "empty.png").write_bytes(b"")
    result = CliRunner().invoke(cli, ["classify", str(tmp_path)])
    assert result.exit_code == 0
    assert "unreadable" in result.stdout and "empty.png" in result.stdout


def test_classify_writes_no_ledger() -> None:
    ledger_file = Path(default_db_url().removeprefix("sqlite:///"))
    assert CliRunner().invoke(cli, ["classify", str(SAMPLES / "plain")]).exit_code == 0
    assert not ledger_file.exists()


@pytest.fixture(scope="module")
def mutants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the mutated samples are written (hypothesis refuses function-scoped tmp_path)."""
    return tmp_path_factory.mktemp("mutants")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLE_FILES),
    st.sampled_from(["truncate", "flip", "length"]),
    st.integers(0, 2**31),
    st.binary(min_size=1, max_size=4),
)
def test_mutated_samples_never_crash_classification(
    mutants: Path, sample: Path, how: str, where: int, junk: bytes
) -> None:
    data = bytearray(sample.read_bytes())
    at = where % len(data)
    if how == "truncate":
        data = data[:at]
    elif how == "flip":
        data[at] ^= 0xFF
    else:  # an absurd chunk or segment length where a length field may sit
        data[at : at + 4] = b"\x7f\xff\xff\xff"
    target = mutants / f"mutant{sample.suffix}"
    target.write_bytes(bytes(data))
    # A mutation that made a reader hang would run into the suite's timeout (pyproject);
    # how long hostile files take is bench_hostile's to measure, not a test's.
    _, result = classify_file(target, Settings(db="sqlite://"))
    assert result.verdict in ("genai", "not_genai", "unknown", "unreadable")


def test_classify_names_cameras_and_recorders_kept_outside_exif(tmp_path: Path) -> None:
    take = wav_bytes(
        riff_chunk(b"bext", bext("", "Sound Dev: 888 S#123")),
        riff_chunk(b"iXML", b"<BWFXML><SCENE>12A</SCENE><TAKE>3</TAKE></BWFXML>"),
    )
    files = {
        "A101_3.WAV": take,
        "IMG_0001.CR3": build.cr3_bytes("Canon", "Canon EOS R5"),
        "IMG_0002.JPG": build.reconyx_jpeg("ultrafire", "UF123"),
        "GX010001.MP4": build.gopro_mp4({b"MINF": "HERO12 Black"}),
        # IFD0: one ICC profile entry claiming 2 GiB at offset 64 of a 26-byte file.
        "fuzzed.tif": b"II*\x00\x08\x00\x00\x00\x01\x00\x73\x87\x07\x00"
        + b"\xff\xff\xff\x7f\x40\x00\x00\x00\x00\x00\x00\x00",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["classify", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["files"]
    rows = {Path(r["path"]).name: (r["verdict"], r["tool"]) for r in listed}
    assert rows == {
        "A101_3.WAV": ("not_genai", "field-recorder"),
        "IMG_0001.CR3": ("not_genai", "camera"),
        "IMG_0002.JPG": ("not_genai", "camera"),
        "GX010001.MP4": ("not_genai", "camera"),
        "fuzzed.tif": ("unreadable", None),
    }


def test_classify_reads_the_flac_comments_behind_an_id3_tag(tmp_path: Path) -> None:
    """The same FLAC file shows the same tag evidence with an ID3 tag written in front of it."""
    rows = {}
    for name, data in (
        ("plain.flac", sound.flac_file()),
        ("tagged.flac", sound.flac_behind_id3(sound.RECORDER_TAGS)),
    ):
        (tmp_path / name).write_bytes(data)
        result = CliRunner().invoke(cli, ["classify", "--json", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        [rows[name]] = json.loads(result.stdout)["files"]
    fields = {name: [e["fields"]["field"] for e in row["evidence"]] for name, row in rows.items()}
    assert fields["plain.flac"] == fields["tagged.flac"] == ["tag encoder"]
    assert rows["tagged.flac"]["verdict"] == rows["plain.flac"]["verdict"] == "not_genai"
