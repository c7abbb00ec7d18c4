"""Why an approver's signature does not count: the reason says whom the key is listed for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from provenance.signing.allowed import AllowedSigners, parse
from provenance.signing.approvals import APPROVAL_NAMESPACE, ApprovalTrust
from provenance.signing.sshsig import sign_key_file
from tests.support.signing import new_key, public_of

AT = datetime(2026, 12, 1, tzinfo=UTC)


def _check(allowed: AllowedSigners, key: Path, approver: str) -> tuple[str, str]:
    message = '{"kind": "provenance-approval"}'
    signature = sign_key_file(key, message.encode(), APPROVAL_NAMESPACE)
    check = ApprovalTrust(allowed).check_signed(signature, message, approver, AT)
    return check.state, check.reason


def test_a_trusted_key_counts_for_its_principal(tmp_path: Path) -> None:
    jane = new_key(tmp_path, "jane")
    allowed = parse(f'"Jane Doe",jane@studio {public_of(jane)}\n', "allowed")
    assert _check(allowed, jane, "Jane Doe") == ("signed", "signed by Jane Doe")


def test_a_key_listed_for_another_name_says_which(tmp_path: Path) -> None:
    jane = new_key(tmp_path, "jane")
    allowed = parse(f"jane@studio {public_of(jane)}\n", "allowed")
    assert _check(allowed, jane, "Jane Doe") == (
        "untrusted",
        "the signing key is not allowed for 'Jane Doe' (it is listed for 'jane@studio')",
    )


def test_a_key_listed_nowhere_and_no_keys_at_all_are_told_apart(tmp_path: Path) -> None:
    jane, raj = new_key(tmp_path, "jane"), new_key(tmp_path, "raj")
    allowed = parse(f"jane@studio {public_of(jane)}\n", "allowed")
    assert _check(allowed, raj, "jane@studio")[1].endswith("(it is in no allowed_signers line)")
    assert _check(AllowedSigners(), jane, "jane@studio")[1].endswith(
        ": no approver keys are trusted"
    )
