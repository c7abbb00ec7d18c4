"""The gate finds generated material inside delivered masters, and says when.

The studio scans a generated matte painting (A1111 PNG) and a generated clip
(from the Runway export folder). A master then cuts them between camera
shots at known times: the still held whole, the clip cut in, the still
composited into a plate. The audit must block it, with one segment for each
at the right times (within half a second) and in the master's timecode, and
pass a clean master. A master it cannot read to the end blocks.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from provenance.audit.report import AuditReport, FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.cli import cli
from provenance.ingest.record import ingest
from provenance.ingest.scan import scan
from provenance.lifecycle import Approval, Lifecycle, approve
from provenance.likeness.master import MAX_STREAMS
from provenance.likeness.stage_checks import check_masters
from provenance.likeness.versions import SWEEP_RULE
from provenance.settings import FolderRule, Settings
from provenance.store import Ledger, SegmentIn
from tests.support.files import sha256_of
from tests.support.masters import (
    H264,
    PRORES,
    Codec,
    Shot,
    clip,
    composite,
    held,
    pan,
    write_master,
    write_streams,
)
from tests.support.reframing import RGB, composited, save, textured
from tests.support.scenes import Kept, kept_scene, reopened, scene_ledger
from tests.support.signing import approver_key, trusting

pytest.importorskip("av")

A1111 = "a ruined abbey, matte painting\nSteps: 20, Sampler: Euler a, Seed: 7, Model: sdxl"
STILL_SEED, CLIP_SEED = 11, 21
CLIP_SECONDS = 3.0


@dataclasses.dataclass
class Generated:
    """The studio's ledger after it scanned a generated still and a generated clip."""

    ledger: Ledger
    settings: Settings
    still: RGB
    still_sha: str
    clip_sha: str

    def audit(self, package: Path) -> dict[str, FileResult]:
        report: AuditReport = audit(package, self.ledger, self.settings, AuditOptions())
        return {f.path: f for f in report.files}


def clip_frames() -> list[RGB]:
    draw = pan(CLIP_SEED)
    return [draw(i) for i in range(round(CLIP_SECONDS * 24))]


def _built(url: str, folder: Path) -> Generated:
    rules = (FolderRule("*/runway/*", "genai", "runway", note="Runway exports"),)
    settings = trusting(Settings(db=url, workers=2, folder_rules=rules, approvers=("tester",)))
    still = textured(STILL_SEED, (640, 360))
    info = PngInfo()
    info.add_text("parameters", A1111)
    painting = save(still, folder / "work" / "matte.png", pnginfo=info)
    runway = write_master(
        folder / "work" / "runway" / "gen_clip.mp4", [Shot(CLIP_SECONDS, pan(CLIP_SEED))], H264
    )
    with scene_ledger(url) as ledger:
        scan([painting.parent], ledger, settings)
        clip_sha = sha256_of(runway)
        assert ledger.features.status_of(clip_sha) == "ok"
        return Generated(ledger, settings, still, sha256_of(painting), clip_sha)


# SQLite only: encoding masters is slow, and the stage reads the ledger as the region
# and near stages do (their tests run on both backends).
kept_generated = kept_scene("kept_generated", _built, ["sqlite"])


@pytest.fixture
def generated(
    kept_generated: Kept[Generated], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Generated]:
    """The studio's ledger after it scanned a generated still and a generated clip."""
    yield from reopened(kept_generated, monkeypatch)


def cut(generated: Generated) -> list[Shot]:
    """Camera, the still held (3-5 s), camera, the clip (7-9 s), camera, the still composited
    into a plate (10-11.5 s), camera."""
    return [
        Shot(3, pan(1)), Shot(2, held(generated.still)), Shot(2, pan(2)),
        Shot(2, clip(clip_frames())), Shot(1, pan(3)),
        Shot(1.5, composite(generated.still, 5, share=0.25)), Shot(1, pan(4)),
    ]  # fmt: skip


def spans(result: FileResult) -> list[tuple[float, float, str]]:
    return [(s.start, s.end, s.asset) for s in result.segments]


