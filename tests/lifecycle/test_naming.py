"""Names and shots: what producers call an asset, found in its paths."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.lifecycle.naming import display_place, name_of, shot_of, shots_of
from provenance.settings.model import DEFAULT_SHOT_PATTERN
from provenance.store import LocationRecord

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("path", "shot"),
    [
        ("/jobs/nf/comp/shot010_comp_v003.1003.png", "shot010"),
        ("/jobs/nf/sh_0040a/comp/v003.exr", "sh_0040a"),
        ("/jobs/nf/ab_010_0040/comp/plate.1001.exr", "ab_010_0040"),
        ("/jobs/nf/SEQ010_SH0040_plate.mov", "SEQ010_SH0040"),
        ("/jobs/nf/sq010/sh0020/gen/double.png", "sh0020"),  # the deepest part wins
        ("C:\\jobs\\nf\\shot020\\matte.psd", "shot020"),  # a Windows host's path
        ("/jobs/nf/genai/comfyui.png", None),
        ("/jobs/nf/plates/plate_A001.jpg", None),
        ("/jobs/nf/reshoot0100/x.png", None),  # 'shoot' is not a shot
    ],
)
def test_shots_are_found_in_names_then_folders(path: str, shot: str | None) -> None:
    assert shot_of(path, DEFAULT_SHOT_PATTERN) == shot


def test_a_pattern_without_a_shot_group_gives_its_whole_match() -> None:
    assert shot_of("/show/EP101_SC12/x.exr", r"EP\d+_SC\d+") == "EP101_SC12"


@given(st.text(max_size=120))
def test_any_path_gives_a_shot_from_it_or_none(path: str) -> None:
    found = shot_of(path, DEFAULT_SHOT_PATTERN)
    assert found is None or found in path


@given(
    st.from_regex(r"[a-z]{0,6}", fullmatch=True),
    st.integers(min_value=10, max_value=99999),
    st.sampled_from(["_comp_v001.exr", ".1001.png", "/plate.tif", "_gen.png"]),
)
def test_a_shot_number_in_a_name_is_found(lead: str, number: int, tail: str) -> None:
    path = f"/jobs/{lead}/shot{number:03d}{tail}"
    assert shot_of(path, DEFAULT_SHOT_PATTERN) == f"shot{number:03d}"


def place(path: str, present: bool, host: str = "ws1") -> LocationRecord:
    return LocationRecord("ab" * 32, host, path, 1, 0, NOW, NOW, present)


def test_an_asset_is_named_after_its_first_present_place() -> None:
    places = [place("/a/old/shot010_x.png", False), place("/a/shot020/y.png", True)]
    chosen = display_place(places)
    assert chosen is not None and name_of(chosen.path) == "y.png"
    assert display_place([places[0]]) == places[0]  # gone everywhere: where it was seen
    assert display_place([]) is None


def test_every_shot_of_every_place_in_order_once() -> None:
    places = [place("/a/shot020/x.png", True), place("/b/shot010/x.png", True),
              place("/c/shot020/x.png", False), place("/d/refs/x.png", True)]  # fmt: skip
    assert shots_of(places, DEFAULT_SHOT_PATTERN) == ("shot020", "shot010")


def test_the_default_pattern_compiles_and_names_its_group() -> None:
    assert "shot" in re.compile(DEFAULT_SHOT_PATTERN).groupindex
