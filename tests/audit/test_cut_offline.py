"""Offline media found through the ledger: by MobID, UNC path, name narrowed by reel and
source timecode, or reel and timecode alone; two media that fit equally are ambiguous."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import opentimelineio as otio
import pytest

from provenance.audit.cut_read import clips_of, read_timeline
from provenance.audit.cut_resolve import Resolved, Resolver
from provenance.ingest.scan import scan
from provenance.settings import Settings
from provenance.store import Ledger
from tests.support.cuts import audit, clips, cut, external, span
from tests.support.editorial import aaf_of_mxf, video
from tests.support.factories import observation

EDL = """TITLE: offline
FCM: NON-DROP FRAME

001  A001     V     C        01:00:10:06 01:00:10:18 01:00:00:00 01:00:00:12
002  B002     V     C        02:00:00:00 02:00:00:12 01:00:00:12 01:00:01:00
003  A001     V     C        01:00:20:00 01:00:20:12 01:00:01:00 01:00:01:12
"""


def on_disk(ledger: Ledger, label: str, path: Path, **identity: object) -> Path:
    """A file at ``path`` the ledger knows as video content ``label`` with this identity."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(label.encode())
    obs = observation(label, str(path))
    facts = dataclasses.replace(obs.asset, kind="video", **identity)  # type: ignore[arg-type]
    ledger.record([dataclasses.replace(obs, asset=facts)])
    return path


def reel(name: str, start: float, length: float = 2.0) -> dict[str, object]:
    return {"reel": name, "tc_start": start, "tc_length": length, "tc_rate": 24.0}


def resolve(ledger: Ledger, show: Path, timeline: Path, **extra: object) -> list[Resolved]:
    read = read_timeline(timeline, **extra)  # type: ignore[arg-type]
    # The timeline is kept until resolved: its clips are OTIO objects it owns.
    return Resolver(show, (), ledger).resolve_all(clips_of(read, timeline))


def test_an_edl_finds_renamed_media_by_reel_and_source_timecode(
    ledger: Ledger, tmp_path: Path
) -> None:
    a = on_disk(ledger, "a", tmp_path / "media" / "A001C001_renamed.mov", **reel("A001", 3610))
    b = on_disk(ledger, "b", tmp_path / "media" / "B002.mov", **reel("B002", 7200))
    (tmp_path / "cut.edl").write_text(EDL)
    first, second, third = resolve(ledger, tmp_path, tmp_path / "cut.edl")
    assert (first.files, first.resolved_by) == ((a,), "reel+tc")
    assert (second.files, second.resolved_by) == ((b,), "reel+tc")
    assert third.unresolved is not None and "not found through the ledger" in third.unresolved
    assert "by reel and source timecode" in (first.note or "")


def test_a_name_shared_by_two_media_is_narrowed_by_reel_and_timecode(
    ledger: Ledger, tmp_path: Path
) -> None:
    on_disk(ledger, "day1", tmp_path / "day1" / "A001.mov", **reel("A001", 3600))
    day2 = on_disk(ledger, "day2", tmp_path / "day2" / "A001.mov", **reel("A001", 3610))
    (tmp_path / "cut.edl").write_text(
        EDL.replace(
            "01:00:00:00 01:00:00:12\n", "01:00:00:00 01:00:00:12\n* FROM CLIP NAME: A001.mov\n"
        )
    )
    first = resolve(ledger, tmp_path, tmp_path / "cut.edl")[0]
    assert (first.files, first.resolved_by) == ((day2,), "name+reel+tc")


def test_a_name_whose_media_is_on_another_reel_or_time_is_unresolved(
    ledger: Ledger, tmp_path: Path
) -> None:
    on_disk(ledger, "other", tmp_path / "media" / "A001.mov", **reel("A001", 5000))
    (tmp_path / "cut.edl").write_text(
        EDL.replace(
            "01:00:00:00 01:00:00:12\n", "01:00:00:00 01:00:00:12\n* FROM CLIP NAME: A001.mov\n"
        )
    )
    first = resolve(ledger, tmp_path, tmp_path / "cut.edl")[0]
    assert first.files == ()
    assert first.unresolved is not None
    assert "are not reel A001 at the clip's source timecode" in first.unresolved


def test_two_media_that_fit_equally_are_ambiguous_and_named(ledger: Ledger, tmp_path: Path) -> None:
    one = on_disk(ledger, "one", tmp_path / "a" / "take.mov", **reel("A001", 3600, 60))
    two = on_disk(ledger, "two", tmp_path / "b" / "copy.mov", **reel("A001", 3605, 60))
    (tmp_path / "cut.edl").write_text(EDL)
    first = resolve(ledger, tmp_path, tmp_path / "cut.edl")[0]
    assert first.files == () and first.resolved_by is None
    assert first.unresolved is not None and first.unresolved.startswith("ambiguous: 2")
    assert str(one) in first.unresolved and str(two) in first.unresolved


def test_copies_of_one_content_are_not_ambiguous(ledger: Ledger, tmp_path: Path) -> None:
    one = on_disk(ledger, "same", tmp_path / "a" / "take.mov", **reel("A001", 3600, 60))
    two = on_disk(ledger, "same", tmp_path / "b" / "take.mov", **reel("A001", 3600, 60))
    (tmp_path / "cut.edl").write_text(EDL)
    first = resolve(ledger, tmp_path, tmp_path / "cut.edl")[0]
    assert (first.files, first.resolved_by) == ((one, two), "reel+tc")