def assert_near(
    found: list[tuple[float, float, str]], expected: list[tuple[float, float, str]]
) -> None:
    assert len(found) == len(expected), found
    for (start, end, asset), (want_start, want_end, want_asset) in zip(
        found, expected, strict=True
    ):
        assert asset == want_asset
        assert abs(start - want_start) <= 0.5 and abs(end - want_end) <= 0.5, (found, expected)


@pytest.mark.parametrize("codec", [PRORES, H264], ids=["prores", "h264"])
def test_a_master_holding_generated_material_blocks_with_its_segments(
    generated: Generated, tmp_path: Path, codec: Codec
) -> None:
    master = write_master(tmp_path / "pkg" / f"master{codec.suffix}", cut(generated), codec,
                          timecode="01:00:00:00")  # fmt: skip
    result = generated.audit(master.parent)[master.name]
    assert result.verdict == "block", result.reasons
    still, moving = generated.still_sha, generated.clip_sha
    assert_near(spans(result), [(3.0, 5.0, still), (7.0, 9.0, moving), (10.0, 11.5, still)])
    first = result.segments[0]
    assert first.tc_in.startswith("01:00:0") and first.kind == "near"
    assert result.segments[2].kind == "region"
    assert (result.match.kind, result.match.asset) in (("near", still), ("region", moving),
                                                       ("near", moving))  # fmt: skip
    assert any("shows generated asset" in r and "01:00:0" in r for r in result.reasons)


def test_a_clean_master_passes_with_no_segments(generated: Generated, tmp_path: Path) -> None:
    shots = [Shot(2, pan(seed)) for seed in (31, 32, 33)]
    shots.insert(1, Shot(2, held(textured(99, (640, 360)))))  # an unrelated still, held
    master = write_master(tmp_path / "pkg" / "clean.mov", shots)
    result = generated.audit(master.parent)["clean.mov"]
    assert result.segments == ()
    assert result.verdict != "block", result.reasons


def test_timecode_counts_from_zero_without_a_timecode_track(
    generated: Generated, tmp_path: Path
) -> None:
    shots = [Shot(2, pan(1)), Shot(1.5, held(generated.still)), Shot(1, pan(2))]
    master = write_master(tmp_path / "pkg" / "no_tc.mp4", shots, H264)
    (segment,) = generated.audit(master.parent)["no_tc.mp4"].segments
    assert segment.tc_in.startswith("00:00:0") and abs(segment.start - 2.0) <= 0.5


def test_an_approved_still_inside_a_master_passes_citing_the_approval(
    generated: Generated, tmp_path: Path
) -> None:
    reference = tmp_path / "MEMO-9.pdf"
    reference.write_bytes(b"%PDF-1.4 approval")
    lifecycle = Lifecycle(generated.ledger, generated.settings)
    approve(
        lifecycle,
        [generated.still_sha],
        Approval("final-deliverable", "Jane Doe", reference, sign_with=approver_key()),
    )
    shots = [Shot(2, pan(1)), Shot(2, held(generated.still)), Shot(1, pan(2))]
    master = write_master(tmp_path / "pkg" / "approved.mov", shots)
    result = generated.audit(master.parent)["approved.mov"]
    assert result.verdict == "pass", result.reasons
    assert len(result.segments) == 1 and any("approval #1" in r for r in result.reasons)


