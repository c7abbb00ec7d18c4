"""Near matches beyond the sure distance count only when the region rule confirms them.

The pair of :mod:`tests.support.periodic` is built like the periodic false
match of the 10,000-picture run: the fingerprint calls it a near match, the
region rule does not. Crops of the generated picture, as far from it by the
fingerprint, are confirmed; where the region rule cannot be asked, the match
stands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provenance.likeness.confirm import (
    SURE_DISTANCE,
    Confirmation,
    confirm,
    needs_confirmation,
    one_against_one,
)
from provenance.likeness.describe import describe_path
from provenance.likeness.features import Features, describe_luma
from provenance.likeness.fingerprint import Fingerprint, fingerprint_file, fingerprint_luma
from provenance.likeness.index import NearMatchIndex
from provenance.likeness.master import Lookup
from provenance.likeness.regions import RegionIndex
from provenance.likeness.sweep import Sample
from tests.support.periodic import checker, stripes
from tests.support.reframing import RGB, crop, luma, save, textured

GENERATED = "ab" * 32
CROPS = {"crop_95_corner": (0.95, (0.0, 0.0)), "crop_90_corner": (0.9, (1.0, 1.0)),
         "crop_95_far_corner": (0.95, (1.0, 1.0))}  # fmt: skip


def _file(tmp_path: Path, name: str, rgb: RGB) -> Path:
    return save(rgb, tmp_path / name, quality=75)


def _print(path: Path) -> Fingerprint:
    found = fingerprint_file(path).fingerprint
    assert found is not None
    return found


def _features(path: Path, *, mirror: bool = False) -> Features:
    described = describe_path(path, mirror=mirror).features()
    assert described is not None
    return described


def _distance(a: Path, b: Path) -> int:
    grad, dct = _print(a).distances(_print(b))
    assert _print(a).matches(_print(b)), "the fingerprint rule must call them alike"
    return grad + dct


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    return save(stripes(), tmp_path / "generated.png")


def test_the_periodic_lookalike_is_a_near_match_that_the_region_rule_refuses(
    generated: Path, tmp_path: Path
) -> None:
    lookalike = _file(tmp_path, "checker.jpg", checker())
    assert needs_confirmation(_distance(lookalike, generated))
    said = confirm(_features(lookalike, mirror=True), (_features(generated),), GENERATED)
    assert said.outcome == "refuted" and not said.stands


@pytest.mark.parametrize("name", sorted(CROPS))
def test_crops_of_the_periodic_picture_are_confirmed(
    generated: Path, tmp_path: Path, name: str
) -> None:
    keep, at = CROPS[name]
    copy = _file(tmp_path, f"{name}.jpg", crop(stripes(), keep, at))
    assert needs_confirmation(_distance(copy, generated))
    said = confirm(_features(copy, mirror=True), (_features(generated),), GENERATED)
    assert said.outcome == "confirmed" and said.hit is not None
    assert said.hit.sha256 == GENERATED


def test_repeated_patterns_need_every_neighbour_pair(generated: Path, tmp_path: Path) -> None:
    # Each stripe looks like the next: a feature's nearest partner is often the wrong one.
    copy = _features(_file(tmp_path, "crop.jpg", crop(stripes(), 0.9, (1.0, 1.0))), mirror=True)
    found = one_against_one(copy, (_features(generated),), GENERATED)
    assert found is not None and found.inliers >= 15


def test_a_frame_of_a_clip_confirms_it(generated: Path, tmp_path: Path) -> None:
    other = _features(save(textured(3, (640, 360)), tmp_path / "other.png"))
    copy = _features(_file(tmp_path, "crop.jpg", crop(stripes(), 0.95, (0.0, 0.0))), mirror=True)
    said = confirm(copy, (other, _features(generated)), GENERATED)
    assert said.outcome == "confirmed"


@pytest.mark.parametrize(
    ("reference", "query", "why"),
    [
        ("not described yet (the deferred stage has not run on it)", True, "not described"),
        ((), True, "has no local features"),
        (None, False, "this picture has no local features"),
    ],
)
def test_what_cannot_be_confirmed_stands(
    generated: Path, tmp_path: Path, reference: object, query: bool, why: str
) -> None:
    lookalike = _features(_file(tmp_path, "checker.jpg", checker()), mirror=True)
    given = (_features(generated),) if reference is None else reference
    assert isinstance(given, str | tuple)
    said = confirm(lookalike if query else None, given, GENERATED)
    assert said.outcome == "unconfirmed" and said.stands
    assert said.why is not None and why in said.why


def test_too_few_features_to_judge_by_stand(generated: Path, tmp_path: Path) -> None:
    lookalike = _features(_file(tmp_path, "checker.jpg", checker()))
    few = Features(lookalike.width, lookalike.height, lookalike.points[:40],
                   lookalike.descriptors[:40])  # fmt: skip
    said = confirm(few, (_features(generated),), GENERATED)
    assert said.outcome == "unconfirmed" and said.why is not None and "too few" in said.why


def test_the_sure_distance() -> None:
    assert not needs_confirmation(SURE_DISTANCE)
    assert needs_confirmation(SURE_DISTANCE + 1)


# ---------------------------------------------------------------- a master's samples


def _sample(rgb: RGB) -> Sample:
    grey = (luma(rgb) * 255).round().astype(np.uint8)
    return Sample(1.0, grey)


def _lookup(generated: Path, references: bool) -> Lookup:
    near = NearMatchIndex()
    near.add_fingerprints([(GENERATED, _print(generated))])
    regions = RegionIndex()
    regions.add(GENERATED, _features(generated))
    table = {GENERATED: (_features(generated),)}
    return Lookup(near, regions, table.__getitem__ if references else None)


def test_a_sweep_refuses_the_lookalike_and_keeps_the_copy(generated: Path) -> None:
    lookup = _lookup(generated, references=True)
    lookalike = _sample(checker())
    assert needs_confirmation(sum(_luma_print(lookalike).distances(_print(generated))))
    assert lookup.check(lookalike, _luma_print(lookalike)) is None
    copy = _sample(crop(stripes(), 0.9, (1.0, 1.0)))
    hit = lookup.check(copy, _luma_print(copy))
    assert hit is not None and (hit.asset, hit.kind) == (GENERATED, "near")


def test_a_sweep_without_references_keeps_its_near_matches(generated: Path) -> None:
    lookalike = _sample(checker())
    hit = _lookup(generated, references=False).check(lookalike, _luma_print(lookalike))
    assert hit is not None and (hit.asset, hit.kind) == (GENERATED, "near")


def _luma_print(sample: Sample) -> Fingerprint:
    found = fingerprint_luma(sample.luma())
    assert found is not None
    return found


def test_a_confirmation_says_what_it_found() -> None:
    assert Confirmation("sure").stands and Confirmation("unconfirmed", "why").stands
    assert not Confirmation("refuted").stands
    assert describe_luma(np.zeros((8, 8), np.float32)).width == 0  # nothing to confirm with
