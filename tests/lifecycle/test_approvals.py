"""Written approvals and revocations, on SQLite and PostgreSQL: every transition and refusal."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import pytest

from provenance.errors import ApprovalRefused, TargetNotFound, TransitionRefused
from provenance.lifecycle import Lifecycle, approve, expire, needs_approval, revoke
from provenance.lifecycle.approve import MAX_DOCUMENT_BYTES, read_document
from provenance.rules.policy import Policy, asset_state, decide
from provenance.settings import Settings
from provenance.settings.tables import WatchlistConfig
from provenance.store import AssetQuery, AssetRecord, Ledger
from tests.support.files import png
from tests.support.lifecycle import Clock, Make, final


def status(lc: Lifecycle, asset: AssetRecord) -> str | None:
    return lc.ledger.assets.resolve(asset.sha256).status


def audit(lc: Lifecycle, asset: AssetRecord) -> str:
    """What the policy decides for the asset now (the audit's judgement)."""
    current = lc.ledger.assets.resolve(asset.sha256)
    return decide(
        asset_state(current, lc.ledger.approvals.of(asset.sha256)), Policy(), lc.now()
    ).action


def test_final_approval_approves_and_copies_the_document(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("shots/gen.png", 1)
    [record] = approve(lc, [str(path)], final(consent, note="ticket VFX-12")).records
    assert status(lc, asset) == "approved" and audit(lc, asset) == "pass"
    assert (record.category, record.scope, record.recorded_by, record.host) == (
        "final-deliverable",
        "final",
        "tester",
        "testhost",
    )
    original = consent.read_bytes()
    assert record.reference_sha256 == hashlib.sha256(original).hexdigest()
    consent.write_bytes(b"a different document")  # the ledger's copy cannot silently change
    assert lc.ledger.approvals.document(record.reference_sha256) == (consent.name, original)
    event = lc.ledger.events.of(asset.sha256)[-1]
    assert event.type == "approved" and event.path == str(path)
    assert event.details["reference_sha256"] == record.reference_sha256
    assert event.details["status"] == "approved" and event.details["previous_status"] == "temporary"
    assert "Jane Doe" in str(event.details["reason"]) and event.actor == "tester"
    assert lc.ledger.events.verify().ok


def test_approval_by_hash_prefix(lc: Lifecycle, make_genai: Make, consent: Path) -> None:
    _, asset = make_genai("gen.png", 2)
    approve(lc, [asset.sha256[:10]], final(consent))
    assert status(lc, asset) == "approved"


def test_flags_need_their_own_approvals(
    lc: Lifecycle, make_genai: Make, consent: Path, tmp_path: Path
) -> None:
    names = tmp_path / "talent.txt"
    names.write_text("Zoë Saldaña\n")
    settings = dataclasses.replace(
        lc.settings, watchlists=(WatchlistConfig(str(names), "talent-likeness"),)
    )
    flagged = dataclasses.replace(lc, settings=settings)
    path, asset = make_genai("gen.png", 3, "portrait of ZOE SALDANA", settings=settings)
    approve(flagged, [str(path)], final(consent))
    assert status(lc, asset) == "temporary" and audit(lc, asset) == "block"
    [need] = needs_approval(flagged, AssetQuery())
    assert need.missing == ("talent-likeness",)
    approve(flagged, [str(path)], final(consent, "talent-likeness"))
    assert status(lc, asset) == "approved" and audit(lc, asset) == "pass"
    assert needs_approval(flagged, AssetQuery()) == []


def test_temporary_use_scope_does_not_approve_for_finals(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 4)
    approve(lc, [str(path)], final(consent, scope="temporary-use"))
    assert status(lc, asset) == "temporary" and audit(lc, asset) == "block"


def test_revoke_returns_to_temporary_and_cannot_repeat(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 5)
    [record] = approve(lc, [str(path)], final(consent)).records
    revoked = revoke(lc, record.id, "consent withdrawn")
    assert revoked.revoked_by == "tester" and revoked.revoke_reason == "consent withdrawn"
    assert status(lc, asset) == "temporary" and audit(lc, asset) == "block"
    event = lc.ledger.events.of(asset.sha256)[-1]
    assert (event.type, event.details["reason"], event.details["status"]) == (
        "revoked",
        "consent withdrawn",
        "temporary",
    )
    with pytest.raises(TransitionRefused, match="already revoked"):
        revoke(lc, record.id, "again")
    with pytest.raises(TransitionRefused, match="needs a reason"):
        revoke(lc, record.id, "  ")
    with pytest.raises(TargetNotFound, match="no approval #999"):
        revoke(lc, 999, "x")
    assert lc.ledger.events.verify().ok


def test_expiring_approval_lapses_by_itself(
    lc: Lifecycle, make_genai: Make, consent: Path, clock: Clock
) -> None:
    path, asset = make_genai("gen.png", 6)
    approve(lc, [str(path)], final(consent, expires=clock() + timedelta(days=1)))
    assert status(lc, asset) == "approved" and audit(lc, asset) == "warn"  # lapsing soon
    clock.advance(days=2)
    assert audit(lc, asset) == "block"  # lapsed, even before anyone runs expire
    [changed] = expire(lc)
    assert changed.lapsed and changed.asset.status == "temporary"
    assert [e.type for e in lc.ledger.events.of(asset.sha256)][-1] == "approval-lapsed"
    clock.advance(days=30)
    [later] = expire(lc)
    assert later.asset.status == "expired" and not later.lapsed
    assert lc.ledger.events.verify().ok


def test_approving_a_non_generated_asset_is_refused(
    lc: Lifecycle, make_plain: Make, consent: Path
) -> None:
    path, _ = make_plain("plate.png", 7)
    events = len(lc.ledger.events.list())
    with pytest.raises(TransitionRefused, match="not a generated asset"):
        approve(lc, [str(path)], final(consent))
    assert len(lc.ledger.events.list()) == events and lc.ledger.approvals.list() == []


def test_a_refusal_leaves_every_target_unapproved(
    lc: Lifecycle, make_genai: Make, make_plain: Make, consent: Path
) -> None:
    gen, asset = make_genai("gen.png", 8)
    plain, _ = make_plain("plate.png", 9)
    with pytest.raises(TransitionRefused):
        approve(lc, [str(gen), str(plain)], final(consent))
    assert status(lc, asset) == "temporary" and lc.ledger.approvals.list() == []


def test_someone_not_allowed_is_refused_and_recorded(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 10)
    outsider = dataclasses.replace(
        lc, settings=dataclasses.replace(lc.settings, approvers=("boss",))
    )
    with pytest.raises(ApprovalRefused, match="'tester' is not in the approvers setting"):
        approve(outsider, [str(path)], final(consent))
    assert status(lc, asset) == "temporary" and lc.ledger.approvals.list() == []
    event = lc.ledger.events.of(asset.sha256)[-1]
    assert event.type == "approval-refused" and event.actor == "tester"
    assert event.details["category"] == "final-deliverable" and "approvers" in str(
        event.details["reason"]
    )
    [record] = approve(lc, [str(path)], final(consent)).records
    with pytest.raises(ApprovalRefused):
        revoke(outsider, record.id, "I would like to")
    assert lc.ledger.events.of(asset.sha256)[-1].details["action"] == "revoke"
    assert lc.ledger.events.verify().ok


def test_approving_a_missing_copy_is_refused(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 11)
    path.unlink()
    with pytest.raises(TransitionRefused, match="this copy is gone"):
        approve(lc, [str(path)], final(consent))
    lc.ledger.record_removed([str(path)])
    with pytest.raises(TransitionRefused, match="no copy of this asset is present"):
        approve(lc, [asset.sha256], final(consent))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "likeness"}, "unknown approval category"),
        ({"scope": "forever"}, "unknown scope"),
        ({"approver": " "}, "needs the name of who approved"),
        ({"expires": "past"}, "already have lapsed"),
        ({"reference": "missing"}, "reference document is missing"),
    ],
)
def test_malformed_approvals_are_refused(
    lc: Lifecycle, make_genai: Make, consent: Path, change: dict[str, object], message: str
) -> None:
    path, _ = make_genai("gen.png", 12)
    if change.get("expires") == "past":
        change["expires"] = lc.now() - timedelta(hours=1)
    if change.get("reference") == "missing":
        change["reference"] = consent.with_name("nope.pdf")
    with pytest.raises((TransitionRefused, TargetNotFound), match=message):
        approve(lc, [str(path)], dataclasses.replace(final(consent), **change))  # type: ignore[arg-type]


