"""Approving twice adds nothing: what counts as "the same approval", on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from provenance.errors import TransitionRefused
from provenance.lifecycle import Approval, Lifecycle, approval_message, approve, revoke
from provenance.lifecycle.repeats import same_approval
from provenance.lifecycle.signing import Wording
from provenance.signing.approvals import approval_trust
from tests.support.lifecycle import Clock, Make, final


def test_approving_again_records_nothing_and_names_the_approval(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 1)
    [first] = approve(lc, [str(path)], final(consent)).records
    events = len(lc.ledger.events.list())
    again = approve(lc, [str(path)], final(consent, note="retried by the farm"))
    assert again.records == []
    [already] = again.already
    assert already.approval == first and already.target.asset.sha256 == asset.sha256
    assert already.to_dict()["sha256"] == asset.sha256
    assert len(lc.ledger.approvals.list()) == 1 and len(lc.ledger.events.list()) == events


def test_frames_already_approved_are_left_out_and_the_others_approved(
    lc: Lifecycle, make_genai: Make, consent: Path, tmp_path: Path
) -> None:
    frames = [make_genai(f"seq/sh010.{n}.png", n)[1] for n in (1001, 1002, 1003)]
    approve(lc, [str(tmp_path / "seq" / "sh010.1001-1002#.png")], final(consent))
    done = approve(lc, [str(tmp_path / "seq" / "sh010.1001-1003#.png")], final(consent))
    assert [r.asset_sha256 for r in done.records] == [frames[2].sha256]
    assert [a.target.asset.sha256 for a in done.already] == [f.sha256 for f in frames[:2]]
    assert len(lc.ledger.approvals.list()) == 3


@pytest.mark.parametrize(
    ("first", "second", "recorded"),
    [
        ({"scope": "temporary-use"}, {}, True),  # final is wider than temporary-use
        ({}, {"approver": "Sam Roe (producer)"}, True),  # a second person's sign-off
        ({}, {"category": "talent-likeness"}, True),
        ({"expires": 1}, {"expires": 5}, True),  # lasts longer
        ({"expires": 1}, {}, True),  # never lapses
        ({}, {"scope": "temporary-use"}, False),
        ({}, {"expires": 3}, False),
        ({"expires": 5}, {"expires": 3}, False),
    ],
)
def test_only_an_approval_that_says_more_is_recorded(
    lc: Lifecycle,
    make_genai: Make,
    consent: Path,
    clock: Clock,
    first: dict[str, object],
    second: dict[str, object],
    recorded: bool,
) -> None:
    path, _ = make_genai("gen.png", 2)
    approve(lc, [str(path)], _approval(consent, clock, first))
    again = approve(lc, [str(path)], _approval(consent, clock, second))
    assert (len(again.records), len(again.already)) == ((1, 0) if recorded else (0, 1))


def test_a_new_document_a_revocation_or_a_lapse_makes_the_next_approval_new(
    lc: Lifecycle, make_genai: Make, consent: Path, clock: Clock
) -> None:
    path, _ = make_genai("gen.png", 4)
    [first] = approve(lc, [str(path)], final(consent, expires=clock() + timedelta(days=1))).records
    renewed = consent.with_name("consent-renewed.pdf")
    renewed.write_bytes(b"%PDF-1.7\nrenewed consent\n%%EOF\n")
    [second] = approve(lc, [str(path)], final(renewed)).records
    revoke(lc, second.id, "consent withdrawn")
    [third] = approve(lc, [str(path)], final(renewed)).records
    clock.advance(days=2)  # the first approval lapses
    [fourth] = approve(lc, [str(path)], final(consent, expires=clock() + timedelta(days=1))).records
    assert len({first.id, second.id, third.id, fourth.id}) == 4


def test_an_approval_that_does_not_count_is_not_the_same(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, _ = make_genai("gen.png", 5)
    [record] = approve(lc, [str(path)], final(consent)).records
    wording = Wording(record.category, record.scope, record.approver, record.reference_sha256,
                      record.approved_at, None, None)  # fmt: skip
    trust = approval_trust(lc.settings)
    assert same_approval([record], wording, trust, lc.now()) == record
    unsigned = dataclasses.replace(record, signature=None, signed_message=None)
    assert same_approval([unsigned], wording, trust, lc.now()) is None
    forged = dataclasses.replace(record, approver="Someone Else")  # not what was signed
    forged_wording = dataclasses.replace(wording, approver="Someone Else")
    assert same_approval([forged], forged_wording, trust, lc.now()) is None


def test_there_is_nothing_to_sign_when_everything_is_approved(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, _ = make_genai("gen.png", 6)
    approve(lc, [str(path)], final(consent))
    with pytest.raises(TransitionRefused, match=r"already approved \(approval #\d+ by Jane"):
        approval_message(lc, [str(path)], final(consent, sign_with=None))


def test_the_message_to_sign_names_only_what_is_not_approved_yet(
    lc: Lifecycle, make_genai: Make, consent: Path, tmp_path: Path
) -> None:
    first, second = (make_genai(f"seq/sh030.{n}.png", n)[1] for n in (1001, 1002))
    approve(lc, [str(tmp_path / "seq" / "sh030.1001.png")], final(consent))
    message = approval_message(lc, [str(tmp_path / "seq" / "sh030.1001-1002#.png")],
                               final(consent, sign_with=None))  # fmt: skip
    assert second.sha256 in message and first.sha256 not in message


def _approval(consent: Path, clock: Clock, change: dict[str, object]) -> Approval:
    """The tests' approval with ``change`` made; ``expires`` is in days from now."""
    days = change.get("expires")
    expires = clock() + timedelta(days=days) if isinstance(days, int) else None
    others = {k: v for k, v in change.items() if k != "expires"}
    return dataclasses.replace(final(consent, expires=expires), **others)  # type: ignore[arg-type]
