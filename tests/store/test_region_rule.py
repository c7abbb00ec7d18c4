"""The region rule's version on stored region checks and sweeps (migration 0013).

A check or sweep made by an older version of the rule is as good as none:
handed out again to be redone, and not named as holding or showing anything.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from provenance.store import Ledger, RegionCheckIn, SegmentIn
from provenance.store.schema import head_revision
from tests.support.factories import record_kind as record
from tests.support.old_schema import WHEN, insert_generated_image, migrated_to

GENERATED, COMP, MASTER = "a1" * 32, "b2" * 32, "c3" * 32


def insert_unknown(conn: Connection, sha: str, kind: str, path: str) -> None:
    """A picture or video of unknown origin, present at ``path``, as revision 0011 stores it."""
    conn.execute(text(
        "INSERT INTO assets (sha256, size, kind, mime, verdict, evidence, status, first_seen,"
        " updated_at) VALUES (:sha, 1, :kind, 'application/octet-stream', 'unknown', '[]',"
        " 'unknown', :t, :t)"
    ), {"sha": sha, "kind": kind, "t": WHEN})  # fmt: skip
    conn.execute(text(
        "INSERT INTO locations (asset_sha256, host, path, size, mtime_ns, inode, first_seen,"
        " last_seen, present) VALUES (:sha, 'testhost', :path, 1, 1, 1, :t, :t, :yes)"
    ), {"sha": sha, "path": path, "t": WHEN, "yes": True})  # fmt: skip


def test_upgrade_from_0011_marks_stored_checks_and_sweeps_as_the_first_rule(old_url: str) -> None:
    with migrated_to(old_url, "0011") as conn:
        insert_generated_image(conn, GENERATED, "/show/gen.png")
        insert_unknown(conn, COMP, "image", "/show/comp.jpg")
        insert_unknown(conn, MASTER, "video", "/show/reel.mov")
        conn.execute(text(
            "INSERT INTO region_checks (asset_sha256, frame, status, computed_at, through,"
            " hit_sha256, inliers, score, cover, mirrored) VALUES"
            " (:sha, 0, 'ok', :t, 9, :hit, 51, 0.71, 0.61, :no)"
        ), {"sha": COMP, "hit": GENERATED, "t": WHEN, "no": False})  # fmt: skip
        conn.execute(text(
            "INSERT INTO segments (asset_sha256, frame, status, computed_at, features_through,"
            " prints_through, hit_sha256, start, \"end\", kind, score) VALUES"
            " (:sha, 0, 'ok', :t, 9, 9, :hit, 1.0, 3.0, 'region', 0.5)"
        ), {"sha": MASTER, "hit": GENERATED, "t": WHEN})  # fmt: skip
    before, after = Ledger.init(old_url)[1:]
    assert (before, after) == ("0011", head_revision())
    with Ledger(old_url, host="testhost") as ledger:
        check = ledger.regions.many([COMP])[COMP]
        assert (check.hit, check.inliers, check.rule) == (GENERATED, 51, 1)
        (sweep,) = ledger.segments.many([MASTER])[MASTER]
        assert (sweep.hit, sweep.start, sweep.rule) == (GENERATED, 1.0, 1)
        # Current for rule 1, stale for rule 2: handed out again and not named.
        assert ledger.regions.missing(rule=1) == []
        assert ledger.regions.missing(rule=2) == [(COMP, "/show/comp.jpg")]
        assert ledger.segments.missing(rule=2) == [(MASTER, "/show/reel.mov")]
        assert [c.sha256 for c in ledger.regions.holding(GENERATED, rule=1)] == [COMP]
        assert ledger.regions.holding(GENERATED, rule=2) == []
        assert ledger.segments.holding(GENERATED, rule=2) == []
        # Redone by rule 2: current again, and what it found is all that is named.
        ledger.regions.save([RegionCheckIn(COMP, 9, rule=2)])
        ledger.segments.save([SegmentIn(MASTER, 9, 9, rule=2)])
        assert ledger.regions.missing(rule=2) == [] and ledger.segments.missing(rule=2) == []
        assert ledger.regions.many([COMP])[COMP] == RegionCheckIn(COMP, 9, rule=2)


def test_a_check_says_its_rule_and_a_later_rule_counts_as_current(ledger: Ledger) -> None:
    generated = record(ledger, "generated")
    comp = record(ledger, "comp", "image", "unknown")
    found = RegionCheckIn(comp, 4, "ok", generated, 30, 0.5, 0.4, False, rule=3)
    ledger.regions.save([found])
    assert ledger.regions.many([comp])[comp] == found
    assert ledger.regions.missing(rule=2) == ledger.regions.missing(rule=3) == []
    assert [c.rule for c in ledger.regions.holding(generated, rule=3)] == [3]
    assert ledger.regions.holding(generated, rule=4) == []
    assert [sha for sha, _ in ledger.regions.missing(rule=4)] == [comp]
