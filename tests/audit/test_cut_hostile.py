"""Bad cuts: each ends as one ``Error:`` line naming the clip (exit 2), never a traceback.

Every hostile timeline is made here, by test code: malformed files, absurd
frame rates, negative ranges, overlapping EDL events, clips of absurd length.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.audit.cut_read import clips_of, read_timeline
from provenance.audit.json_depth import json_depth
from provenance.errors import BadTimeline, UnreadableFile
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.cuts import audit, cut, external, span
from tests.support.studio import generated_png

EVENT = (
    "{n:03d}  AX       V     C        {src} {src_out} {rec} {rec_out}\n* FROM CLIP NAME: {name}\n"
)


def edl(*events: tuple[str, str, str, str, str]) -> str:
    """A CMX 3600 list of (name, source in, source out, record in, record out) events."""
    body = "".join(
        EVENT.format(n=n, name=name, src=a, src_out=b, rec=c, rec_out=d)
        for n, (name, a, b, c, d) in enumerate(events, 1)
    )
    return f"TITLE: hostile\nFCM: NON-DROP FRAME\n\n{body}"


def one_error(done_stderr: str, *words: str) -> None:
    """One ``Error:`` line, holding every one of ``words``."""
    lines = done_stderr.strip().splitlines()
    assert len(lines) == 1, done_stderr
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def db(ledger: Ledger, settings: Settings) -> str:
    """The URL of a fresh ledger, made (SQLite and PostgreSQL)."""
    del ledger
    return settings.db


def otio_with(tmp_path: Path, clip: otio.schema.Clip) -> Path:
    return cut(tmp_path / "hostile.otio", [clip])


def test_overlapping_edl_events_name_the_clip(db: str, tmp_path: Path) -> None:
    path = tmp_path / "overlap.edl"
    path.write_text(edl(
        ("first", "00:00:00:00", "00:00:02:00", "01:00:00:00", "01:00:02:00"),
        ("second", "00:00:00:00", "00:00:02:00", "01:00:01:00", "01:00:03:00"),
    ))  # fmt: skip
    done = audit(db, str(path))
    assert done.exit_code == 2
    one_error(done.stderr, "cannot read the timeline", "second", str(path))


@pytest.mark.parametrize("rate", [0.0, -24.0, 1e9, float("nan")])
def test_absurd_frame_rates_name_the_clip(db: str, tmp_path: Path, rate: float) -> None:
    clip = external("absurd", "x.png")
    clip.source_range = span(0, 12, rate)
    done = audit(db, str(otio_with(tmp_path, clip)))
    assert done.exit_code == 2
    one_error(done.stderr, "clip 'absurd' on V1")


@pytest.mark.parametrize(("start", "frames"), [(0, -5), (-10, 5)])
def test_negative_ranges_name_the_clip(db: str, tmp_path: Path, start: int, frames: int) -> None:
    clip = external("backwards", "x.png")
    clip.source_range = span(start, frames)
    done = audit(db, str(otio_with(tmp_path, clip)))
    assert done.exit_code == 2
    one_error(done.stderr, "clip 'backwards' on V1", "negative or impossible range")


def test_a_clip_of_absurd_length_is_refused(db: str, tmp_path: Path) -> None:
    done = audit(db, str(otio_with(tmp_path, external("endless", "x.%04d.png", 10**9))))
    assert done.exit_code == 2
    one_error(done.stderr, "clip 'endless' on V1", "frames long")


def test_a_negative_gap_is_refused(db: str, tmp_path: Path) -> None:
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Gap(source_range=span(0, -48)))
    timeline = otio.schema.Timeline()
    timeline.tracks.append(track)
    path = tmp_path / "gap.otio"
    otio.adapters.write_to_file(timeline, str(path))
    done = audit(db, str(path))
    assert done.exit_code == 2
    one_error(done.stderr, "gap of negative length", "'V1'")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("truncated.otio", '{"OTIO_SCHEMA": "Timeline.1", "tracks": {'),
        ("wrong.otio", '{"OTIO_SCHEMA": "NoSuchThing.1"}'),
        ("binary.edl", "\x00\x01\x02garbage"),
        ("empty.fcpxml", ""),
        ("broken.xml", "<xmeml><sequence><media>"),
        ("notzip.otioz", "PK but not a zip"),
    ],
)
def test_malformed_timelines_are_one_error(
    db: str, tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    done = audit(db, str(path))
    assert done.exit_code == 2, done.output
    one_error(done.stderr, name)


def test_markers_need_a_timeline_suffix(db: str, tmp_path: Path) -> None:
    timeline = otio_with(tmp_path, external("a", "a.png"))
    done = audit(db, str(timeline), "--markers", str(tmp_path / "out.txt"))
    assert done.exit_code == 2
    one_error(done.stderr, "cannot write markers as .txt")


def test_cut_options_are_refused_for_a_package(db: str, tmp_path: Path) -> None:
    generated_png(tmp_path / "pkg" / "a.png", 1)
    done = audit(db, str(tmp_path / "pkg"), "--root", str(tmp_path))
    assert done.exit_code == 2
    one_error(done.stderr, "--root and --markers are for cuts")


def test_a_cut_without_clips_is_refused_unless_allowed(db: str, tmp_path: Path) -> None:
    empty = cut(tmp_path / "empty.otio", [])
    done = audit(db, str(empty))
    assert done.exit_code == 2
    one_error(done.stderr, "the cut holds no clips")
    assert audit(db, str(empty), "--allow-empty").exit_code == 0


TIMECODE = st.builds(
    "{:02d}:{:02d}:{:02d}:{:02d}".format,
    st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
)  # fmt: skip
EVENTS = st.lists(st.tuples(st.text(max_size=12), TIMECODE, TIMECODE, TIMECODE, TIMECODE),
                  max_size=4)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=EVENTS)
def test_any_edl_reads_or_is_refused_cleanly(tmp_path: Path, events: list[tuple[str, ...]]) -> None:
    path = tmp_path / "fuzz.edl"
    path.write_text(edl(*[(n.replace("\n", " "), a, b, c, d) for n, a, b, c, d in events]))
    try:
        clips = clips_of(read_timeline(path), path)
    except (BadTimeline, UnreadableFile) as exc:
        assert exc.message
    else:
        assert all(c.record.duration.value >= 0 for c in clips)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=JSONISH, schema=st.sampled_from(["Timeline.1", "Clip.2", "Track.1", "RationalTime.1"]))
def test_any_otio_json_reads_or_is_refused_cleanly(
    tmp_path: Path, tree: object, schema: str
) -> None:
    path = tmp_path / "fuzz.otio"
    document = tree if not isinstance(tree, dict) else {"OTIO_SCHEMA": schema, **tree}
    path.write_text(json.dumps(document))
    try:
        clips_of(read_timeline(path), path)
    except (BadTimeline, UnreadableFile) as exc:
        assert exc.message


@pytest.mark.parametrize("rate", ["0", "-25", "100000", "nan"])
def test_an_absurd_edl_rate_is_refused(db: str, tmp_path: Path, rate: str) -> None:
    path = tmp_path / "cut.edl"
    path.write_text(edl(("a", "00:00:00:00", "00:00:01:00", "01:00:00:00", "01:00:01:00")))
    done = audit(db, str(path), "--edl-rate", rate)
    assert done.exit_code == 2
    one_error(done.stderr, "--edl-rate has an absurd frame rate")


def test_a_root_that_does_not_exist_is_refused(db: str, tmp_path: Path) -> None:
    timeline = otio_with(tmp_path, external("a", "a.png"))
    done = audit(db, str(timeline), "--root", str(tmp_path / "typo"))
    assert done.exit_code == 2
    assert "does not exist" in done.stderr


def test_markers_never_overwrite_the_cut(db: str, tmp_path: Path) -> None:
    timeline = otio_with(tmp_path, external("a", "a.png"))
    before = timeline.read_bytes()
    done = audit(db, str(timeline), "--markers", str(tmp_path / "." / timeline.name))
    assert done.exit_code == 2
    one_error(done.stderr, "--markers would overwrite the cut being audited")
    assert timeline.read_bytes() == before


@pytest.mark.timeout(120)  # a hang guard: expanded, the bomb would take minutes and gigabytes
def test_an_xml_entity_bomb_is_refused_quickly(db: str, tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "boom">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    path = tmp_path / "bomb.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE xmeml [{entities}]>'
                    "<xmeml><sequence><name>&a9;</name></sequence></xmeml>")  # fmt: skip
    done = audit(db, str(path))
    assert done.exit_code == 2
    one_error(done.stderr, "cannot read the timeline", "bomb.xml")


@pytest.mark.timeout(120)  # a crash guard: OTIO's recursive parser died on this (SIGSEGV)
@pytest.mark.parametrize("bundled", [False, True])
def test_a_json_nesting_bomb_is_refused_before_otio_parses_it(
    db: str, tmp_path: Path, bundled: bool
) -> None:
    document = '{"OTIO_SCHEMA": "Timeline.1", "metadata": {"x": ' + "[" * 60_000 + "]" * 60_000
    document += "}}"
    path = tmp_path / ("bomb.otioz" if bundled else "bomb.otio")
    if bundled:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("content.otio", document)
    else:
        path.write_text(document)
    done = audit(db, str(path))
    assert done.exit_code == 2, done.output
    one_error(done.stderr, "nests 60,002 levels deep", path.name)


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth(b'["[[[", {"a": [1]}, "\\"]"]') == 3
    assert json_depth(b'"unterminated [[[') == 0
    assert json_depth(b'"\\"' * 100_000) == 0  # escaped quotes: one linear pass
    assert json_depth(b"12") == 0


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -86400.0])
def test_an_impossible_global_start_is_refused(db: str, tmp_path: Path, value: float) -> None:
    path = otio_with(tmp_path, external("a", "a.png"))
    timeline = otio.adapters.read_from_file(str(path))
    timeline.global_start_time = otio.opentime.RationalTime(value, 24)
    otio.adapters.write_to_file(timeline, str(path))
    done = audit(db, str(path))
    assert done.exit_code == 2, done.output
    one_error(done.stderr, "global start time is impossible")


def image_sequence(step: int, used: tuple[int, int], rate: float = 24) -> otio.schema.Clip:
    ref = otio.schema.ImageSequenceReference(
        target_url_base="frames", name_prefix="f.", name_suffix=".png", start_frame=1001,
        frame_step=step, rate=rate, available_range=span(0, 10),
    )  # fmt: skip
    return otio.schema.Clip(name="frames", media_reference=ref, source_range=span(*used))


@pytest.mark.parametrize(
    ("clip", "words"),
    [
        (image_sequence(0, (0, 5)), "frame step 0"),
        (image_sequence(-1, (0, 5)), "frame step -1"),
        (image_sequence(1, (0, 500)), "frames its image sequence does not have"),
        (image_sequence(1, (0, 5), rate=0), "absurd frame rate (0.0 fps)"),
        (external("long", "f.%07d.png", frames=9_000_000), "9,000,000 frames"),
    ],
)
def test_impossible_image_sequences_name_the_clip(
    db: str, tmp_path: Path, clip: otio.schema.Clip, words: str
) -> None:
    done = audit(db, str(otio_with(tmp_path, clip)))
    assert done.exit_code == 2, done.output
    one_error(done.stderr, f"clip {clip.name!r} on V1", words)


def test_media_names_the_system_refuses_are_offline(db: str, tmp_path: Path) -> None:
    (tmp_path / "loop.png").symlink_to("loop.png")
    clips = [external("loop", "loop.png"), external("long", "n" * 5000 + ".png")]
    done = audit(db, cut(tmp_path / "cut.otio", clips).as_posix(), "--format", "json")
    assert done.exit_code == 1, done.output
    rows = json.loads(done.stdout)["clips"]
    assert [r["verdict"] for r in rows] == ["block", "block"]
    assert all("media offline" in r["reasons"][0] for r in rows)


def an_aaf(tmp_path: Path) -> Path:
    """A whole AAF of one clip, written by the OTIO AAF adapter (pyaaf2)."""
    pytest.importorskip("otio_aaf_adapter")
    clip = external("a", (tmp_path / "a.png").as_uri())
    clip.media_reference.available_range = clip.source_range
    timeline = otio.adapters.read_from_file(str(otio_with(tmp_path, clip)))
    path = tmp_path / "cut.aaf"
    otio.adapters.write_to_file(timeline, str(path), use_empty_mob_ids=True)
    return path


@pytest.mark.parametrize("damage", ["not an aaf", "truncated"])
def test_a_damaged_aaf_is_one_error(db: str, tmp_path: Path, damage: str) -> None:
    path = an_aaf(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(b"\x00" * 4096 if damage == "not an aaf" else whole[: len(whole) // 3])
    done = audit(db, str(path))
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    assert "cannot read the timeline" in done.stderr


@pytest.mark.timeout(180)  # pyaaf2 builds a struct format of the corrupt count's size
def test_an_aaf_with_an_absurd_index_count_is_refused_within_the_workers_limit(
    db: str, tmp_path: Path
) -> None:
    path = an_aaf(tmp_path)
    from aaf2.cfb import CompoundFileBinary  # installed with the AAF adapter

    with path.open("r+b") as handle:
        compound = CompoundFileBinary(handle, "rb+")
        index = next(s for _, _, streams in compound.walk() for s in streams
                     if s.name.endswith(" index"))  # fmt: skip
        stream = index.open("rw")
        stream.write(b"\xff\xff\xff\x0f")  # the count of entries: 268 million
        stream.close()
        compound.close()
    done = audit(db, str(path))
    assert done.exit_code == 2, done.output
    one_error(done.stderr, "cannot read the timeline", "cut.aaf")


def test_a_name_with_line_breaks_writes_no_lines_of_its_own_in_edl_markers(
    db: str, tmp_path: Path
) -> None:
    forged = "\n002  AX  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n* FROM CLIP: x"
    timeline = otio_with(tmp_path, external("evil" + forged, "missing.png\u2028* LOC: y"))
    out = tmp_path / "marked.edl"
    done = audit(db, str(timeline), "--markers", str(out))
    assert done.exit_code == 1, done.output
    lines = out.read_text().splitlines()
    assert not any(line.startswith(("002", "* FROM CLIP: x", "* LOC: y")) for line in lines)
    assert sum(line.startswith("001") for line in lines) == 1


FCPXML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.9"><resources><format id="r1" frameDuration="{rate}" width="64" height="48"/>
<asset id="r2" name="a" start="0s" duration="10s" hasVideo="1" format="r1">
<media-rep kind="original-media" src="a.png"/></asset></resources>
<library><event name="e"><project name="p"><sequence format="r1" duration="2s" tcStart="0s">
<spine><asset-clip ref="r2" offset="0s" name="a" duration="2s" start="0s"/></spine>
</sequence></project></event></library></fcpxml>
"""


