"""Revoking the approvals of files and sequences at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provenance.errors import ApprovalRefused, TransitionRefused
from provenance.lifecycle import Lifecycle, approve
from provenance.lifecycle.revocations import revoke_of
from provenance.lifecycle.signing import Signing
from tests.support.lifecycle import Make, final
from tests.support.signing import approver_key


def test_every_frames_approval_is_revoked_signed_in_one_go(
    lc: Lifecycle, make_genai: Make, consent: Path, tmp_path: Path
) -> None:
    frames = [make_genai(f"seq/sh040.{n}.png", n)[1] for n in (1001, 1002)]
    approve(lc, [str(tmp_path / "seq" / "sh040.1001-1002#.png")], final(consent))
    done = revoke_of(lc, [str(tmp_path / "seq" / "sh040.#.png")], " recast ", None,
                     Signing(approver_key()))  # fmt: skip
    assert sorted(r.asset_sha256 for r in done) == sorted(f.sha256 for f in frames)
    assert all(r.revoke_reason == "recast" and r.revoke_signature for r in done)
    assert all(lc.ledger.assets.resolve(f.sha256).status == "temporary" for f in frames)
    assert lc.ledger.events.verify().ok


def test_a_gone_copy_still_names_the_asset_whose_approvals_are_revoked(
    lc: Lifecycle, make_genai: Make, consent: Path
) -> None:
    path, asset = make_genai("gen.png", 3)
    approve(lc, [str(path)], final(consent))
    approve(lc, [str(path)], final(consent, "voice"))
    path.unlink()
    [voice] = revoke_of(lc, [str(path)], "consent withdrawn", "voice")
    assert voice.category == "voice"
    assert [a.revoked_at is None for a in lc.ledger.approvals.of(asset.sha256)] == [True, False]


def test_refusals_revoke_nothing(lc: Lifecycle, make_genai: Make, consent: Path) -> None:
    path, asset = make_genai("gen.png", 4)
    approve(lc, [str(path)], final(consent))
    with pytest.raises(TransitionRefused, match="needs a reason"):
        revoke_of(lc, [str(path)], "  ")
    outsider = Lifecycle(lc.ledger, dataclasses.replace(lc.settings, approvers=()), lc.now)
    with pytest.raises(ApprovalRefused, match="not in the approvers setting"):
        revoke_of(outsider, [str(path)], "no reason to")
    assert all(a.revoked_at is None for a in lc.ledger.approvals.of(asset.sha256))
    assert lc.ledger.events.of(asset.sha256)[-1].type == "approval-refused"
