"""The gate fails closed on hostile single files: each blocks with its reason, output stays clean.

The package holds every input of :data:`tests.support.hostile_files.HOSTILE`
(some built smaller), and the ledger holds generated pictures, so the
near-match stage runs and decodes what it can.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.audit.report import FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.ingest.scan import plan_scan, run_scan
from provenance.settings import Settings
from provenance.store import FingerprintIn, Ledger
from tests.detectors.builders_metadata import (
    IPTC,
    box,
    dst,
    jpeg_bytes,
    make_signer,
    manifest_with_actions,
    mp4_bytes,
    sign_asset,
    xmp_packet,
)
from tests.support import containers
from tests.support import hostile_files as hostile
from tests.support import sound_files as sound
from tests.support.corpus import CORPUS
from tests.support.files import sha256_of
from tests.support.studio import Studio

COMPOSITE = (
    CORPUS / "digimarc-corp+c2pa-content-credentials-extension"
    / "c2pa-wc__node_modules__@contentauth__testing__fixtures__images__composite-dst.jpg"
)  # fmt: skip
# The readers' limits cannot be lowered here: files are read in guarded worker processes,
# which a monkeypatch in this one does not reach. The chunk cases are built at full size.
SMALLER: dict[str, hostile.Builder] = {
    "jpeg_20mb_fill.jpg": lambda: hostile.jpeg_fill_bytes(17),
}


def _package(tmp_path: Path, cases: dict[str, hostile.Builder]) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    for name, build in cases.items():
        (package / name).write_bytes(build())
    return package


def _audit(studio: Studio, package: Path) -> dict[str, FileResult]:
    report = audit(package, studio.ledger, studio.settings, AuditOptions(record=False))
    return {f.path: f for f in report.files}


def test_every_hostile_input_blocks_with_its_reason(studio: Studio, tmp_path: Path) -> None:
    cases = {h.name: SMALLER.get(h.name, h.build) for h in hostile.HOSTILE}
    results = _audit(studio, _package(tmp_path, cases))
    for case in hostile.HOSTILE:
        result = results[case.name]
        if case.verdict == "unreadable":
            assert result.verdict == "block", (case.name, result.reasons)
            assert result.reasons[0].startswith("provenance cannot be checked: ")
        else:  # the ID3 bomb and the 12-bit JPEG: read, compared, provenance unknown
            assert (result.verdict, result.classification) == ("warn", "unknown"), result.reasons


def test_pictures_that_do_not_decode_block(studio: Studio, tmp_path: Path) -> None:
    cases = {
        "leader.exr": hostile.exr_bad_chunk_leader,
        "pixels.png": hostile.png_undecodable_pixels,
    }
    results = _audit(studio, _package(tmp_path, cases))
    for name in cases:
        assert results[name].verdict == "block", results[name].reasons
        assert "picture does not decode" in results[name].reasons[-1]


def test_a_camera_picture_hiding_markers_behind_damage_blocks(
    studio: Studio, tmp_path: Path
) -> None:
    """Camera EXIF read before the damage does not vouch for what the damage swallowed.

    The picture decodes, so only the damage can tell: the generator's
    ``parameters`` lie in the bytes a chunk running past the end covers.
    """
    package = _package(tmp_path, {"plate.png": hostile.png_camera_hiding_parameters})
    result = _audit(studio, package)["plate.png"]
    assert result.verdict == "block", result.reasons
    assert "provenance cannot be checked: damaged:" in result.reasons[0]


def test_damage_blocks_with_no_generated_material_in_the_ledger(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    """Nothing to compare with, so no decoder is asked; and the packet the comment hides is
    read where it lies, so the file is known for what it is (generated), not only damaged."""
    package = _package(tmp_path, {"plate.jpg": hostile.jpeg_camera_hiding_xmp})
    report = audit(package, ledger, settings, AuditOptions(record=False))
    [result] = report.files
    assert result.verdict == "block", result.reasons
    assert result.classification == "genai"
    assert "carries generator markers (adobe-firefly)" in result.reasons[0]


def test_a_camera_picture_with_unreadable_xmp_blocks(studio: Studio, tmp_path: Path) -> None:
    package = _package(tmp_path, {"plate.jpg": hostile.jpeg_camera_with_unreadable_xmp})
    result = _audit(studio, package)["plate.jpg"]
    assert result.verdict == "block", result.reasons
    assert "provenance cannot be checked: embedded XMP could not be read:" in result.reasons[0]


def test_a_camera_file_a_detector_failed_on_blocks(studio: Studio, tmp_path: Path) -> None:
    package = _package(tmp_path, {"plate.cr2": hostile.raw_camera_with_a_broken_magic})
    result = _audit(studio, package)["plate.cr2"]
    assert result.verdict == "block", result.reasons
    assert "provenance cannot be checked: FormatProblem: not a TIFF file" in result.reasons[0]


@pytest.mark.skipif(not COMPOSITE.is_file(), reason="shared corpus not present")
def test_a_camera_picture_with_an_unreadable_c2pa_manifest_blocks(
    studio: Studio, tmp_path: Path
) -> None:
    """Firefly's generative fill over a camera photo, its manifest's first part written twice.

    The SDK cannot read the manifest store; the camera's EXIF is intact.
    """
    package = tmp_path / "pkg"
    package.mkdir()
    repeated = hostile.jpeg_segment_repeated(COMPOSITE.read_bytes(), 0xEB)
    (package / "composite.jpg").write_bytes(repeated)
    result = _audit(studio, package)["composite.jpg"]
    assert result.verdict == "block", result.reasons
    said = "provenance cannot be checked: C2PA manifest (embedded) could not be read:"
    assert said in result.reasons[0]


def test_a_capture_claim_in_a_tampered_c2pa_record_blocks(studio: Studio, tmp_path: Path) -> None:
    """A signed "captured" record whose hash binding no longer holds blocks; an intact one passes.

    Neither signer is on a trust list: an unknown signer alone does not block.
    """
    capture = {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}
    asset, _ = sign_asset(make_signer(), jpeg_bytes(), "image/jpeg", manifest_with_actions(capture))
    tampered = bytearray(asset)
    tampered[-10] ^= 0xFF  # inside the image data
    package = _package(
        tmp_path, {"intact.jpg": lambda: asset, "changed.jpg": lambda: bytes(tampered)}
    )
    results = _audit(studio, package)
    assert results["intact.jpg"].verdict != "block", results["intact.jpg"].reasons
    assert results["changed.jpg"].verdict == "block", results["changed.jpg"].reasons
    assert "assertion.dataHash.mismatch" in results["changed.jpg"].reasons[0]


def test_damaged_sound_with_a_recorder_tag_blocks(studio: Studio, tmp_path: Path) -> None:
    """A field recorder's tag read before the damage does not let a cut or padded file pass."""
    cases: dict[str, hostile.Builder] = {
        "take.flac": sound.flac_file,
        "take.ogg": sound.ogg_file,
        "cut.flac": sound.flac_cut_mid_frame,
        "hiding.flac": sound.flac_garbage_after_metadata,
        "cut.ogg": sound.ogg_cut_mid_page,
        "hiding.ogg": sound.ogg_garbage_after_headers,
    }
    results = _audit(studio, _package(tmp_path, cases))
    for name in ("take.flac", "take.ogg"):
        assert results[name].verdict != "block", results[name].reasons
    for name in ("cut.flac", "hiding.flac", "cut.ogg", "hiding.ogg"):
        assert results[name].verdict == "block", results[name].reasons
        assert "provenance cannot be checked: damaged:" in results[name].reasons[0]