@pytest.mark.parametrize("rate", ["0/24s", "1/0s"])
def test_an_fcpxml_frame_duration_of_zero_is_one_error(db: str, tmp_path: Path, rate: str) -> None:
    path = tmp_path / "zero.fcpxml"
    path.write_text(FCPXML.format(rate=rate))
    done = audit(db, str(path))
    assert done.exit_code == 2, done.output
    one_error(done.stderr)  # "cannot read the timeline", or the clip's absurd rate


def test_a_time_effect_the_audit_cannot_follow_is_refused(db: str, tmp_path: Path) -> None:
    clip = external("remapped", "x.png")
    clip.effects.append(otio.schema.TimeEffect(name="curve", effect_name="TimeRemap"))
    done = audit(db, str(otio_with(tmp_path, clip)))
    assert done.exit_code == 2
    one_error(done.stderr, "clip 'remapped' on V1", "TimeRemap")


def test_an_edl_that_is_not_one_is_not_told_about_rates(db: str, tmp_path: Path) -> None:
    path = tmp_path / "noise.edl"
    path.write_text("hello\nthis is not an edit list\n")
    done = audit(db, str(path))
    assert done.exit_code == 2
    one_error(done.stderr, "cannot read the timeline", "export the cut again")
    assert "--edl-rate" not in done.stderr
