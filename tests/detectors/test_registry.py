"""The detector registry and how classification treats detectors that fail."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from provenance.classify import classify_file, decide
from provenance.detectors.base import DetectorContext
from provenance.detectors.registry import BUILTIN_DETECTORS, GROUP, _load_one, load_detectors
from provenance.evidence import Evidence
from provenance.files.media import MediaFacts
from provenance.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_builtin_table_equals_pyproject_entry_points() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"][GROUP] == BUILTIN_DETECTORS


def test_every_builtin_loads_and_has_a_unique_name() -> None:
    names = [d.name for d in load_detectors()]
    assert sorted(names) == sorted(set(names))
    assert set(BUILTIN_DETECTORS) <= set(names)


class Exploding:
    name = "exploding"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        yield from ()
        raise RuntimeError("boom")


class Marking:
    name = "marking"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        yield Evidence("marking", "test-marker", "marked", "genai", "comfyui", "strong", "a prompt")


def test_a_detector_that_raises_becomes_error_evidence(tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    target.write_bytes(b"data")
    _, result = classify_file(target, Settings(db="sqlite://"), detectors=[Exploding(), Marking()])
    assert result.verdict == "genai" and result.tool == "comfyui" and result.prompt == "a prompt"
    errors = [e for e in result.evidence if e.signal == "error"]
    assert errors and errors[0].detector == "exploding" and "boom" in errors[0].detail


def test_broken_plugin_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    entry = EntryPoint(name="broken", value="no.such.module:DETECTOR", group=GROUP)
    assert _load_one(entry) is None
    assert "broken" in caplog.text


def test_object_without_protocol_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    entry = EntryPoint(name="odd", value="provenance.settings:APP_NAME", group=GROUP)
    assert _load_one(entry) is None
    assert "not a Detector" in caplog.text


FACTS = MediaFacts(size=1, kind="image", mime="image/png", format="png")


def test_generator_marker_outweighs_camera_exif() -> None:
    camera = Evidence("exif", "camera-exif", "Canon EOS R5", "not_genai", "camera", "medium")
    marker = Evidence("x", "png-parameters", "params", "genai", "automatic1111", "strong")
    assert decide(FACTS, [camera, marker]).verdict == "genai"
    assert decide(FACTS, [camera]).verdict == "not_genai"


def test_no_marker_is_unknown_not_clean() -> None:
    assert decide(FACTS, []).verdict == "unknown"
    broken = MediaFacts(size=1, kind="image", mime="image/png", format="png", problem="truncated")
    assert decide(broken, []).verdict == "unreadable"


def test_named_tool_beats_unknown_genai_at_equal_confidence() -> None:
    vague = Evidence("a", "dst", "trainedAlgorithmicMedia", "genai", "unknown-genai", "medium")
    named = Evidence("b", "claim", "Firefly", "genai", "adobe-firefly", "medium")
    assert decide(FACTS, [vague, named]).tool == "adobe-firefly"
