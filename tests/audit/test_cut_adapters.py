"""Every timeline format, on files written by hand here: FCP 7 XML, FCPXML, EDL, OTIO, .otioz.

Each cut holds a generated still and a camera still; the audit must block
exactly the generated clip, whichever adapter read it, and the markers it
writes back must come through OpenTimelineIO on exactly that clip.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import opentimelineio as otio
import pytest

from tests.support.cuts import audit, clips, cut, external, markers_of
from tests.support.studio import Studio, camera_jpeg, generated_png

XMEML_CLIP = """
      <clipitem id="{name}">
        <name>{name}</name><duration>24</duration>
        <rate><timebase>24</timebase><ntsc>FALSE</ntsc></rate>
        <start>{start}</start><end>{end}</end><in>0</in><out>12</out>
        <file id="file-{name}"><name>{file}</name><pathurl>{url}</pathurl>
          <rate><timebase>24</timebase><ntsc>FALSE</ntsc></rate><duration>24</duration>
          <media><video/></media></file>
      </clipitem>"""
XMEML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmeml>
<xmeml version="4">
  <sequence id="seq1"><name>cut</name><duration>24</duration>
    <rate><timebase>24</timebase><ntsc>FALSE</ntsc></rate>
    <media><video><track>{clips}
    </track></video></media>
  </sequence>
</xmeml>
"""
FCPXML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.8">
  <resources>
    <format id="r1" frameDuration="1/24s" width="1920" height="1080"/>
    <asset id="r2" name="gen" src="{generated}" start="0s" duration="1s" hasVideo="1" format="r1"/>
    <asset id="r3" name="cam" src="{camera}" start="0s" duration="1s" hasVideo="1" format="r1"/>
  </resources>
  <library><event name="e"><project name="cut">
    <sequence format="r1" duration="1s" tcStart="0s">
      <spine>
        <asset-clip ref="r2" name="generated" offset="0s" duration="12/24s" start="0s"/>
        <asset-clip ref="r3" name="camera" offset="12/24s" duration="12/24s" start="0s"/>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>
"""
EDL = """TITLE: by hand
FCM: NON-DROP FRAME

001  AX       V     C        00:00:00:00 00:00:00:12 01:00:00:00 01:00:00:12
* FROM CLIP NAME: generated
* FROM CLIP: media/gen.png
002  AX       V     C        00:00:00:00 00:00:00:12 01:00:00:12 01:00:01:00
* FROM CLIP NAME: camera
* FROM CLIP: media/cam.jpg
"""


@pytest.fixture
def show(tmp_path: Path) -> Path:
    """A show folder with a generated still and a camera still in ``media/``."""
    generated_png(tmp_path / "show" / "media" / "gen.png", 81)
    camera_jpeg(tmp_path / "show" / "media" / "cam.jpg", 82)
    return tmp_path / "show"


def xmeml(show: Path) -> str:
    made = [("generated", 0, 12, "gen.png", "media/gen.png"),
            ("camera", 12, 24, "cam.jpg", (show / "media" / "cam.jpg").as_uri())]  # fmt: skip
    return XMEML.format(clips="".join(
        XMEML_CLIP.format(name=n, start=s, end=e, file=f, url=u) for n, s, e, f, u in made
    ))  # fmt: skip


def fcpxml(show: Path) -> str:
    media = show / "media"
    return FCPXML.format(
        generated=(media / "gen.png").as_uri(), camera=(media / "cam.jpg").as_uri()
    )


def edl(show: Path) -> str:
    del show  # the EDL names its media relative to the timeline's folder
    return EDL


WRITERS: dict[str, Callable[[Path], str]] = {"cut.xml": xmeml, "cut.fcpxml": fcpxml, "cut.edl": edl}


@pytest.mark.parametrize("name", sorted(WRITERS))
@pytest.mark.parametrize("markers", [".otio", ".xml", ".edl"])
def test_each_format_blocks_the_generated_clip(
    studio: Studio, show: Path, name: str, markers: str
) -> None:
    timeline = show / name
    timeline.write_text(WRITERS[name](show))
    out = show / f"marked{markers}"
    done = audit(studio.settings.db, str(timeline), "--json", "--markers", str(out))
    assert done.exit_code == 1, done.output
    rows = clips(done)
    assert rows["generated"]["verdict"] == "block"
    assert rows["camera"]["verdict"] == "pass"
    assert rows["generated"]["files"] == ["media/gen.png"]
    assert {n for n, c in markers_of(out).items() if "RED" in c} == {"generated"}


def test_an_otioz_bundle_is_audited_from_its_own_media(
    studio: Studio, show: Path, tmp_path: Path
) -> None:
    media = show / "media"
    used = [external("generated", (media / "gen.png").as_uri()),
            external("camera", (media / "cam.jpg").as_uri())]  # fmt: skip
    source = cut(tmp_path / "src.otio", used)
    bundle = tmp_path / "delivery" / "cut.otioz"
    bundle.parent.mkdir()
    otio.adapters.write_to_file(otio.adapters.read_from_file(str(source)), str(bundle))
    done = audit(studio.settings.db, str(bundle), "--json")
    assert done.exit_code == 1, done.output
    rows = clips(done)
    assert rows["generated"]["verdict"] == "block"
    assert rows["camera"]["verdict"] == "pass"
    assert rows["generated"]["files"] == ["media/gen.png"]


def test_an_aaf_built_with_pyaaf2_blocks_the_generated_clip(studio: Studio, show: Path) -> None:
    # The AAF adapter's writer builds the file with pyaaf2: mobs, and a
    # NetworkLocator per clip holding its media's URL.
    pytest.importorskip("otio_aaf_adapter")
    media = show / "media"
    used = [external("generated", (media / "gen.png").as_uri()),
            external("camera", (media / "cam.jpg").as_uri())]  # fmt: skip
    for clip in used:
        clip.media_reference.available_range = clip.source_range
    timeline = otio.adapters.read_from_file(str(cut(show / "src.otio", used)))
    aaf = show / "cut.aaf"
    otio.adapters.write_to_file(timeline, str(aaf), use_empty_mob_ids=True)
    out = show / "marked.otio"
    done = audit(studio.settings.db, str(aaf), "--json", "--markers", str(out))
    assert done.exit_code == 1, done.output
    rows = clips(done)
    assert rows["generated"]["verdict"] == "block"
    assert rows["camera"]["verdict"] == "pass"
    assert rows["camera"]["record_in"] == "01:00:00:12"
    assert {n for n, c in markers_of(out).items() if "RED" in c} == {"generated"}


PAL_EDL = """TITLE: pal
FCM: NON-DROP FRAME

