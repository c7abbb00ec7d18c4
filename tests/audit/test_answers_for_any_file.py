"""`history` and `ls --looks-like` answer for any file, recorded or not, and open with the verdict.

A file the ledger has never seen is checked as the audit would check it
alone, and nothing is written: an editor can ask about a file before it is
scanned, and is told plainly whether it may go into finals.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from PIL import Image

from provenance.cli import cli
from provenance.history import Unrecorded, answer_for, find_history
from tests.support.files import sha256_of
from tests.support.studio import Studio, camera_jpeg


def _resized(source: Path, target: Path, box: tuple[int, int, int, int] | None = None) -> Path:
    """A half-size (or cropped) JPEG of ``source`` without metadata: new bytes, no markers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        picture = image.convert("RGB")
        picture = (
            picture.crop(box) if box else picture.resize((image.width // 2, image.height // 2))
        )
        picture.save(target, quality=85)
    return target


def _events(studio: Studio) -> int:
    return studio.ledger.events.verify().events


def _run(studio: Studio, *args: str) -> Result:
    result = CliRunner().invoke(cli, [*args, "--db", studio.settings.db], catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def test_an_unscanned_copy_of_a_generated_image_may_not_go_into_finals(studio: Studio) -> None:
    gen = studio.work / "genai" / "gen2.png"
    copy = _resized(gen, studio.work / "edit" / "half.jpg")
    before = _events(studio)
    answer = answer_for(str(copy), studio.ledger, studio.settings)
    assert isinstance(answer, Unrecorded)
    assert answer.finals.action == "block"
    assert answer.finals.sentence.startswith("May not go into finals: looks like generated asset")
    assert answer.origin is not None and answer.origin.sha256 == sha256_of(gen)
    assert answer.origin_path == str(gen)
    origin = answer.to_dict()["origin"]
    assert isinstance(origin, dict) and origin["locations"][0]["path"] == str(gen)
    assert _events(studio) == before and studio.ledger.assets.get(sha256_of(copy)) is None


def test_the_cli_answer_opens_with_the_sentence_and_writes_nothing(studio: Studio) -> None:
    copy = _resized(studio.work / "genai" / "gen1.png", studio.work / "edit" / "half.jpg")
    before = _events(studio)
    shown = _run(studio, "history", str(copy)).stdout
    assert shown.splitlines()[0].startswith("May not go into finals")
    assert "nothing was written" in shown
    data = json.loads(_run(studio, "history", str(copy), "--json").stdout)
    assert data["recorded"] is False and data["finals"]["action"] == "block"
    assert data["origin"]["sha256"] == sha256_of(studio.work / "genai" / "gen1.png")
    assert _events(studio) == before


def test_an_unscanned_crop_is_found_by_the_region_check(studio: Studio) -> None:
    gen = studio.work / "genai" / "gen3.png"
    with Image.open(gen) as image:
        box = (0, 0, image.width * 3 // 4, image.height * 3 // 4)
    crop = _resized(gen, studio.work / "edit" / "crop.png", box)
    answer = answer_for(str(crop), studio.ledger, studio.settings)
    assert isinstance(answer, Unrecorded) and answer.finals.action == "block"
    assert answer.origin is not None and answer.origin.sha256 == sha256_of(gen)


def test_an_unscanned_camera_picture_is_not_blocked(studio: Studio) -> None:
    plate = camera_jpeg(studio.work / "plates" / "new_plate.jpg", 77)
    answer = answer_for(str(plate), studio.ledger, studio.settings)
    assert isinstance(answer, Unrecorded) and answer.finals.action != "block"
    assert answer.origin is None and answer.finals.sentence.startswith("May go into finals")


def test_a_recorded_generated_asset_opens_with_may_not(studio: Studio) -> None:
    gen = studio.work / "genai" / "gen1.png"
    story = find_history(str(gen), studio.ledger, studio.settings)
    assert story.finals is not None and story.finals.action == "block"
    by_hash = find_history(sha256_of(gen)[:12], studio.ledger, studio.settings)
    assert by_hash.finals is not None and by_hash.finals.action == "block"
    assert _run(studio, "history", str(gen)).stdout.startswith("May not go into finals")


def test_looks_like_answers_for_an_unscanned_file(studio: Studio) -> None:
    gen = studio.work / "genai" / "gen2.png"
    copy = _resized(gen, studio.work / "edit" / "half.jpg")
    before = _events(studio)
    listed = json.loads(_run(studio, "ls", "--looks-like", str(copy), "--json").stdout)["assets"]
    assert listed[0]["sha256"] == sha256_of(gen)
    assert _events(studio) == before