def test_sound_behind_an_id3_tag_is_judged_by_what_it_is(studio: Studio, tmp_path: Path) -> None:
    """A generated FLAC file behind an ID3 tag blocks (it passed as an unknown MP3), a take
    passes, and tags that hide where the audio starts block as damage or as not fully read."""
    cases: dict[str, hostile.Builder] = {
        "generated.flac": sound.flac_behind_id3,
        "take.flac": lambda: sound.flac_behind_id3(sound.RECORDER_TAGS),
        "song.mp3": sound.mp3_behind_id3,
        "past_end.flac": sound.id3_past_end,
        "in_a_row.flac": sound.id3_in_a_row,
        "garbage.flac": sound.id3_then_garbage,
        "cut.flac": lambda: sound.id3_in_front_of(sound.flac_cut_mid_frame()),
    }
    results = _audit(studio, _package(tmp_path, cases))
    for name in ("take.flac", "song.mp3"):
        assert results[name].verdict != "block", results[name].reasons
    generated = results["generated.flac"]
    assert (generated.verdict, generated.classification, generated.tool) == (
        "block",
        "genai",
        "elevenlabs",
    )
    for name in ("past_end.flac", "in_a_row.flac", "garbage.flac", "cut.flac"):
        assert results[name].verdict == "block", results[name].reasons
        assert results[name].reasons[0].startswith("provenance cannot be checked: ")


