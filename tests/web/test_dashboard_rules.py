"""The dashboard decides on brief assets, by the same rules as every full record.

It reads a show's generated assets in brief (a few columns, :mod:`provenance.store.briefs`)
and their approvals in one go; what it says still needs approval must be exactly what
``needs_approval`` says over the full records.
"""

from __future__ import annotations

from datetime import UTC, datetime

from provenance.lifecycle import Lifecycle
from provenance.lifecycle.approve import needs_approval
from provenance.store import AssetQuery
from provenance.web.dashboard import dashboard, show_scope
from tests.web.demo import SHOW, Demo


def test_the_dashboard_decides_as_the_rules_do_on_full_records(demo: Demo) -> None:
    now = datetime.now(UTC)
    board = dashboard(SHOW, demo.ledger, demo.settings, now)
    lc = Lifecycle(demo.ledger, demo.settings, lambda: now)
    full = needs_approval(lc, AssetQuery(roots=show_scope(SHOW, demo.settings).roots))
    said = {(n.asset.sha256, n.missing, n.flags) for ns in board.needs.values() for n in ns}
    assert said == {(n.asset.sha256, n.missing, n.flags) for n in full}
    assert demo.generated in {sha for sha, _, _ in said}
    assert demo.approved not in {sha for sha, _, _ in said}  # its signed approval clears it
    assert [n.asset.sha256 for n in board.escalations] == [demo.hostile]


def test_an_asset_in_brief_is_its_full_record_in_few_columns(demo: Demo) -> None:
    roots = show_scope(SHOW, demo.settings).roots
    for query in (AssetQuery(genai=True, roots=roots), AssetQuery(roots=roots), AssetQuery()):
        full = demo.ledger.assets.list(query)
        briefs = demo.ledger.assets.briefs(query)
        assert [b.sha256 for b in briefs] == [a.sha256 for a in full]  # the same order
        for brief, record in zip(briefs, full, strict=True):
            assert (brief.verdict, brief.tool, brief.status) == (
                record.verdict, record.tool, record.status
            )  # fmt: skip
            assert brief.expires_at == record.expires_at and list(brief.flags) == list(record.flags)


def test_approvals_of_thousands_of_assets_are_found_in_one_go(demo: Demo) -> None:
    unknown = [f"{n:064x}" for n in range(1_200)]  # more than one IN list's worth
    found = demo.ledger.approvals.many([*unknown, demo.approved, demo.generated])
    assert list(found) == [demo.approved] and found[demo.approved]
