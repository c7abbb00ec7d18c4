"""``provenance audit CUT``: each clip judged on the media it uses; markers back to the editor."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest
from click.testing import CliRunner

from provenance.audit.cut_read import clips_of, read_timeline
from provenance.audit.timelines import is_timeline
from provenance.cli import cli
from tests.support.cuts import (
    audit,
    clips,
    cut,
    external,
    gap,
    generator,
    markers_of,
    missing,
    sequence,
)
from tests.support.studio import Studio, camera_jpeg, generated_png, picture


@pytest.fixture
def show(tmp_path: Path) -> Path:
    """A show folder with a comp sequence whose frame 1002 is generated (1001, 1003: no markers)."""
    media = tmp_path / "show" / "media"
    media.mkdir(parents=True)
    picture(71).save(media / "comp.1001.png")
    generated_png(media / "comp.1002.png", 72)
    picture(73).save(media / "comp.1003.png")
    camera_jpeg(media / "camera.jpg", 74)
    return tmp_path / "show"


def test_a_clip_blocks_only_when_its_range_holds_the_generated_frame(
    studio: Studio, show: Path
) -> None:
    # target_url_for_image_number counts from start_frame: offset 1 is frame 1002.
    timeline = cut(show / "cut.otio", [
        sequence("before", "media", "comp", (0, 1)),
        sequence("generated", "media", "comp", (1, 1)),
        sequence("after", "media", "comp", (2, 1)),
        sequence("whole", "media", "comp", (0, 3)),
    ])  # fmt: skip
    done = audit(studio.settings.db, str(timeline), "--json")
    assert done.exit_code == 1, done.output
    rows = clips(done)
    assert {n for n, r in rows.items() if r["verdict"] == "block"} == {"generated", "whole"}
    assert rows["generated"]["files"] == ["media/comp.1002.png"]
    assert rows["whole"]["files"] == [f"media/comp.{f}.png" for f in (1001, 1002, 1003)]
    assert "media/comp.1002.png: carries generator markers" in rows["generated"]["reasons"][0]
    assert rows["generated"]["record_in"] == "01:00:00:01"
    assert rows["generated"]["source_in"] == "00:00:00:01"


@pytest.mark.parametrize(
    "pattern", ["comp.%04d.png", "comp.####.png", "comp.$F4.png", "comp.@@@@.png"]
)
def test_frame_patterns_expand_to_the_frames_used(studio: Studio, show: Path, pattern: str) -> None:
    timeline = cut(show / "cut.otio", [
        external("clean", f"media/{pattern}", frames=1, start=1001),
        external("dirty", f"media/{pattern}", frames=2, start=1002),
    ])  # fmt: skip
    rows = clips(audit(studio.settings.db, str(timeline), "--json"))
    assert rows["clean"]["files"] == ["media/comp.1001.png"]
    assert rows["clean"]["verdict"] != "block"
    assert rows["dirty"]["files"] == ["media/comp.1002.png", "media/comp.1003.png"]
    assert rows["dirty"]["verdict"] == "block"


def test_file_urls_resolve_like_paths(studio: Studio, show: Path) -> None:
    url = (show / "media" / "comp.1002.png").as_uri()
    rows = clips(
        audit(studio.settings.db, str(cut(show / "c.otio", [external("u", url)])), "--json")
    )
    assert rows["u"]["verdict"] == "block"
    assert rows["u"]["files"] == ["media/comp.1002.png"]


def test_markers_back_on_exactly_the_blocked_clips(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [
        sequence("clean", "media", "comp", (0, 1)),
        sequence("generated", "media", "comp", (1, 1)),
        generator("black"),
        external("camera", "media/camera.jpg"),
    ])  # fmt: skip
    for suffix in (".otio", ".edl"):
        out = show / f"marked{suffix}"
        done = audit(studio.settings.db, str(timeline), "--markers", str(out), "--json")
        assert done.exit_code == 1, done.output
        blocked = {n for n, r in clips(done).items() if r["verdict"] == "block"}
        red = {n for n, colours in markers_of(out).items() if "RED" in colours}
        assert red == blocked == {"generated"}


def test_a_clip_hidden_by_an_upper_track_is_present_but_covered(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio",
                   [external("generated", "media/comp.1002.png", frames=12)],
                   [gap(2), external("partly", "media/camera.jpg", frames=4)],
                   [external("over", "media/camera.jpg", frames=12)])  # fmt: skip
    done = audit(studio.settings.db, str(timeline), "--json")
    rows = clips(done)
    assert rows["generated"]["verdict"] == "warn"
    assert "present but covered by partly (V2), over (V3)" in rows["generated"]["reasons"][0]
    assert rows["generated"]["covered_by"] == ["partly (V2)", "over (V3)"]
    assert done.exit_code == 0, done.output
    partial = cut(show / "partial.otio",
                  [external("generated", "media/comp.1002.png", frames=12)],
                  [gap(2), external("partly", "media/camera.jpg", frames=4)])  # fmt: skip
    assert (
        clips(audit(studio.settings.db, str(partial), "--json"))["generated"]["verdict"] == "block"
    )


def test_generators_are_skipped(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [generator("bars", "SMPTEBars"), generator("black")])
    done = audit(studio.settings.db, str(timeline), "--json")
    assert done.exit_code == 0, done.output
    rows = clips(done)
    assert rows["bars"]["verdict"] == "pass"
    assert "no media" in rows["bars"]["reasons"][0]


def test_offline_media_resolves_through_the_ledger_by_name(studio: Studio, show: Path) -> None:
    # gen1.png is not where the cut says, but the ledger has seen it under the work folder.
    timeline = cut(show / "cut.otio", [external("offline", "elsewhere/gen1.png")])
    unrooted = audit(studio.settings.db, str(timeline), "--json")
    assert unrooted.exit_code == 1
    row = clips(unrooted)["offline"]
    assert row["verdict"] == "block"
    assert "media offline and not found through the ledger" in row["reasons"][0]
    rooted = audit(studio.settings.db, str(timeline), "--root", str(studio.work), "--json")
    row = clips(rooted)["offline"]
    assert row["verdict"] == "block"
    assert "resolved through the ledger by file name" in row["reasons"][0]
    assert row["files"] == ["genai/gen1.png"]


def test_a_missing_reference_resolves_by_clip_name(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [missing("gen2.png"), missing("never_seen.mov")])
    rows = clips(audit(studio.settings.db, str(timeline), "--root", str(studio.work), "--json"))
    assert rows["gen2.png"]["files"] == ["genai/gen2.png"]
    assert rows["gen2.png"]["verdict"] == "block"
    assert rows["never_seen.mov"]["verdict"] == "block"
    assert "never_seen.mov" in rows["never_seen.mov"]["reasons"][0]


def test_media_that_is_not_a_local_file_is_unresolved(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [external("web", "https://example.com/a.mov")])
    done = audit(studio.settings.db, str(timeline), "--json")
    assert done.exit_code == 1
    assert clips(done)["web"]["reasons"][0].startswith("media is not a local file")


def test_media_outside_the_roots_is_refused_naming_the_clip(studio: Studio, show: Path) -> None:
    outside = studio.work / "genai" / "gen1.png"
    timeline = cut(show / "cut.otio", [external("stray", str(outside))])
    done = audit(studio.settings.db, str(timeline))
    assert done.exit_code == 2
    assert done.stderr.startswith("Error: clip 'stray' on V1 at 01:00:00:00 uses media outside")
    assert len(done.stderr.strip().splitlines()) == 1
    assert audit(studio.settings.db, str(timeline), "--root", str(studio.work)).exit_code == 1


def test_links_are_not_followed_out_of_the_roots(studio: Studio, show: Path) -> None:
    (show / "media" / "link.png").symlink_to(studio.work / "genai" / "gen1.png")
    timeline = cut(show / "cut.otio", [external("linked", "media/link.png")])
    done = audit(studio.settings.db, str(timeline))
    assert done.exit_code == 2
    assert "clip 'linked'" in done.stderr
    assert "link that leads outside the allowed roots" in done.stderr


def test_every_format_carries_the_clip_rows(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [sequence("generated", "media", "comp", (1, 1))])
    outputs = {fmt: show / f"report.{fmt}" for fmt in ("junit", "sarif", "markdown", "html")}
    args = [f"--output={fmt}={path}" for fmt, path in outputs.items()]
    assert audit(studio.settings.db, str(timeline), *args).exit_code == 1
    assert 'classname="V1" name="generated 01:00:00:00-01:00:00:01"' in outputs["junit"].read_text()
    sarif = json.loads(outputs["sarif"].read_text())
    names = [loc["name"] for r in sarif["runs"][0]["results"] for loc in r["locations"][0].get(
        "logicalLocations", [])]  # fmt: skip
    assert names == ["generated"]
    assert "| block | V1 | generated | 01:00:00:00 |" in outputs["markdown"].read_text()
    assert "<h2>Clips</h2>" in outputs["html"].read_text()
    table = audit(studio.settings.db, str(timeline))
    assert "BLOCKED: 1 blocked, 0 warned, 0 passed of 1 clips" in table.stdout


def test_the_cut_audit_is_recorded(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [sequence("generated", "media", "comp", (1, 1))])
    audit(studio.settings.db, str(timeline))
    done = CliRunner().invoke(cli, ["audits", "--json", "--db", studio.settings.db])
    [recorded] = json.loads(done.stdout)["audits"]
    assert (recorded["root"], recorded["verdict"]) == (str(timeline), "blocked")


def test_no_record_leaves_the_ledger_alone(studio: Studio, show: Path) -> None:
    timeline = cut(show / "cut.otio", [sequence("generated", "media", "comp", (1, 1))])
    audit(studio.settings.db, str(timeline), "--no-record")
    assert studio.ledger.audits.list(10, None) == []


def test_only_fcp_xml_is_read_as_a_cut(tmp_path: Path) -> None:
    sidecar = tmp_path / "notes.xml"
    sidecar.write_text("<notes>not a cut</notes>")
    fcp = tmp_path / "cut.xml"
    fcp.write_text('<?xml version="1.0"?><!DOCTYPE xmeml><xmeml version="5"></xmeml>')
    assert not is_timeline(sidecar)
    assert is_timeline(fcp)
    assert is_timeline(cut(tmp_path / "a.otio", []))


def test_clips_inside_a_nested_stack_are_found_where_they_play(studio: Studio, show: Path) -> None:
    inner = otio.schema.Track(name="inner", kind=otio.schema.TrackKind.Video)
    inner.append(gap(4))
    inner.append(external("nested generated", "media/comp.1002.png", frames=6))
    nested = otio.schema.Stack(name="precomp")
    nested.append(inner)
    timeline = cut(show / "cut.otio", [external("camera", "media/camera.jpg", frames=10), nested])
    rows = clips(audit(studio.settings.db, str(timeline), "--json"))
    assert rows["nested generated"]["verdict"] == "block"
    assert rows["nested generated"]["record_in"] == "01:00:00:14"
    assert rows["nested generated"]["track"] == "V1"


def _timed(clip: otio.schema.Clip, scalar: float) -> otio.schema.Clip:
    effect = otio.schema.FreezeFrame() if scalar == 0 else otio.schema.LinearTimeWarp(
        time_scalar=scalar
    )  # fmt: skip
    clip.effects.append(effect)
    return clip


def test_a_speed_change_uses_the_media_it_plays_through(studio: Studio, show: Path) -> None:
    # One frame of cut at double speed plays frames 1001 and 1002 of the media, and 1002 is
    # generated: counted at normal speed, the clip used 1001 only and passed.
    timeline = cut(show / "cut.otio", [
        _timed(sequence("fast", "media", "comp", (0, 1)), 2.0),
        _timed(sequence("frozen", "media", "comp", (2, 3)), 0.0),
    ])  # fmt: skip
    done = audit(studio.settings.db, str(timeline), "--json")
    assert done.exit_code == 1, done.stderr
    rows = clips(done)
    assert rows["fast"]["files"] == ["media/comp.1001.png", "media/comp.1002.png"]
    assert rows["fast"]["verdict"] == "block", rows["fast"]
    assert (rows["fast"]["source_in"], rows["fast"]["source_out"]) == ("00:00:00:00",
                                                                       "00:00:00:02")  # fmt: skip
    # A freeze frame shows its one frame however long it is held.
    assert rows["frozen"]["files"] == ["media/comp.1003.png"]
    assert rows["frozen"]["verdict"] != "block"


M2_EDL = """TITLE: speed
FCM: NON-DROP FRAME

001  PROG     V     C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:01:00
M2   PROG       096.0                00:00:00:00
* FROM CLIP NAME: fast
002  PROG     V     C        00:00:04:00 00:00:03:00 01:00:01:00 01:00:02:00
M2   PROG       -024.0               00:00:04:00
* FROM CLIP NAME: reverse
"""


def test_an_edl_s_m2_speed_is_followed(tmp_path: Path) -> None:
    # The adapter keeps a sped-up clip's range at its record length and adds the warp:
    # the audit counted one second of media where the clip plays through four.
    path = tmp_path / "speed.edl"
    path.write_text(M2_EDL)
    fast, backwards = clips_of(read_timeline(path), path)
    assert (fast.source.start_time.value, fast.source.duration.value) == (0, 96)
    # Backwards from 00:00:04:00 for 24 frames: that frame and the 23 before it.
    assert (backwards.source.start_time.value, backwards.source.duration.value) == (73, 24)