def test_unscanned_file_is_refused(lc: Lifecycle, consent: Path, tmp_path: Path) -> None:
    path = png(tmp_path / "new.png", 13)
    with pytest.raises(TargetNotFound, match="scan"):
        approve(lc, [str(path)], final(consent))


def test_a_whole_sequence_is_approved_at_once(
    lc: Lifecycle, make_genai: Make, consent: Path, tmp_path: Path
) -> None:
    frames = [make_genai(f"seq/shot010.{n}.png", n)[1] for n in (1001, 1002, 1003)]
    records = approve(
        lc, [str(tmp_path / "seq" / "shot010.1001-1003#.png")], final(consent)
    ).records
    assert sorted(r.asset_sha256 for r in records) == sorted(f.sha256 for f in frames)
    assert all(status(lc, f) == "approved" for f in frames)
    with pytest.raises(TargetNotFound, match="2 of 5 frames are missing"):
        approve(lc, [str(tmp_path / "seq" / "shot010.1001-1005#.png")], final(consent))
    on_disk = approve(lc, [str(tmp_path / "seq" / "shot010.#.png")], final(consent, "voice"))
    assert len(on_disk.records) == 3


def test_one_document_is_stored_once(
    lc: Lifecycle, make_genai: Make, consent: Path, ledger_url: str
) -> None:
    first, _ = make_genai("a.png", 14)
    second, _ = make_genai("b.png", 15)
    approve(lc, [str(first)], final(consent))
    approve(lc, [str(second)], final(consent))
    shas = {a.reference_sha256 for a in lc.ledger.approvals.list()}
    assert len(shas) == 1


