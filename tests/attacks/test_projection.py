"""Issue 15, items 1 and 2: tables edited behind the ledger's back, on SQLite and PostgreSQL.

Each attack is what an insider with write access to the database would do:
one SQL statement on a table the chain does not cover. Each must be caught:
``verify`` exits 1 naming the row, and the audit blocks the file with the
reason (or does not honour the approval).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from provenance.audit.report import FileResult
from provenance.audit.run import AuditOptions, audit
from provenance.ingest.record import ingest
from provenance.lifecycle import Lifecycle, approve, revoke
from provenance.settings.tables import WatchlistConfig
from provenance.store import AssetRecord, QuarantineIn
from provenance.store.engine import make_engine
from tests.support.files import png
from tests.support.lifecycle import Clock, final
from tests.support.tampering import assert_caught, assert_clean, tamper

Make = Callable[..., tuple[Path, AssetRecord]]


def audited(lc: Lifecycle, path: Path) -> FileResult:
    """The audit's result for the one file ``path``, audited alone in its folder."""
    report = audit(path.parent, lc.ledger, lc.settings, AuditOptions(record=False, now=lc.now()))
    return next(f for f in report.files if f.path == path.name)


def in_own_folder(path: Path) -> Path:
    """Move a file into a folder of its own, so that an audit sees only it."""
    folder = path.parent / f"pkg-{path.stem}"
    folder.mkdir()
    return path.rename(folder / path.name)


@pytest.fixture
def approved(lc: Lifecycle, make_genai: Make, consent: Path) -> tuple[Path, AssetRecord, int]:
    """A generated file (A1111 parameters), approved for finals: the audit passes it."""
    path, asset = make_genai("gen/approved.png", 11)
    record = approve(lc, [str(path)], final(consent)).records[0]
    assert audited(lc, path).verdict == "pass"
    return path, asset, record.id


def test_untouched_ledger_verifies_and_audit_passes(
    ledger_url: str, approved: tuple[Path, AssetRecord, int]
) -> None:
    assert_clean(ledger_url)


def test_verdict_edited_to_not_genai(ledger_url: str, lc: Lifecycle, make_genai: Make) -> None:
    path, asset = make_genai("gen/verdict.png", 21)
    tamper(ledger_url, "UPDATE assets SET verdict='not_genai', status=NULL WHERE sha256=:s",
           s=asset.sha256)  # fmt: skip
    assert_caught(
        ledger_url,
        f"asset {asset.sha256[:12]} verdict: ledger says not_genai, events say genai",
        f"asset {asset.sha256[:12]} status: ledger says nothing, events say temporary",
    )
    result = audited(lc, path)
    assert result.verdict == "block"
    assert any("discrepancy" in r and "not_genai" in r for r in result.reasons), result.reasons
    assert any("generator markers" in r for r in result.reasons)


def test_verdict_edited_to_unknown_is_a_discrepancy_even_without_the_chain(
    ledger_url: str, lc: Lifecycle, make_genai: Make
) -> None:
    """The file's own markers decide, whatever the row says (item 1 on its own)."""
    path, asset = make_genai("gen/unknown.png", 22)
    tamper(ledger_url, "UPDATE assets SET verdict='unknown', status=NULL WHERE sha256=:s",
           s=asset.sha256)  # fmt: skip
    result = audited(lc, path)
    assert result.verdict == "block"
    assert result.classification == "genai"
    assert any("discrepancy" in r for r in result.reasons)


def test_approval_repointed_at_another_asset(
    ledger_url: str, lc: Lifecycle, make_genai: Make, approved: tuple[Path, AssetRecord, int]
) -> None:
    _, first, approval = approved
    other_path, other = make_genai("gen/other.png", 31)
    tamper(ledger_url, "UPDATE approvals SET asset_sha256=:o WHERE id=:i", o=other.sha256,
           i=approval)  # fmt: skip
    tamper(ledger_url, "UPDATE assets SET status='approved' WHERE sha256=:o", o=other.sha256)
    assert_caught(
        ledger_url,
        f"approval {approval} asset_sha256: ledger says {other.sha256}, events say {first.sha256}",
        f"asset {other.sha256[:12]} status: ledger says approved, events say temporary",
    )
    result = audited(lc, other_path)
    assert result.verdict == "block"
    assert not any("approved: approval" in r for r in result.reasons), result.reasons
    assert any(f"approval {approval}" in r for r in result.reasons)


def test_revocation_undone(
    ledger_url: str, lc: Lifecycle, approved: tuple[Path, AssetRecord, int]
) -> None:
    path, asset, approval = approved
    revoke(lc, approval, "consent withdrawn")
    assert audited(lc, path).verdict == "block"
    tamper(ledger_url, "UPDATE approvals SET revoked_at=NULL, revoked_by=NULL, revoke_reason=NULL"
           " WHERE id=:i", i=approval)  # fmt: skip
    tamper(ledger_url, "UPDATE assets SET status='approved' WHERE sha256=:s", s=asset.sha256)
    assert_caught(ledger_url, f"approval {approval} revoked_at: ledger says nothing, events say")
    result = audited(lc, path)
    assert result.verdict == "block"
    assert any(f"approval {approval} revoked_at" in r for r in result.reasons)