def test_a_truncated_master_blocks(generated: Generated, tmp_path: Path) -> None:
    master = write_master(tmp_path / "src" / "whole.mov", [Shot(4, pan(1))])
    package = tmp_path / "pkg"
    package.mkdir()
    data = master.read_bytes()
    (package / "cut_short.mov").write_bytes(data[: len(data) // 3])
    result = generated.audit(package)["cut_short.mov"]
    assert result.verdict == "block"
    assert any("damaged" in r for r in result.reasons), result.reasons


def test_a_master_with_damaged_frames_blocks_and_says_where(
    generated: Generated, tmp_path: Path
) -> None:
    # The container is whole; a run of frames in the middle is garbage.
    master = write_master(tmp_path / "src" / "whole.mov", [Shot(4, pan(1))])
    data = bytearray(master.read_bytes())
    frames = [m.start() for m in re.finditer(b"icpf", data)]
    for header in frames[40:52]:  # frames 40-51: 1.7-2.2 s
        data[header + 40 : header + 4000] = bytes(range(256)) * 15 + bytes(120)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "glitched.mov").write_bytes(bytes(data))
    result = generated.audit(package)["glitched.mov"]
    assert result.verdict == "block", result.reasons
    assert any("damaged packets could not be decoded" in r for r in result.reasons), result.reasons


def test_absurd_frame_dimensions_are_refused_and_block(
    generated: Generated, tmp_path: Path
) -> None:
    # Every ProRes frame header ("icpf", then header size, version and creator) claims
    # 16000x12000: 192 million pixels, within FFmpeg's own limit but not provenance's.
    master = write_master(tmp_path / "src" / "bomb.mov", [Shot(1, pan(1))])
    data = bytearray(master.read_bytes())
    for header in [m.start() for m in re.finditer(b"icpf", data)]:
        data[header + 12 : header + 16] = (16000).to_bytes(2, "big") + (12000).to_bytes(2, "big")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "bomb.mov").write_bytes(bytes(data))
    result = generated.audit(package)["bomb.mov"]
    assert result.verdict == "block"
    assert any("over 89,478,485 pixels" in r for r in result.reasons), result.reasons


def test_the_json_report_carries_segments_on_every_file(
    generated: Generated, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    write_master(package / "master.mov", [Shot(2, pan(1)), Shot(2, held(generated.still))],
                 timecode="10:00:00:00")  # fmt: skip
    save(textured(5, (320, 180)), package / "unrelated.png")
    db = generated.settings.db
    result = CliRunner().invoke(cli, ["audit", str(package), "--format", "json", "--db", db])
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(result.output)["files"]}
    assert files["unrelated.png"]["segments"] == []
    (segment,) = files["master.mov"]["segments"]
    assert set(segment) == {"start", "end", "tc_in", "tc_out", "sha256", "kind", "score"}
    assert segment["tc_in"].startswith("10:00:0") and segment["sha256"] == generated.still_sha


def reddish(data_uri: str) -> int:
    """How many pixels of a preview are the outline's red."""
    picture = Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1]))).convert("RGB")
    rgb = np.asarray(picture).astype(int)
    return int(((rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 110)).sum())


