"""The audit on videos: copies of a generated clip are judged as the clip, others are not."""

from __future__ import annotations

import base64
import dataclasses
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.ingest.scan import scan
from provenance.lifecycle import Approval, Lifecycle, approve
from provenance.reports.thumbnails import thumbnails_for
from provenance.settings import FolderRule
from tests.support.files import sha256_of
from tests.support.signing import approver_key
from tests.support.studio import Studio
from tests.support.videos import REENCODES, clip, remux_stripped, without_codec

pytest.importorskip("av")


@dataclasses.dataclass
class VideoStudio:
    """The studio's ledger after a generated clip was scanned from the Runway output folder."""

    studio: Studio
    generated: Path

    def audit(self, package: Path) -> dict[str, FileResult]:
        report: AuditReport = audit(
            package, self.studio.ledger, self.studio.settings, AuditOptions()
        )
        return {f.path: f for f in report.files}


@pytest.fixture
def videos(studio: Studio) -> VideoStudio:
    rules = (FolderRule("*/runway/*", "genai", "runway", note="Runway exports"),)
    studio.settings = dataclasses.replace(studio.settings, folder_rules=rules)
    generated = clip(studio.work / "runway" / "gen_clip.mp4", 1)
    scan([generated], studio.ledger, studio.settings)
    return VideoStudio(studio, generated)


def test_the_scan_stores_every_moment_of_a_generated_clip(videos: VideoStudio) -> None:
    ledger = videos.studio.ledger
    sha = sha256_of(videos.generated)
    assert ledger.assets.get(sha).kind == "video"  # type: ignore[union-attr]
    assert len(ledger.fingerprints.many([sha])[sha].hashes) == 8
    assert [f.frame for f in ledger.fingerprints.genai_page() if f.sha256 == sha] == list(range(8))


def test_copies_of_a_generated_clip_are_blocked_and_others_are_not(
    videos: VideoStudio, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    clip(package / "reencoded.mp4", 1, REENCODES["crf35"])
    clip(package / "half_size.mp4", 1, REENCODES["half_size"])
    clip(package / "editorial.mov", 1, REENCODES["prores"])
    remux_stripped(videos.generated, package / "stripped.mov")
    clip(package / "unrelated.mp4", 2)
    # A copy the ledger already knows (seen on a plates share): its stored moments are used.
    known = clip(videos.studio.work / "plates" / "known_copy.mp4", 1, REENCODES["keyframes_7"])
    scan([known], videos.studio.ledger, videos.studio.settings)
    shutil.copy(known, package / "known_copy.mp4")
    results = videos.audit(package)
    origin = sha256_of(videos.generated)
    for name in ("reencoded.mp4", "half_size.mp4", "editorial.mov", "stripped.mov"):
        result = results[name]
        assert (result.verdict, result.match.kind, result.match.asset) == ("block", "near", origin)
        assert result.match.distance is not None and result.match.distance <= 10
        assert "8 of 8 sampled moments alike" in result.reasons[0], result.reasons
        assert any("temporary" in r for r in result.reasons)
    known_result = results["known_copy.mp4"]
    assert (known_result.verdict, known_result.match.kind) == ("block", "near")
    unrelated = results["unrelated.mp4"]
    assert unrelated.match.kind is None and unrelated.verdict != "block", unrelated.reasons
    assert not any("looks like" in r or "near-match" in r for r in unrelated.reasons)


def test_a_copy_of_an_approved_clip_passes_citing_the_approval(
    videos: VideoStudio, tmp_path: Path
) -> None:
    consent = tmp_path / "approval.pdf"
    consent.write_bytes(b"%PDF-1.4 approved for finals")
    lifecycle = Lifecycle(videos.studio.ledger, videos.studio.settings)
    approve(
        lifecycle,
        [str(videos.generated)],
        Approval("final-deliverable", "VFX Sup", consent, sign_with=approver_key()),
    )
    package = tmp_path / "pkg"
    clip(package / "final.mov", 1, REENCODES["prores"])
    result = videos.audit(package)["final.mov"]
    assert (result.verdict, result.match.kind) == ("pass", "near")
    assert any("VFX Sup" in r for r in result.reasons)


def test_an_undecodable_video_blocks(videos: VideoStudio, tmp_path: Path) -> None:
    # It cannot be compared with the generated clips, so it cannot pass.
    package = tmp_path / "pkg"
    package.mkdir()
    broken = package / "broken.mp4"
    broken.write_bytes(videos.generated.read_bytes()[:2000])
    result = videos.audit(package)["broken.mp4"]
    assert result.verdict == "block"
    assert any("provenance cannot be checked: damaged:" in r for r in result.reasons)


def test_a_video_whose_stream_names_no_codec_blocks(videos: VideoStudio, tmp_path: Path) -> None:
    # Its sweep for generated material cannot start: said and blocked, not a traceback.
    package = tmp_path / "pkg"
    package.mkdir()
    plain = clip(tmp_path / "plain.mp4", 7)
    without_codec(plain, package / "nocodec.mp4")
    result = videos.audit(package)["nocodec.mp4"]
    assert result.verdict == "block"
    assert any("names no codec" in r for r in result.reasons), result.reasons


def test_the_html_report_shows_a_blocked_video_and_the_clip_it_copies(
    videos: VideoStudio, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    clip(package / "reencoded.mp4", 1, REENCODES["crf35"])
    report = audit(
        package,
        videos.studio.ledger,
        videos.studio.settings,
        AuditOptions(thumbnails=thumbnails_for),
    )
    origin = sha256_of(videos.generated)
    assert set(report.thumbnails) == {"reencoded.mp4", origin}
    for uri in report.thumbnails.values():
        picture = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        assert picture.format == "JPEG" and max(picture.size) <= 160
