"""Sidecar discovery and generators' JSON sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.classify import classify_file
from provenance.detectors import sidecars
from provenance.detectors.base import DetectorContext
from provenance.detectors.sidecars import sidecar_paths
from provenance.evidence import Evidence
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import png_bytes, write

SETTINGS = Settings(db="sqlite://")
PARAMS = {"prompt": "a red fox", "seed": 42, "steps": 30, "sampler": "euler"}


def detect(path: Path) -> list[Evidence]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=SETTINGS)
    return list(sidecars.DETECTOR.detect(ctx))


@pytest.fixture
def image(tmp_path: Path) -> Path:
    return write(tmp_path / "render.png", png_bytes())


def test_sidecar_paths_find_both_names_but_never_the_file_itself(tmp_path: Path) -> None:
    path = write(tmp_path / "shot.exr", b"")
    assert sidecar_paths(path, ".json") == []
    write(tmp_path / "shot.json", b"{}")
    write(tmp_path / "shot.exr.json", b"{}")
    assert [p.name for p in sidecar_paths(path, ".json")] == ["shot.exr.json", "shot.json"]
    itself = write(tmp_path / "look.xmp", b"")
    assert sidecar_paths(itself, ".xmp") == []


def test_generation_parameters_are_genai_with_the_prompt(image: Path) -> None:
    write(image.with_name("render.png.json"), json.dumps(PARAMS).encode())
    [item] = detect(image)
    assert (item.signal, item.tool, item.confidence, item.prompt) == (
        "genai",
        "unknown-genai",
        "medium",
        "a red fox",
    )
    _, result = classify_file(image, SETTINGS)
    assert result.verdict == "genai"


@pytest.mark.parametrize(
    ("document", "tool"),
    [
        (PARAMS | {"software": "InvokeAI 4.2"}, "invokeai"),
        ({"metadata": PARAMS | {"model": "dall-e-3"}}, "openai-dall-e-3"),
        ({"sui_image_params": {"prompt": "x"}}, "swarmui"),
        ({"3": {"class_type": "KSampler", "inputs": {"seed": 1}}}, "comfyui"),
    ],
)
def test_named_tools_are_strong(image: Path, document: dict[str, object], tool: str) -> None:
    write(image.with_suffix(".json"), json.dumps(document).encode())
    [item] = detect(image)
    assert (item.tool, item.confidence) == (tool, "strong")


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"prompt": "a note to self"}).encode(),
        json.dumps({"seed": 1, "steps": 2}).encode(),
        json.dumps({"Make": "Canon", "Model": "EOS R5", "ImageWidth": 10}).encode(),
        b"not json at all",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_other_json_is_ignored(image: Path, content: bytes) -> None:
    write(image.with_suffix(".json"), content)
    assert detect(image) == []


def test_json_files_themselves_are_not_classified_as_sidecars(tmp_path: Path) -> None:
    path = write(tmp_path / "params.json", json.dumps(PARAMS).encode())
    write(tmp_path / "params.json.json", json.dumps(PARAMS).encode())
    assert detect(path) == []


def test_folder_listing_cache_never_hides_a_new_sidecar(tmp_path: Path) -> None:
    import os

    from provenance.detectors.sidecars import folder_names

    media = tmp_path / "frame.exr"
    media.write_bytes(b"x")
    assert "frame.exr.json" not in folder_names(tmp_path)  # fresh folder: listed, not kept
    (tmp_path / "frame.exr.json").write_text("{}")
    assert "frame.exr.json" in folder_names(tmp_path)
    old = tmp_path.stat().st_mtime - 60
    os.utime(tmp_path, (old, old))  # a settled folder: its listing is kept...
    assert folder_names(tmp_path) == folder_names(tmp_path)
    (tmp_path / "frame.exr.xmp").write_text("<x/>")  # ...until the folder changes
    assert "frame.exr.xmp" in folder_names(tmp_path)


def test_a_held_listing_is_one_look_and_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.detectors import sidecars

    (tmp_path / "frame.exr").write_bytes(b"x")
    with sidecars.listings_held():
        assert "frame.exr.json" not in sidecars.folder_names(tmp_path)
        (tmp_path / "frame.exr.json").write_text("{}")
        assert "frame.exr.json" not in sidecars.folder_names(tmp_path)  # the same look
        monkeypatch.setattr(sidecars, "HELD_SECONDS", 0.0)  # as if the time had passed
        assert "frame.exr.json" in sidecars.folder_names(tmp_path)  # a new one
    monkeypatch.undo()
    (tmp_path / "frame.exr.xmp").write_text("<x/>")
    assert "frame.exr.xmp" in sidecars.folder_names(tmp_path)  # outside: every look checks


def test_the_audits_known_files_hold_their_folders_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.audit.markers import mark_files
    from provenance.detectors import sidecars
    from provenance.settings import Settings

    frames = [tmp_path / f"plate.{n:04d}.exr" for n in range(1001, 1006)]
    for frame in frames:
        frame.write_bytes(b"\x76\x2f\x31\x01" + bytes(60))
    stats: list[Path] = []
    real = sidecars._folder_names

    def counted(folder: Path, key: str, now: float) -> frozenset[str]:
        stats.append(folder)
        return real(folder, key, now)

    monkeypatch.setattr(sidecars, "_folder_names", counted)
    marks = mark_files(Settings(), [(frame, frame.stat().st_size) for frame in frames])
    assert len(marks) == len(frames)
    assert stats == [tmp_path]  # listed once for the five frames, not stat'ed per frame
