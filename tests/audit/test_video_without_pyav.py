"""Without PyAV (a broken install, now that it is a core dependency): videos say so and block.

PyAV is made unimportable by putting ``None`` in ``sys.modules["av"]``, which
is what an installation without it looks like to ``import av`` (an
ImportError) and to ``importlib.util.find_spec`` (not found). Nothing here
needs PyAV: the videos are only their first bytes.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import pytest

from provenance.audit.run import AuditOptions, audit
from provenance.ingest.scan import scan
from provenance.likeness import video as video_frames
from provenance.likeness.fingerprint import fingerprint_file
from provenance.likeness.stage import fingerprint_kinds
from provenance.likeness.video import NOT_INSTALLED, VideoUnavailable, sample_frames
from provenance.settings import FolderRule
from tests.support.files import sha256_of
from tests.support.studio import Studio, generated_png

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


@pytest.fixture
def no_pyav(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)


def fake_video(path: Path, body: bytes = b"\x00" * 64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(MP4_HEAD + body)
    return path


@pytest.mark.usefixtures("no_pyav")
def test_the_message_says_what_to_install(tmp_path: Path) -> None:
    assert NOT_INSTALLED == "video keyframes need PyAV: pip install 'provenance[video]'"
    assert not video_frames.available()
    with pytest.raises(VideoUnavailable, match=r"pip install 'provenance\[video\]'"):
        sample_frames(fake_video(tmp_path / "clip.mp4"))


@pytest.mark.usefixtures("no_pyav")
def test_a_video_is_unavailable_not_an_error(tmp_path: Path) -> None:
    result = fingerprint_file(fake_video(tmp_path / "clip.mov"))
    assert (result.status, result.kind, result.reason) == ("unavailable", "video", NOT_INSTALLED)
    assert not result.ok


@pytest.mark.usefixtures("no_pyav")
def test_the_fingerprint_stage_leaves_videos_for_later(studio: Studio, tmp_path: Path) -> None:
    video = fake_video(tmp_path / "shots" / "clip.mp4")
    image = generated_png(tmp_path / "shots" / "still.png", 7)
    scan([tmp_path / "shots"], studio.ledger, studio.settings)
    assert fingerprint_kinds() == ("image",)
    assert studio.ledger.fingerprints.status_of(sha256_of(image)) == "ok"
    assert studio.ledger.fingerprints.status_of(sha256_of(video)) is None  # no row: retried later
    waiting = studio.ledger.fingerprints.missing([sha256_of(video)], ("image", "video"))
    assert waiting == [(sha256_of(video), str(video))]


def test_the_fingerprint_stage_takes_videos_when_pyav_is_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(video_frames, "available", lambda: True)
    assert fingerprint_kinds() == ("image", "video")


@pytest.mark.usefixtures("no_pyav")
def test_the_audit_blocks_videos_it_could_not_check_without_pyav(
    studio: Studio, tmp_path: Path
) -> None:
    rules = (FolderRule("*/plates/*", "not_genai", note="camera originals"),)
    settings = dataclasses.replace(studio.settings, folder_rules=rules)
    plate = fake_video(studio.work / "plates" / "plate.mov", b"\x01" * 64)
    scan([plate], studio.ledger, settings)
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(plate, package / "plate.mov")
    shutil.copy(studio.work / "genai" / "gen1.png", package / "gen1.png")
    report = audit(package, studio.ledger, settings, AuditOptions())
    results = {f.path: f for f in report.files}
    reasons = results["plate.mov"].reasons
    # PyAV is a core dependency: an install without it is broken, and the gate fails closed.
    assert results["plate.mov"].verdict == "block", reasons
    assert any("near match not checked: PyAV is not installed" in r for r in reasons)
    assert any("video not checked for generated material" in r for r in reasons)
    assert any(NOT_INSTALLED in r for r in reasons)
    assert not any("PyAV" in r for r in results["gen1.png"].reasons)
    assert results["gen1.png"].verdict == "block"
