"""Replacement and expiry, with a controllable clock; every refusal."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from provenance.errors import TransitionRefused
from provenance.history import find_history
from provenance.lifecycle import Lifecycle, approve, expire, replace, set_expiry
from provenance.store import Observation
from tests.support.factories import asset_facts
from tests.support.lifecycle import Clock, Make, final


def test_replace_links_both_directions(lc: Lifecycle, make_genai: Make, make_plain: Make) -> None:
    gen_path, gen = make_genai("gen.png", 1)
    comp_path, comp = make_plain("comp.png", 2)
    replace(lc, str(gen_path), str(comp_path), "matte painting by the DMP team")
    old = lc.ledger.assets.resolve(gen.sha256)
    assert (old.status, old.replaced_by) == ("replaced", comp.sha256)
    old_events = [e for e in find_history(gen.sha256, lc.ledger).events if e.type == "replaced"]
    new_events = [e for e in find_history(comp.sha256, lc.ledger).events if e.type == "replaces"]
    assert old_events[0].details["by"] == comp.sha256
    assert old_events[0].details["reason"] == "matte painting by the DMP team"
    assert new_events[0].details["replaces"] == gen.sha256
    assert lc.ledger.events.verify().ok


def test_replacing_refusals(lc: Lifecycle, make_genai: Make, make_plain: Make) -> None:
    gen_path, gen = make_genai("gen.png", 3)
    plate_path, _ = make_plain("plate.png", 4)
    comp_path, _ = make_plain("comp.png", 5)
    with pytest.raises(TransitionRefused, match="cannot replace itself"):
        replace(lc, str(gen_path), gen.sha256)
    with pytest.raises(TransitionRefused, match="not a generated asset"):
        replace(lc, str(plate_path), str(comp_path))
    replace(lc, str(gen_path), str(comp_path))
    with pytest.raises(TransitionRefused, match="already replaced"):
        replace(lc, str(gen_path), str(plate_path))
    second_path, _ = make_genai("gen2.png", 6)
    with pytest.raises(TransitionRefused, match="itself replaced"):
        replace(lc, str(second_path), str(gen_path))


def test_replaced_assets_cannot_be_approved(
    lc: Lifecycle, make_genai: Make, make_plain: Make, consent: Path
) -> None:
    gen_path, _ = make_genai("gen.png", 7)
    comp_path, _ = make_plain("comp.png", 8)
    replace(lc, str(gen_path), str(comp_path))
    with pytest.raises(TransitionRefused, match="replaced by"):
        approve(lc, [str(gen_path)], final(consent))


def test_a_sequence_replaces_frame_for_frame(
    lc: Lifecycle, make_genai: Make, make_plain: Make, tmp_path: Path
) -> None:
    gens = [make_genai(f"gen/shot.{n}.png", n)[1] for n in (1001, 1002)]
    comps = [make_plain(f"comp/shot.{n}.png", n + 50)[1] for n in (1001, 1002)]
    pairs = replace(lc, str(tmp_path / "gen/shot.#.png"), str(tmp_path / "comp/shot.#.png"))
    assert [(o.asset.sha256, n.asset.sha256) for o, n in pairs] == [
        (g.sha256, c.sha256) for g, c in zip(gens, comps, strict=True)
    ]
    make_plain("comp/extra.png", 99)
    more = [make_genai(f"more/a.{n}.png", n + 10)[1] for n in (1, 2, 3)]
    with pytest.raises(TransitionRefused, match="OLD names 3 assets and NEW names 2"):
        replace(lc, str(tmp_path / "more/a.#.png"), str(tmp_path / "comp/shot.#.png"))
    assert all(lc.ledger.assets.resolve(m.sha256).status == "temporary" for m in more)


def test_expire_with_a_controllable_clock(
    lc: Lifecycle, make_genai: Make, clock: Clock, ledger_url: str
) -> None:
    path, asset = make_genai("gen.png", 9)
    assert expire(lc) == []
    clock.advance(days=29)
    assert expire(lc) == []
    clock.advance(days=2)
    copy = dataclasses.replace(asset_facts("copy", "genai"), sha256=asset.sha256)
    lc.ledger.record([Observation(copy, "render02", "/farm/out/gen.png", 1, 1, 1)])
    [expired] = expire(lc)
    assert expired.asset.status == "expired" and not expired.lapsed
    assert {(loc.host, loc.path) for loc in expired.locations} == {
        ("testhost", str(path)),
        ("render02", "/farm/out/gen.png"),
    }
    event = lc.ledger.events.of(asset.sha256)[-1]
    assert event.type == "expired" and "without approval or replacement" in str(
        event.details["reason"]
    )
    assert expire(lc) == []  # nothing twice
    assert lc.ledger.events.verify().ok


def test_approved_and_replaced_assets_do_not_expire(
    lc: Lifecycle, make_genai: Make, make_plain: Make, consent: Path, clock: Clock
) -> None:
    approved_path, _ = make_genai("a.png", 10)
    replaced_path, _ = make_genai("b.png", 11)
    comp_path, _ = make_plain("comp.png", 12)
    approve(lc, [str(approved_path)], final(consent))
    replace(lc, str(replaced_path), str(comp_path))
    clock.advance(days=365)
    assert expire(lc) == []


def test_set_expiry_extends_and_shortens(lc: Lifecycle, make_genai: Make, clock: Clock) -> None:
    path, asset = make_genai("gen.png", 13)
    [shorter] = set_expiry(lc, [str(path)], clock() + timedelta(days=1), "previs ends Friday")
    assert shorter.status == "temporary"
    clock.advance(days=2)
    [expired] = expire(lc)
    assert expired.asset.sha256 == asset.sha256
    [kept] = set_expiry(lc, [asset.sha256], clock() + timedelta(days=10))
    assert kept.status == "temporary"  # an expired asset given more time is temporary again
    event = lc.ledger.events.of(asset.sha256)[-1]
    assert event.type == "expiry-set" and event.details["previous_status"] == "expired"
    [back] = set_expiry(lc, [asset.sha256], clock() - timedelta(days=1), "pulled")
    assert back.status == "temporary"  # the date has passed: expire marks it, with its event
    assert [e.asset.sha256 for e in expire(lc)] == [asset.sha256]
    assert lc.ledger.events.verify().ok


def test_set_expiry_refusals(
    lc: Lifecycle, make_plain: Make, make_genai: Make, clock: Clock
) -> None:
    plate, _ = make_plain("plate.png", 14)
    with pytest.raises(TransitionRefused, match=r"not a generated asset .* does not apply"):
        set_expiry(lc, [str(plate)], clock() + timedelta(days=1))
    gen, _ = make_genai("gen.png", 15)
    replace(lc, str(gen), str(plate))
    with pytest.raises(TransitionRefused, match="is replaced"):
        set_expiry(lc, [str(gen)], clock() + timedelta(days=1))
