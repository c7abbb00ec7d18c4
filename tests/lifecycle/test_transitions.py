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
    done = replace(lc, str(tmp_path / "gen/shot.#.png"), str(tmp_path / "comp/shot.#.png"))
    assert [(o.asset.sha256, n.asset.sha256) for o, n in done.pairs] == [
        (g.sha256, c.sha256) for g, c in zip(gens, comps, strict=True)
    ]
    make_plain("comp/extra.png", 99)
    more = [make_genai(f"more/a.{n}.png", n + 10)[1] for n in (1, 2, 3)]
    with pytest.raises(TransitionRefused, match=r"no frame of the same number for a\.1\.png"):
        replace(lc, str(tmp_path / "more/a.#.png"), str(tmp_path / "comp/shot.#.png"))
    assert all(lc.ledger.assets.resolve(m.sha256).status == "temporary" for m in more)


def test_frames_pair_by_number_and_frames_not_generated_are_left_alone(
    lc: Lifecycle, make_genai: Make, make_plain: Make, tmp_path: Path
) -> None:
    gen = {n: make_genai(f"gen/sh010.{n}.png", n)[1] for n in (1002, 1004)}
    plates = [make_plain(f"gen/sh010.{n}.png", n + 20)[1] for n in (1001, 1003)]
    comps = {n: make_plain(f"comp/sh010_v2.{n:05d}.png", n + 50)[1] for n in range(1000, 1006)}
    done = replace(lc, str(tmp_path / "gen/sh010.1001-1004#.png"),
                   str(tmp_path / "comp/sh010_v2.#####.png"))  # fmt: skip
    assert {(o.asset.sha256, n.asset.sha256) for o, n in done.pairs} == {
        (gen[n].sha256, comps[n].sha256) for n in (1002, 1004)
    }
    assert sorted(t.asset.sha256 for t in done.left_out) == sorted(p.sha256 for p in plates)
    assert all(lc.ledger.assets.resolve(p.sha256).status is None for p in plates)


def test_a_sequence_with_no_generated_frame_is_refused_by_name(
    lc: Lifecycle, make_plain: Make, tmp_path: Path
) -> None:
    for n in (1001, 1002):
        make_plain(f"plates/p.{n}.png", n)
    _, comp = make_plain("comp.png", 7)
    with pytest.raises(TransitionRefused, match=r"no frame of this sequence is generated "
                       r"\(p\.1001\.png, p\.1002\.png\)"):  # fmt: skip
        replace(lc, str(tmp_path / "plates/p.1001-1002#.png"), comp.sha256)


def test_one_new_file_replaces_every_generated_frame(
    lc: Lifecycle, make_genai: Make, make_plain: Make, tmp_path: Path
) -> None:
    gens = [make_genai(f"gen/sh020.{n}.png", n)[1] for n in (1, 2, 3)]
    painting_path, painting = make_plain("dmp/matte.png", 40)
    done = replace(lc, str(tmp_path / "gen/sh020.@.png"), str(painting_path))
    assert {o.asset.sha256 for o, _ in done.pairs} == {g.sha256 for g in gens}
    assert {n.asset.sha256 for _, n in done.pairs} == {painting.sha256}


def test_a_frame_is_paired_even_when_two_new_frames_have_the_same_bytes(
    lc: Lifecycle, make_genai: Make, make_plain: Make, tmp_path: Path
) -> None:
    gens = {n: make_genai(f"gen/s.{n}.png", n)[1] for n in (1001, 1002)}
    _, black = make_plain("comp/s.1001.png", 9)
    (tmp_path / "comp/s.1002.png").write_bytes((tmp_path / "comp/s.1001.png").read_bytes())
    done = replace(lc, str(tmp_path / "gen/s.#.png"), str(tmp_path / "comp/s.#.png"))
    assert sorted((o.asset.sha256, n.asset.sha256) for o, n in done.pairs) == sorted(
        (g.sha256, black.sha256) for g in gens.values()
    )


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