def test_approval_row_deleted(
    ledger_url: str, lc: Lifecycle, approved: tuple[Path, AssetRecord, int]
) -> None:
    path, _, approval = approved
    tamper(ledger_url, "DELETE FROM approvals WHERE id=:i", i=approval)
    found = assert_caught(ledger_url, f"approval {approval}: events say it exists")
    assert "the ledger has no row" in found
    assert audited(lc, path).verdict == "block"


def test_approval_row_inserted_without_event(
    ledger_url: str, lc: Lifecycle, make_genai: Make, approved: tuple[Path, AssetRecord, int]
) -> None:
    _, _, approval = approved
    path, asset = make_genai("gen/forged.png", 41)
    tamper(
        ledger_url,
        "INSERT INTO approvals (asset_sha256, category, scope, approver, recorded_by, host,"
        " reference_path, reference_sha256, approved_at)"
        " SELECT :s, category, scope, approver, recorded_by, host, reference_path,"
        " reference_sha256, approved_at FROM approvals WHERE id=:i",
        s=asset.sha256,
        i=approval,
    )
    tamper(ledger_url, "UPDATE assets SET status='approved' WHERE sha256=:s", s=asset.sha256)
    assert_caught(ledger_url, f"approval {approval + 1}: row has no event")
    result = audited(lc, path)
    assert result.verdict == "block"
    assert not any("approved: approval" in r for r in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("UPDATE assets SET status='approved' WHERE sha256=:s", "status: ledger says approved"),
        ("UPDATE assets SET flags=NULL WHERE sha256=:s", "flags: ledger says []"),
        ("UPDATE assets SET replaced_by=:s, status='replaced' WHERE sha256=:s", "replaced_by"),
        ("UPDATE assets SET expires_at=NULL WHERE sha256=:s", "expires_at: ledger says nothing"),
        # The talent's name taken out of the prompt the audit screens against today's watchlists.
        ("UPDATE assets SET prompt='a castle' WHERE sha256=:s", "prompt: the ledger's hashes to"),
        # Not a picture: the likeness check would not look at it.
        ("UPDATE assets SET kind='document' WHERE sha256=:s", "kind: ledger says document"),
    ],
)
def test_asset_state_edited(
    ledger_url: str, lc: Lifecycle, make_genai: Make, sql: str, needle: str, tmp_path: Path
) -> None:
    names = tmp_path / "talent.txt"
    names.write_text("Zoë Saldaña\n")
    watching = (WatchlistConfig(str(names), "talent-likeness"),)
    settings = dataclasses.replace(lc.settings, watchlists=watching)
    path, asset = make_genai("gen/state.png", 51, "portrait of ZOE SALDANA", settings=settings)
    assert asset.flags, "the watchlist flags the talent"
    assert_clean(ledger_url)
    tamper(ledger_url, sql, s=asset.sha256)
    assert_caught(ledger_url, f"asset {asset.sha256[:12]} {needle}")
    result = audited(lc, path)
    assert result.verdict == "block"
    assert any("not what its events say" in r for r in result.reasons), result.reasons


def test_quarantine_rows_edited_or_forged(
    ledger_url: str, lc: Lifecycle, make_genai: Make, clock: Clock
) -> None:
    path, asset = make_genai("gen/quarantined.png", 61)
    moved = QuarantineIn(asset.sha256, str(path), str(path) + ".q")
    entry = lc.ledger.quarantine.add([moved], "expired", clock())[0]
    assert_clean(ledger_url)
    tamper(ledger_url, "UPDATE quarantine SET restored_at=quarantined_at WHERE id=:i", i=entry.id)
    tamper(
        ledger_url,
        "INSERT INTO quarantine (asset_sha256, host, original_path, quarantine_path,"
        " quarantined_at) SELECT asset_sha256, host, original_path, quarantine_path,"
        " quarantined_at FROM quarantine WHERE id=:i",
        i=entry.id,
    )
    assert_caught(
        ledger_url,
        f"quarantine entry {entry.id} restored_at: ledger says",
        f"quarantine entry {entry.id + 1}: row has no event",
    )


def test_audit_row_edited(ledger_url: str, lc: Lifecycle, make_genai: Make) -> None:
    path, _ = make_genai("gen/audited.png", 71)
    folder = in_own_folder(path).parent
    report = audit(folder, lc.ledger, lc.settings, AuditOptions(now=lc.now()))
    assert report.verdict == "blocked"
    assert_clean(ledger_url)
    tamper(ledger_url, "UPDATE audits SET verdict='pass', blocked=0")
    assert_caught(ledger_url, "verdict: ledger says pass, events say blocked", "blocked: ledger")
    tamper(ledger_url, "DELETE FROM audits")
    assert_caught(ledger_url, "the ledger has no row")