001  AX       V     C        00:00:00:00 00:00:00:24 01:00:00:00 01:00:00:24
* FROM CLIP NAME: generated
* FROM CLIP: media/gen.png
002  AX       V     C        00:00:00:00 00:00:00:20 01:00:00:24 01:00:01:19
* FROM CLIP NAME: camera
* FROM CLIP: media/cam.jpg
"""


def test_an_edl_is_read_at_the_rate_given(studio: Studio, show: Path) -> None:
    # Frame 24 exists only at more than 24 fps: at 25, the first event is 24 frames long.
    (show / "pal.edl").write_text(PAL_EDL)
    done = audit(studio.settings.db, str(show / "pal.edl"), "--edl-rate", "25", "--json")
    rows = clips(done)
    assert rows["camera"]["record_in"] == "01:00:00:24"
    assert rows["camera"]["record_out"] == "01:00:01:19"
    assert rows["generated"]["verdict"] == "block"
    refused = audit(studio.settings.db, str(show / "pal.edl"))
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: cannot read the timeline")


NTSC_EDL = """TITLE: ntsc
FCM: DROP FRAME

001  AX       V     C        00:00:59;28 00:01:00;04 01:00:00;00 01:00:00;04
* FROM CLIP NAME: generated
* FROM CLIP: media/gen.png
002  AX       V     C        00:00:00;00 00:00:00;20 01:00:00;04 01:00:00;24
* FROM CLIP NAME: camera
* FROM CLIP: media/cam.jpg
"""


@pytest.mark.parametrize("rate", ["29.97", "29.970"])
def test_a_drop_frame_edl_is_read_at_29_97_as_people_type_it(
    studio: Studio, show: Path, rate: str
) -> None:
    # OTIO's timecode takes only 30000/1001 itself: 29.97 was refused ("does not support
    # this rate"), so no NTSC list could be audited. 00:00:59;28 to 00:01:00;04 is 4 frames.
    (show / "ntsc.edl").write_text(NTSC_EDL)
    done = audit(studio.settings.db, str(show / "ntsc.edl"), "--edl-rate", rate, "--json")
    assert done.exit_code == 1, done.output
    rows = clips(done)
    assert rows["generated"]["verdict"] == "block"
    assert (rows["generated"]["source_in"], rows["generated"]["source_out"]) == (
        "00:00:59;28", "00:01:00;04"
    )  # fmt: skip
    assert rows["camera"]["record_in"] == "01:00:00;04"


def test_a_drop_frame_edl_read_at_24_says_to_give_its_rate(studio: Studio, show: Path) -> None:
    (show / "ntsc.edl").write_text(NTSC_EDL)
    done = audit(studio.settings.db, str(show / "ntsc.edl"))
    assert done.exit_code == 2
    assert done.stderr.startswith("Error: cannot read the timeline")
    assert "--edl-rate 29.97" in done.stderr, done.stderr