def test_rows_recorded_before_timecodes_resolve_by_name(ledger: Ledger, tmp_path: Path) -> None:
    old = on_disk(ledger, "old", tmp_path / "media" / "A001.mov")  # no reel, no timecode
    (tmp_path / "cut.edl").write_text(
        EDL.replace(
            "01:00:00:00 01:00:00:12\n", "01:00:00:00 01:00:00:12\n* FROM CLIP NAME: A001.mov\n"
        )
    )
    first = resolve(ledger, tmp_path, tmp_path / "cut.edl")[0]
    assert (first.files, first.resolved_by) == ((old,), "name")
    assert "the ledger has no reel or timecode for it" in (first.note or "")


@pytest.mark.parametrize(
    "url", ["file://editbay/show/media/day2/A001.mov", "\\\\editbay\\show\\media\\day2\\A001.mov"]
)
def test_a_unc_path_maps_to_the_copy_with_the_longest_shared_tail(
    ledger: Ledger, tmp_path: Path, url: str
) -> None:
    on_disk(ledger, "day1", tmp_path / "media" / "day1" / "A001.mov")
    day2 = on_disk(ledger, "day2", tmp_path / "media" / "day2" / "A001.mov")
    timeline = cut(tmp_path / "cut.otio", [external("shot", url)])
    [found] = resolve(ledger, tmp_path, timeline)
    assert (found.files, found.resolved_by) == ((day2,), "unc")


def test_a_unc_path_with_no_copy_here_is_unresolved(ledger: Ledger, tmp_path: Path) -> None:
    timeline = cut(tmp_path / "cut.otio", [external("shot", "file://far/share/x/gone.mov")])
    [found] = resolve(ledger, tmp_path, timeline)
    assert found.unresolved is not None and "gone.mov" in found.unresolved


def test_a_missing_reference_resolves_by_its_aaf_mobid_in_metadata(
    ledger: Ledger, tmp_path: Path
) -> None:
    umid = "060a2b340101010501010d0013182f765294713483182f760052947134831800"
    media = on_disk(ledger, "m", tmp_path / "media" / "V1.mxf", umid=umid)
    item = otio.schema.Clip(name="Mob", media_reference=otio.schema.MissingReference(),
                            source_range=span(0, 12))  # fmt: skip
    item.metadata["AAF"] = {"MobID": "urn:smpte:umid:" + ".".join(
        umid[i : i + 8] for i in range(0, 64, 8))}  # fmt: skip
    [found] = resolve(ledger, tmp_path, cut(tmp_path / "cut.otio", [item]))
    assert (found.files, found.resolved_by) == ((media,), "mobid")


@pytest.fixture
def avid(tmp_path: Path) -> Path:
    """An Avid's media folder: two OP-Atom MXFs written with PyAV, one generated-looking."""
    pytest.importorskip("av")
    pytest.importorskip("aaf2")
    media = tmp_path / "show" / "Avid MediaFiles" / "MXF" / "1"
    video(media / "V01.mxf", "01:00:10:00", "A001", frames=24, seed=1)
    video(media / "V02.mxf", "02:00:00:00", "B002", frames=24, seed=2)
    return media


def test_an_aaf_built_with_pyaaf2_resolves_its_mxf_media_by_mobid(
    ledger: Ledger, settings: Settings, avid: Path
) -> None:
    pytest.importorskip("otio_aaf_adapter")
    show = avid.parents[2]
    scan([avid], ledger, settings)
    recorded = {c.path: c.umid for c in ledger.locations.candidates({"V01.mxf", "V02.mxf"}, (), ())}
    assert all(recorded.values()) and len(set(recorded.values())) == 2
    aaf = aaf_of_mxf(show / "cut.aaf", [(avid / "V01.mxf", 2, 12), (avid / "V02.mxf", 0, 6)])
    # The MXFs move: the AAF never named a path, the ledger knows where they are now.
    moved = show / "relinked"
    avid.rename(moved)
    scan([moved], ledger, settings)
    done = audit(settings.db, str(aaf), "--json")
    assert done.exit_code in (0, 1), done.output
    rows = json.loads(done.stdout)["clips"]  # both clips are named after their master mob
    assert [r["resolved_by"] for r in rows] == ["mobid", "mobid"]
    assert [r["files"] for r in rows] == [["relinked/V01.mxf"], ["relinked/V02.mxf"]]


def test_an_aaf_unc_locator_is_used_when_the_mobid_is_unknown(
    ledger: Ledger, settings: Settings, avid: Path
) -> None:
    pytest.importorskip("otio_aaf_adapter")
    show = avid.parents[2]
    unc = "file://avid-server/projects/show/Avid%20MediaFiles/MXF/1/V01.mxf"
    aaf = aaf_of_mxf(show / "cut.aaf", [(avid / "V01.mxf", 0, 6)], unc=unc)
    stand_in = observation("stand-in", str(avid / "V01.mxf"))  # a row with no UMID
    avid.joinpath("V01.mxf").write_bytes(b"stand-in")
    ledger.record([stand_in])
    [row] = clips(audit(settings.db, str(aaf), "--json")).values()
    assert (row["resolved_by"], row["files"]) == ("unc", ["Avid MediaFiles/MXF/1/V01.mxf"])


def test_the_json_report_says_how_each_clip_resolved(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    a = on_disk(ledger, "a", tmp_path / "media" / "A.mov", **reel("A001", 3610))
    timeline = cut(tmp_path / "cut.otio", [external("here", "media/A.mov"),
                                           external("gone", "media/gone.mov")])  # fmt: skip
    rows = clips(audit(settings.db, str(timeline), "--json"))
    assert rows["here"]["resolved_by"] == "path"
    assert rows["gone"]["resolved_by"] is None and rows["gone"]["verdict"] == "block"
    assert a.is_file()