def test_an_id3_frame_that_cannot_be_read_blocks(studio: Studio, tmp_path: Path) -> None:
    """A frame whose size runs past its tag is where a generator's name would be (here it is
    one, cut off): the file passed with "provenance unknown", and now blocks as damage."""
    hidden = b"TSSE" + sound.syncsafe(4096) + b"\x00\x00" + b"\x03ElevenLabs"
    cases: dict[str, hostile.Builder] = {
        "damaged.mp3": lambda: sound.id3_tag(sound.TAGGER_FRAME + hidden) + sound.mpeg_frames(),
        "sound.mp3": sound.mp3_behind_id3,
    }
    results = _audit(studio, _package(tmp_path, cases))
    assert results["sound.mp3"].verdict == "warn", results["sound.mp3"].reasons
    damaged = results["damaged.mp3"]
    assert damaged.verdict == "block", damaged.reasons
    assert damaged.reasons[0].startswith("provenance cannot be checked: damaged: audio metadata:")


ANIMATEDIFF = (
    CORPUS
    / "Kosinkadink+ComfyUI-AnimateDiff-Evolved"
    / "examples__samples__prompt_travel_00001.mp4"
)


@pytest.mark.skipif(not ANIMATEDIFF.is_file(), reason="the corpus is not here")
def test_a_generated_video_whose_graph_lost_a_byte_blocks(studio: Studio, tmp_path: Path) -> None:
    """Found by mutating the corpus: one changed byte in the comment that holds ComfyUI's graph,
    and the video passed as "provenance unknown"."""
    data = ANIMATEDIFF.read_bytes()
    assert data.count(b'{"prompt": ') == 1
    cases: dict[str, hostile.Builder] = {
        "travel.mp4": lambda: data.replace(b'{"prompt": ', b'["prompt": ')
    }
    result = _audit(studio, _package(tmp_path, cases))["travel.mp4"]
    assert result.verdict == "block", result.reasons
    assert result.reasons[0].startswith("provenance cannot be checked: MP4 moov/udta/meta/ilst")
    assert "opens as JSON and cannot be read" in result.reasons[0]


def test_audit_json_stays_valid_when_openexr_complains(studio: Studio, tmp_path: Path) -> None:
    # See tests/util/test_native_output.py for where the binding's warning goes.
    package = _package(tmp_path, {"leader.exr": hostile.exr_bad_chunk_leader})
    args = ["audit", str(package), "--db", studio.settings.db, "--format", "json", "--no-record"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["files"][0]["verdict"] == "block"


def test_a_stored_fingerprint_failure_is_tried_again_and_blocks(
    studio: Studio, tmp_path: Path
) -> None:
    """The daemon stores an ``error`` after its last attempt: the audit does not pass on it."""
    package = _package(tmp_path, {"pixels.png": hostile.png_undecodable_pixels})
    run_scan(plan_scan([package], studio.settings), studio.ledger, studio.settings,
             fingerprints=False)  # fmt: skip
    sha = sha256_of(package / "pixels.png")
    studio.ledger.fingerprints.save([FingerprintIn(sha, "error", reason="worker killed")])
    result = _audit(studio, package)["pixels.png"]
    assert result.verdict == "block", result.reasons
    assert "picture does not decode" in result.reasons[-1]


def _udta_damaged(comment: str) -> bytes:
    movie = containers.mp4_bytes([("\xa9cmt", comment)])
    at = movie.index(b"udta")
    return movie[:at] + b"udtb" + movie[at + 4 :]


def test_damaged_containers_track_metadata_and_wide_xmp_block(
    studio: Studio, tmp_path: Path
) -> None:
    generated = xmp_packet(dst("trainedAlgorithmicMedia"))
    track = containers.box(b"trak", containers.box(b"udta", box(b"XMP_", generated.encode())))
    wide = containers.Item(2, b"mime", generated.encode("utf-32-le"), "application/rdf+xml")
    vendor = box(b"udta", box(b"NCDT", box(b"NCTG", bytes(80))))
    cases: dict[str, hostile.Builder] = {
        "comfyui.mp4": lambda: _udta_damaged(containers.vhs_comment()),
        "plain.mp4": lambda: _udta_damaged("holiday"),
        "track.mp4": lambda: mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + track)),
        "wide.heic": lambda: containers.heif_bytes(b"heic", [wide]),
        "vendor.mp4": lambda: mp4_bytes(box(b"moov", box(b"mvhd", bytes(100)) + vendor)),
    }
    results = _audit(studio, _package(tmp_path, cases))
    found = {name: (r.verdict, r.classification) for name, r in results.items()}
    assert found == {
        "comfyui.mp4": ("block", "genai"),
        "plain.mp4": ("block", "unreadable"),
        "track.mp4": ("block", "genai"),
        "wide.heic": ("block", "genai"),
        "vendor.mp4": ("warn", "unknown"),
    }
