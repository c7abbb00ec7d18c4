"""The audit's check of the assets it matched names what ``verify`` names of them, however picked.

:meth:`~provenance.store.state.StatePart.check` picks the checked assets'
rows by one bound list where the database takes one (a PostgreSQL array, a
JSON array SQLite unpacks), and by ``IN`` lists of a few hundred elsewhere;
either way its differences are the whole ledger's (``state.verify``) for
those assets, in the same order and words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from provenance.rules.policy import open_status
from provenance.store import ApprovalRequest, DocumentIn, Ledger, QuarantineIn
from provenance.store import state as state_module
from provenance.store.engine import make_engine
from provenance.store.projection import Difference
from tests.support.factories import fake_sha, observation

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LABELS = [f"asset-{n}" for n in range(7)]
TAMPERING = (
    "UPDATE assets SET tool='camera' WHERE sha256=:a",
    'UPDATE assets SET flags=\'[{"category": "voice"}]\' WHERE sha256=:b',
    "UPDATE approvals SET note='edited' WHERE asset_sha256=:c",
    "DELETE FROM quarantine WHERE asset_sha256=:d",
)


def _tampered(ledger: Ledger) -> list[str]:
    """Seven generated assets, one approved and one quarantined; four rows then edited by hand."""
    shas = [fake_sha(label) for label in LABELS]
    ledger.record([observation(label, f"/show/{label}.png", verdict="genai", tool="comfyui")
                   for label in LABELS])  # fmt: skip
    request = ApprovalRequest(shas[2], None, "final-deliverable", "final", "Jane",
                              "/docs/consent.pdf")  # fmt: skip
    ledger.approvals.add([request], DocumentIn("consent.pdf", b"%PDF-1.7"), NOW, open_status)
    ledger.quarantine.add([QuarantineIn(shas[3], "/show/q.png", "/q/q.png")], "expired", NOW)
    engine = make_engine(ledger.url)
    with engine.begin() as conn:
        for statement in TAMPERING:
            conn.execute(text(statement), dict(zip("abcd", shas, strict=False)))
    engine.dispose()
    return shas


def _texts(found: dict[str, list[Difference]]) -> dict[str, list[str]]:
    return {sha: [d.text for d in differences] for sha, differences in found.items()}


def _verified(ledger: Ledger, shas: Sequence[str]) -> dict[str, list[str]]:
    """What ``verify`` names of these assets' rows, by asset."""
    found: dict[str, list[str]] = {}
    for difference in ledger.state.verify().differences:
        asset = difference.asset or ""
        if asset in shas and difference.table in ("asset", "approval", "quarantine"):
            found.setdefault(asset, []).append(difference.text)
    return found


def test_the_check_names_what_verify_names_of_the_checked_assets(ledger: Ledger) -> None:
    shas = _tampered(ledger)
    checked = _texts(ledger.state.check(reversed(shas)))
    assert checked == _verified(ledger, shas)
    assert sorted(checked) == sorted(shas[:4])


def test_batches_of_a_few_and_in_lists_give_the_same_answer(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = _tampered(ledger)
    whole = _texts(ledger.state.check(shas))
    monkeypatch.setattr(state_module, "CHECK_BATCH", 2)
    assert _texts(ledger.state.check(shas)) == whole
    monkeypatch.setattr(state_module, "bound_list", lambda conn: None)
    monkeypatch.setattr("provenance.store.chunks.IN_CHUNK", 2)
    assert _texts(ledger.state.check(shas)) == whole
    assert _texts(ledger.state.check(shas[:1])) == {shas[0]: whole[shas[0]]}