def test_every_format_shows_the_segments(generated: Generated, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shots = [Shot(2, pan(1)), Shot(2, composite(generated.still, 5, share=0.3)), Shot(1, pan(2))]
    write_master(package / "master.mov", shots, timecode="01:00:00:00")
    db = generated.settings.db
    outputs = {}
    for form in ("table", "markdown", "sarif", "junit", "html"):
        done = CliRunner().invoke(cli, ["audit", str(package), "--format", form, "--db", db])
        assert done.exit_code == 1, done.output
        outputs[form] = done.output
    for form, text in outputs.items():
        assert re.search(r"01:00:0[12]:\d\d", text), form
    assert "Generated material inside videos" in outputs["markdown"]
    assert "Generated material inside videos" in outputs["table"]
    (result,) = json.loads(outputs["sarif"])["runs"][0]["results"]
    assert result["properties"]["segments"][0]["sha256"] == generated.still_sha
    assert 'class="segments"' in outputs["html"]
    previews = re.findall(r'alt="preview of master.mov" src="([^"]+)"', outputs["html"])
    assert previews and reddish(previews[0]) > 20  # the composited still, outlined


def test_a_region_match_in_a_still_is_outlined_in_the_html(
    generated: Generated, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    save(composited(generated.still, 3, share=0.3, plate=(960, 540)), package / "comp.jpg")
    db = generated.settings.db
    done = CliRunner().invoke(cli, ["audit", str(package), "--format", "html", "--db", db])
    assert done.exit_code == 1, done.output
    (preview,) = re.findall(r'alt="preview of comp.jpg" src="([^"]+)"', done.output)
    assert reddish(preview) > 20
    data = json.loads(
        CliRunner().invoke(cli, ["audit", str(package), "--format", "json", "--db", db]).output
    )
    outline = data["files"][0]["match"]["outline"]
    assert len(outline) == 4 and all(-1 < x < 2 and -1 < y < 2 for x, y in outline)


def test_a_scanned_master_is_swept_once_and_its_history_names_what_it_shows(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shots = [Shot(2, pan(1)), Shot(2, held(generated.still)), Shot(1, pan(2))]
    master = write_master(tmp_path / "editorial" / "reel1.mov", shots, timecode="01:00:00:00")
    scan([master.parent], generated.ledger, generated.settings)
    sha = sha256_of(master)
    (stored,) = generated.ledger.segments.many([sha])[sha]
    assert stored.hit == generated.still_sha and abs((stored.start or 0) - 2.0) <= 0.25
    tc_in = stored.tc_in or ""
    assert tc_in.startswith("01:00:0")
    db = generated.settings.db
    history = CliRunner().invoke(cli, ["history", str(master), "--db", db])
    assert "Shows generated asset" in history.output and tc_in in history.output
    data = json.loads(
        CliRunner().invoke(cli, ["history", str(master), "--json", "--db", db]).output
    )
    assert [s["sha256"] for s in data["shows"]] == [generated.still_sha]
    listed = CliRunner().invoke(
        cli, ["ls", "--looks-like", generated.still_sha, "--json", "--db", db]
    )
    rows = {row["sha256"]: row for row in json.loads(listed.output)["assets"]}
    assert rows[sha]["shows"][0]["tc_in"] == tc_in

    # The audit uses the stored sweep: nothing is decoded again.
    import provenance.likeness.master as master_module

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("the stored sweep should have been used")

    monkeypatch.setattr(master_module, "scan_master", no_decoding)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "reel1.mov").write_bytes(master.read_bytes())
    result = generated.audit(package)["reel1.mov"]
    assert result.verdict == "block" and result.segments[0].tc_in == tc_in


def test_an_audit_stores_the_sweep_of_a_master_the_ledger_holds(
    generated: Generated, tmp_path: Path
) -> None:
    master = write_master(tmp_path / "pkg" / "reel.mov", [Shot(2, pan(1))])
    scan([master], generated.ledger, generated.settings)
    sha = sha256_of(master)
    # A generated asset described after the scan's sweep makes that sweep stale.
    more = save(textured(77, (640, 360)), tmp_path / "work" / "runway" / "more.png")
    scan([more], generated.ledger, generated.settings)
    stale = generated.ledger.segments.many([sha])[sha][0]
    assert stale.features_through < generated.ledger.segments.through()[0]
    generated.audit(master.parent)
    (fresh,) = generated.ledger.segments.many([sha])[sha]
    assert (fresh.features_through, fresh.prints_through) == generated.ledger.segments.through()


def test_a_sweep_made_by_an_older_rule_is_made_again_never_trusted(
    generated: Generated, tmp_path: Path
) -> None:
    master = write_master(tmp_path / "pkg" / "reel.mov", [Shot(2, pan(1))])
    scan([master], generated.ledger, generated.settings)
    sha = sha256_of(master)
    (swept,) = generated.ledger.segments.many([sha])[sha]
    assert (swept.hit, swept.rule) == (None, SWEEP_RULE)
    # What a sweep before near matches were confirmed might have said: the still, near.
    stale = dataclasses.replace(swept, hit=generated.still_sha, start=0.5, end=1.5,
                                kind="near", score=0.8, rule=SWEEP_RULE - 1)  # fmt: skip
    generated.ledger.segments.save([stale])
    assert generated.ledger.segments.holding(generated.still_sha, rule=SWEEP_RULE) == []
    assert check_masters(generated.ledger) == 0  # the deferred stage sweeps it again
    assert generated.ledger.segments.many([sha])[sha] == [swept]
    generated.ledger.segments.save([stale])
    result = generated.audit(master.parent)["reel.mov"]  # and so does the audit
    assert not result.segments and result.verdict != "block"
    assert generated.ledger.segments.many([sha])[sha] == [swept]


def test_a_nothing_found_forged_past_every_described_asset_is_never_reused(
    generated: Generated, tmp_path: Path
) -> None:
    """An insider's sweep row, "nothing found", claiming rows that do not exist yet: a sweep
    is reused only when made against exactly the generated assets described now."""
    # One held still is generated material enough: what is tested is the forged row, not the
    # sweep (the full cut, 12.5 s to encode and sweep, is the first test's).
    shots = [Shot(1, pan(1)), Shot(2, held(generated.still)), Shot(1, pan(2))]
    master = write_master(tmp_path / "pkg" / "reel.mov", shots)
    scan([master], generated.ledger, generated.settings)
    sha = sha256_of(master)
    features, prints = generated.ledger.segments.through()
    generated.ledger.segments.save([SegmentIn(sha, features + 1000, prints + 1000,
                                              rule=SWEEP_RULE)])  # fmt: skip
    result = generated.audit(master.parent)["reel.mov"]
    assert result.verdict == "block" and result.segments, result.reasons


def test_a_generated_still_in_a_second_video_stream_is_found(
    generated: Generated, tmp_path: Path
) -> None:
    """A second picture stream (a textless version, another eye) used to block unseen; each
    stream is now swept on the programme's timeline."""
    clean = [Shot(4, pan(1))]
    hiding = [Shot(1, pan(2)), Shot(2, held(generated.still)), Shot(1, pan(3))]
    master = write_streams(tmp_path / "pkg" / "two.mov", [clean, hiding])
    result = generated.audit(master.parent)["two.mov"]
    assert result.verdict == "block", result.reasons
    assert_near(spans(result), [(1.0, 3.0, generated.still_sha)])
    assert not any("not fully checked" in r for r in result.reasons), result.reasons


def test_a_file_of_clean_streams_is_fully_seen(generated: Generated, tmp_path: Path) -> None:
    master = write_streams(tmp_path / "pkg" / "two.mov", [[Shot(2, pan(1))], [Shot(2, pan(2))]])
    result = generated.audit(master.parent)["two.mov"]
    assert result.verdict != "block" and not result.segments, result.reasons


def test_more_streams_than_are_swept_block(generated: Generated, tmp_path: Path) -> None:
    tracks = [[Shot(1, pan(seed))] for seed in range(MAX_STREAMS + 1)]
    master = write_streams(tmp_path / "pkg" / "many.mov", tracks)
    result = generated.audit(master.parent)["many.mov"]
    assert result.verdict == "block", result.reasons
    assert any(f"only the first {MAX_STREAMS} were swept" in r for r in result.reasons)


def test_a_sweep_stopped_by_shutdown_is_not_stored(generated: Generated, tmp_path: Path) -> None:
    master = write_master(tmp_path / "editorial" / "reel.mov", [Shot(3, pan(1))])
    ingest(master, generated.ledger, generated.settings)  # recorded, not yet swept
    asked = iter([False, False, True])
    assert check_masters(generated.ledger, None, lambda: next(asked, True)) == 0
    assert generated.ledger.segments.many([sha256_of(master)]) == {}
    check_masters(generated.ledger)
    assert sha256_of(master) in generated.ledger.segments.many([sha256_of(master)])


def test_an_audio_only_file_is_noted_not_blocked(generated: Generated, tmp_path: Path) -> None:
    import av

    path = tmp_path / "pkg" / "printmaster.mov"
    path.parent.mkdir()
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 4800), np.int16), "s16", "mono")
        frame.sample_rate = 48000
        out.mux(stream.encode(frame))
        out.mux(stream.encode())
    result = generated.audit(path.parent)["printmaster.mov"]
    assert result.verdict != "block", result.reasons
    assert any("no picture to check for generated material" in r for r in result.reasons)