def test_expiry_moved_later_by_hand(
    ledger_url: str, lc: Lifecycle, make_genai: Make, clock: Clock
) -> None:
    path, asset = make_genai("gen/expiry.png", 81)
    later = clock() + timedelta(days=3650)
    tamper(ledger_url, "UPDATE assets SET expires_at=:t WHERE sha256=:s", t=later, s=asset.sha256)
    assert_caught(ledger_url, f"asset {asset.sha256[:12]} expires_at: ledger says")
    assert audited(lc, path).verdict == "block"


def test_reference_document_swapped(
    ledger_url: str, approved: tuple[Path, AssetRecord, int]
) -> None:
    tamper(ledger_url, "UPDATE documents SET content=:c", c=b"%PDF-1.7\nforged\n%%EOF\n")
    assert_caught(ledger_url, "content: its bytes no longer hash to its name")


def test_a_damaged_files_edited_row_is_caught_whatever_the_policy_for_damage(
    ledger_url: str, lc: Lifecycle, tmp_path: Path
) -> None:
    """A file whose markers cannot all be seen is judged without its row; the row is still
    checked, so a studio that lets damage through with a warning is told of the edit."""
    damaged = tmp_path / "pkg" / "cut.png"
    whole = png(tmp_path / "whole.png", 23).read_bytes()
    damaged.parent.mkdir()
    damaged.write_bytes(whole[:-40])  # a chunk's length now runs past the end
    sha = ingest(damaged, lc.ledger, lc.settings).sha256 or ""
    tamper(ledger_url, "UPDATE assets SET verdict='not_genai' WHERE sha256=:s", s=sha)
    lenient = AuditOptions(
        policy=dataclasses.replace(AuditOptions().policy, unreadable="warn"),
        record=False,
        now=lc.now(),
    )
    [seen] = audit(damaged.parent, lc.ledger, lc.settings, lenient).files
    assert seen.verdict == "block", seen.reasons
    assert any("not what its events say" in r for r in seen.reasons), seen.reasons


def stored_evidence(url: str, sha: str) -> list[dict[str, object]]:
    """An asset's evidence as its row holds it."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT CAST(evidence AS TEXT) FROM assets WHERE sha256=:s")
            stored = conn.execute(query, {"s": sha}).scalar_one()
            found: list[dict[str, object]] = json.loads(stored)
            return found
    finally:
        engine.dispose()


CAMERA = {"detector": "exif", "kind": "camera-exif", "detail": "Canon R5", "signal": "not_genai"}


@pytest.mark.parametrize(
    "edit",
    [
        lambda items: [CAMERA],  # the generator's parameters replaced by a camera's word
        lambda items: [],  # every marker erased
        lambda items: [{k: v for k, v in i.items() if k != "prompt"} for i in items],
    ],
    ids=["changed", "emptied", "prompt-dropped"],
)
def test_evidence_edited(
    ledger_url: str,
    lc: Lifecycle,
    make_genai: Make,
    edit: Callable[[list[dict[str, object]]], list[dict[str, object]]],
) -> None:
    path, asset = make_genai("gen/evidence.png", 71)
    items = stored_evidence(ledger_url, asset.sha256)
    assert any(i.get("prompt") == "a castle" for i in items), items
    tamper(ledger_url, "UPDATE assets SET evidence=:e WHERE sha256=:s",
           e=json.dumps(edit(items)), s=asset.sha256)  # fmt: skip
    assert_caught(ledger_url, f"asset {asset.sha256[:12]} evidence: the ledger's hashes to")
    result = audited(lc, path)
    assert result.verdict == "block"
    assert any("not what its events say" in r for r in result.reasons), result.reasons


def test_evidence_rewritten_with_its_keys_in_another_order_is_the_same_evidence(
    ledger_url: str, lc: Lifecycle, make_genai: Make
) -> None:
    """The JSON text may differ (key order, spacing) as long as it says the same."""
    path, asset = make_genai("gen/reordered.png", 72)
    items = stored_evidence(ledger_url, asset.sha256)
    rewritten = [dict(reversed(list(item.items()))) for item in items]
    assert json.dumps(rewritten) != json.dumps(items)
    tamper(ledger_url, "UPDATE assets SET evidence=:e WHERE sha256=:s",
           e=json.dumps(rewritten, indent=2), s=asset.sha256)  # fmt: skip
    assert stored_evidence(ledger_url, asset.sha256) == items
    assert_clean(ledger_url)
    assert not any("not what its events say" in r for r in audited(lc, path).reasons)