def test_status_agrees_with_the_audit_in_every_state(
    lc: Lifecycle, make_genai: Make, consent: Path, clock: Clock
) -> None:
    path, asset = make_genai("gen.png", 16)
    checks = []
    checks.append((status(lc, asset), audit(lc, asset)))
    [record] = approve(lc, [str(path)], final(consent)).records
    checks.append((status(lc, asset), audit(lc, asset)))
    revoke(lc, record.id, "changed our mind")
    checks.append((status(lc, asset), audit(lc, asset)))
    approve(lc, [str(path)], final(consent, expires=clock() + timedelta(days=60)))
    checks.append((status(lc, asset), audit(lc, asset)))
    for state, action in checks:
        assert (state == "approved") == (action in ("pass", "warn")), checks


def test_settings_default_allows_nobody(
    ledger: Ledger, settings: Settings, make_genai: Make, consent: Path
) -> None:
    path, _ = make_genai("gen.png", 17)
    nobody = Lifecycle(ledger, settings)
    with pytest.raises(ApprovalRefused, match="not in the approvers"):
        approve(nobody, [str(path)], final(consent))


def test_a_refused_signature_says_what_to_do_with_allowed_signers(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 18)
    untrusted = dataclasses.replace(
        lc, settings=dataclasses.replace(lc.settings, allowed_signers=None)
    )
    with pytest.raises(ApprovalRefused, match="no approver keys are trusted") as refused:
        approve(untrusted, [str(path)], final(consent))
    assert "set allowed_signers in the settings" in str(refused.value.fix)
    assert status(lc, asset) == "temporary"
    assert lc.ledger.events.of(asset.sha256)[-1].type == "approval-refused"


def test_a_reference_that_is_no_signed_document_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    os.mkfifo(tmp_path / "pipe.pdf")  # read whole, it would wait for a writer for ever
    (tmp_path / "folder.pdf").mkdir()
    with (tmp_path / "huge.pdf").open("wb") as huge:
        huge.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no room taken
    refusals = {
        "empty.pdf": "is empty",
        "pipe.pdf": "missing or not a file",
        "folder.pdf": "missing or not a file",
        "nowhere.pdf": "missing or not a file",
        "huge.pdf": "larger than the ledger keeps",
    }
    for name, words in refusals.items():
        with pytest.raises((TargetNotFound, TransitionRefused), match=words) as caught:
            read_document(tmp_path / name)
        assert name in caught.value.message and caught.value.fix, name
    (tmp_path / "signed.pdf").write_bytes(b"%PDF-1.7 signed")
    assert read_document(tmp_path / "signed.pdf").content == b"%PDF-1.7 signed"
