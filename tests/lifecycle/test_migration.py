"""Upgrading a ledger with data from revision 0002 keeps every asset usable."""

from __future__ import annotations

from pathlib import Path

from provenance.lifecycle import Lifecycle, approve
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.store.schema import head_revision
from tests.support.lifecycle import final
from tests.support.old_schema import insert_generated_image, migrated_to
from tests.support.signing import trusting


def test_upgrade_from_0002_keeps_assets_approvable(old_url: str, tmp_path: Path) -> None:
    with migrated_to(old_url, "0002") as conn:
        insert_generated_image(conn, "ab" * 32, "/old.png")
    ledger, before, after = Ledger.init(old_url)
    assert (before, after) == ("0002", head_revision())
    doc = tmp_path / "ok.pdf"
    doc.write_bytes(b"ok")
    with ledger:
        old = ledger.assets.resolve("ababab")
        assert (old.flags, old.expires_at, old.replaced_by) == ([], None, None)
        settings = trusting(Settings(db=old_url, approvers=(ledger.actor,)))
        [record] = approve(Lifecycle(ledger, settings), ["ababab"], final(doc)).records
        assert (
            ledger.assets.resolve("ababab").status == "approved"
            and record.asset_sha256 == "ab" * 32
        )
