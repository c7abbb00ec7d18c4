"""`history` of a picture not held as generated names the generated asset it looks like."""

from __future__ import annotations

import dataclasses
import json
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from provenance.cli import cli
from provenance.errors import NotComparable
from provenance.history import find_history
from provenance.ingest.scan import plan_scan, run_scan, scan
from provenance.likeness.search import similar_assets
from provenance.settings import FolderRule
from provenance.store import AssetQuery
from tests.support.files import sha256_of
from tests.support.studio import Studio, camera_jpeg, generated_png, picture
from tests.support.videos import REENCODES, clip


def _stripped_copy(source: Path, target: Path) -> Path:
    """A resized JPEG of ``source`` without any metadata: new bytes, no markers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image.convert("RGB").resize((240, 150)).save(target, quality=80)
    return target


def test_a_stripped_copy_names_the_generated_image_it_copies(studio: Studio) -> None:
    copy = _stripped_copy(studio.work / "genai" / "gen2.png", studio.work / "edit" / "copy.jpg")
    scan([copy], studio.ledger, studio.settings)
    story = find_history(str(copy), studio.ledger)
    assert story.asset.verdict == "unknown" and story.not_compared is None
    like = story.looks_like
    assert like is not None and like.asset.sha256 == sha256_of(studio.work / "genai" / "gen2.png")
    assert like.distance <= 12 and not like.neighbour and like.moments is None
    assert like.path == str(studio.work / "genai" / "gen2.png")
    data = story.to_dict()["looks_like"]
    assert data["sha256"] == like.asset.sha256 and data["status"] == "temporary"  # type: ignore[index]


def test_an_unrelated_picture_looks_like_nothing(studio: Studio) -> None:
    story = find_history(str(studio.work / "plates" / "plate.jpg"), studio.ledger)
    assert story.looks_like is None and story.not_compared is None
    assert story.to_dict()["looks_like"] is None


def test_generated_assets_are_not_compared(studio: Studio) -> None:
    story = find_history(str(studio.work / "genai" / "gen1.png"), studio.ledger)
    assert story.looks_like is None and story.not_compared is None


def test_a_camera_file_that_looks_generated_may_be_its_source(studio: Studio) -> None:
    plate = camera_jpeg(studio.work / "plates" / "source.jpg", 3)  # the picture of gen3.png
    scan([plate], studio.ledger, studio.settings)
    story = find_history(str(plate), studio.ledger)
    assert story.asset.verdict == "not_genai"
    assert story.looks_like is not None
    assert story.looks_like.asset.sha256 == sha256_of(studio.work / "genai" / "gen3.png")


def test_a_neighbouring_frame_is_not_called_a_copy(studio: Studio) -> None:
    shot = studio.work / "comp"
    generated_png(shot / "sh010.1002.png", 7)
    frame = shot / "sh010.1001.png"
    frame.parent.mkdir(parents=True, exist_ok=True)
    picture(7).save(frame)  # the same picture: the shot's frames look alike
    scan([shot], studio.ledger, studio.settings)
    like = find_history(str(frame), studio.ledger).looks_like
    assert like is not None and like.neighbour


def test_without_a_stored_fingerprint_the_file_is_fingerprinted_now(
    studio: Studio,
) -> None:
    ledger = studio.ledger
    copy = _stripped_copy(studio.work / "genai" / "gen1.png", studio.work / "late" / "copy.jpg")
    # Recorded without the fingerprint stage, as when the daemon has not reached it yet.
    run_scan(plan_scan([copy], studio.settings), ledger, studio.settings, fingerprints=False)
    sha = sha256_of(copy)
    assert ledger.fingerprints.many([sha]) == {}
    by_hash = find_history(sha, ledger)
    assert by_hash.looks_like is None and "no fingerprint is stored" in (by_hash.not_compared or "")
    by_path = find_history(str(copy), ledger)
    assert by_path.looks_like is not None and by_path.not_compared is None
    assert by_path.looks_like.asset.sha256 == sha256_of(studio.work / "genai" / "gen1.png")


def test_a_picture_that_cannot_be_fingerprinted_says_why(studio: Studio) -> None:
    flat = studio.work / "edit" / "black.png"
    flat.parent.mkdir(parents=True, exist_ok=True)
    picture(1).point(lambda _: 0).save(flat)
    scan([flat], studio.ledger, studio.settings)
    story = find_history(str(flat), studio.ledger)
    assert story.looks_like is None
    assert (story.not_compared or "").startswith("not compared with generated assets: ")


def test_history_cli_shows_the_likeness(studio: Studio) -> None:
    copy = _stripped_copy(studio.work / "genai" / "gen2.png", studio.work / "edit" / "copy.jpg")
    scan([copy], studio.ledger, studio.settings)
    runner = CliRunner()
    args = ["history", str(copy), "--db", studio.settings.db]
    shown = runner.invoke(cli, args, catch_exceptions=False)
    origin = sha256_of(studio.work / "genai" / "gen2.png")
    assert shown.exit_code == 0
    assert f"Looks like generated asset {origin[:12]}" in " ".join(shown.stdout.split())
    data = json.loads(runner.invoke(cli, [*args, "--json"], catch_exceptions=False).stdout)
    assert data["looks_like"]["sha256"] == origin


def _scan_clips(studio: Studio, *clips: Path) -> None:
    """Scan clips, those under a ``runway`` folder declared generated by a folder rule."""
    rules = (FolderRule("*/runway/*", "genai", "runway"),)
    scan(list(clips), studio.ledger, dataclasses.replace(studio.settings, folder_rules=rules))


def test_a_re_encoded_copy_of_a_generated_clip_names_the_clip(studio: Studio) -> None:
    pytest.importorskip("av")
    generated = clip(studio.work / "runway" / "gen_clip.mp4", 1)
    copy = clip(studio.work / "edit" / "graded.mov", 1, REENCODES["prores"])
    _scan_clips(studio, generated, copy)
    like = find_history(str(copy), studio.ledger).looks_like
    assert like is not None and like.asset.sha256 == sha256_of(generated)
    assert like.moments is not None and like.moments[0] > like.moments[1] // 2


def test_looks_like_lists_every_copy_nearest_first(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = studio.work / "genai" / "gen2.png"
    light = _stripped_copy(source, studio.work / "edit" / "light.jpg")
    heavy = studio.work / "edit" / "heavy.jpg"
    with Image.open(source) as image:
        image.convert("RGB").resize((96, 60)).save(heavy, quality=25)
    scan([light, heavy], studio.ledger, studio.settings)
    # Read the ledger's fingerprints two rows at a time: copies are found across pages.
    paged = studio.ledger.fingerprints.page
    monkeypatch.setattr(studio.ledger.fingerprints, "page", lambda after: paged(after, 2))
    found = similar_assets(str(source), studio.ledger, AssetQuery())
    assert {sha256_of(light), sha256_of(heavy)} == {f.asset.sha256 for f in found}
    assert sha256_of(source) not in {f.asset.sha256 for f in found}
    distances = [f.likeness.distance or 0 for f in found]
    assert None not in {f.likeness.distance for f in found} and distances == sorted(distances)
    assert {f.paths for f in found} == {(str(light),), (str(heavy),)}
    host = studio.ledger.host
    places = [{"host": host, "path": path, "present": True} for path in found[0].paths]
    assert found[0].to_dict()["locations"] == places


def test_looks_like_keeps_the_other_filters(studio: Studio) -> None:
    source = studio.work / "genai" / "gen3.png"
    copy = _stripped_copy(source, studio.work / "edit" / "copy3.jpg")
    plate = camera_jpeg(studio.work / "plates" / "source3.jpg", 3)
    scan([copy, plate], studio.ledger, studio.settings)
    everything = similar_assets(str(source), studio.ledger, AssetQuery())
    assert {f.asset.sha256 for f in everything} == {sha256_of(copy), sha256_of(plate)}
    camera = similar_assets(str(source), studio.ledger, AssetQuery(verdict="not_genai"))
    assert [f.asset.sha256 for f in camera] == [sha256_of(plate)]
    assert len(similar_assets(str(source), studio.ledger, AssetQuery(limit=1))) == 1


def test_nothing_alike_is_an_empty_list(studio: Studio) -> None:
    assert (
        similar_assets(str(studio.work / "genai" / "gen1.png"), studio.ledger, AssetQuery()) == []
    )


def test_what_has_no_fingerprint_cannot_be_compared(studio: Studio) -> None:
    wav = studio.work / "audio" / "take.wav"
    wav.parent.mkdir(parents=True)
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\1" * 800)
    scan([wav], studio.ledger, studio.settings)
    with pytest.raises(NotComparable, match="it is audio"):
        similar_assets(str(wav), studio.ledger, AssetQuery())


def test_ls_looks_like_through_the_cli(studio: Studio) -> None:
    source = studio.work / "genai" / "gen2.png"
    copy = _stripped_copy(source, studio.work / "edit" / "copy.jpg")
    scan([copy], studio.ledger, studio.settings)
    runner, db = CliRunner(), ["--db", studio.settings.db]
    listed = runner.invoke(cli, ["ls", "--looks-like", str(source), *db, "--json"])
    assert listed.exit_code == 0, listed.output
    [item] = json.loads(listed.stdout)["assets"]
    assert item["sha256"] == sha256_of(copy)
    assert item["locations"] == [{"host": studio.ledger.host, "path": str(copy), "present": True}]
    assert item["distance"] <= 12 and item["moments"] is None
    table = runner.invoke(cli, ["ls", "--looks-like", sha256_of(source)[:12], *db])
    assert table.exit_code == 0 and sha256_of(copy)[:12] in table.stdout
    missing = runner.invoke(cli, ["ls", "--looks-like", "ffffffffffff", *db])
    assert missing.exit_code == 2 and missing.stderr.startswith("Error: ")


def test_a_generated_clip_lists_its_re_encoded_copy(studio: Studio) -> None:
    pytest.importorskip("av")
    generated = clip(studio.work / "runway" / "gen_clip.mp4", 2)
    copy = clip(studio.work / "edit" / "half.mp4", 2, REENCODES["half_size"])
    _scan_clips(studio, generated, copy, clip(studio.work / "edit" / "other.mp4", 9))
    [found] = similar_assets(str(generated), studio.ledger, AssetQuery())
    assert found.asset.sha256 == sha256_of(copy)
    assert found.likeness.moments is not None and found.likeness.moments[0] >= 5


def test_history_of_a_file_loads_the_index_and_its_fingerprints_once(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look-alike and the gate's answer share one index and one fingerprinting."""
    import provenance.likeness.fingerprint as fingerprinting
    from provenance.store.fingerprints import FingerprintsPart

    copy = _stripped_copy(studio.work / "genai" / "gen2.png", studio.work / "edit" / "copy.jpg")
    run_scan(
        plan_scan([copy], studio.settings), studio.ledger, studio.settings, fingerprints=False
    )  # fmt: skip: its fingerprint must be computed
    loads: list[int] = []
    printed: list[str] = []
    page, fingerprint_files = FingerprintsPart.genai_page, fingerprinting.fingerprint_files

    def counted_page(self: FingerprintsPart, after: int = 0, batch: int = 50_000) -> object:
        loads.extend([after] if after == 0 else [])  # an index load starts at row 0
        return page(self, after, batch)

    def counted_files(paths: list[Path], **kw: object) -> object:
        paths = list(paths)
        printed.extend(str(p) for p in paths)
        return fingerprint_files(paths, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(FingerprintsPart, "genai_page", counted_page)
    monkeypatch.setattr(fingerprinting, "fingerprint_files", counted_files)
    story = find_history(str(copy), studio.ledger, studio.settings)
    assert story.looks_like is not None and story.finals is not None
    assert story.finals.action == "block"
    assert (len(loads), printed) == (1, [str(copy)])
