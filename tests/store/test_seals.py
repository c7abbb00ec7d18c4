"""Seals of the derived tables (migration 0015): digests that survive the database, and init.

A row's digest is taken before it is written and checked after it is read
back, so whatever either backend does to a value (a float's last digit, a
NaN, a name that is not UTF-8, a 64-bit hash) must give the same digest, or
every stored answer would be computed again forever. And a ledger upgraded
from before seals gets its rows sealed by ``provenance init``.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from provenance.store import FeatureIn, FingerprintIn, Ledger, RegionCheckIn, SegmentIn
from provenance.store.engine import make_engine
from provenance.store.seals import DIGESTS, TABLES, seal_differences
from tests.support.factories import record_kind as record
from tests.support.old_schema import (
    WHEN,
    insert_fingerprint,
    insert_generated_image,
    migrated_to,
)

GENERATED, COMP = "a1" * 32, "b2" * 32

BIG = st.integers(min_value=-(2**63), max_value=2**63 - 1)
ODD_FLOATS = st.one_of(st.floats(allow_infinity=False, width=64), st.just(math.nan), st.none())
REASONS = st.one_of(st.none(), st.text(max_size=40), st.just("cannot read /show/\udcff.exr"))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(grad=BIG, dct=BIG, reason=REASONS, score=ODD_FLOATS, cover=ODD_FLOATS)
def test_digests_survive_the_round_trip(
    ledger: Ledger, grad: int, dct: int, reason: str | None, score: float | None,
    cover: float | None,
) -> None:  # fmt: skip
    generated = record(ledger, "generated")
    comp = record(ledger, "comp", "image", "unknown")
    ledger.fingerprints.save([FingerprintIn(generated, "ok", grad, dct, reason)])
    ledger.regions.save([RegionCheckIn(comp, 7, "ok", generated, 12, score, cover, True,
                                       reason, ((0.1, 0.2), (0.3, 0.4), (0.5, 0.6), (0.7, 1.0)),
                                       rule=2)])  # fmt: skip
    ledger.features.save([FeatureIn(generated, "ok", bytes(range(256)) * 3, 9, 640, 360)])
    ledger.segments.save([SegmentIn(comp, 3, 4, "ok", generated, 0.5, 2.25, "00:00:00:12",
                                    "00:00:02:06", "region", score, 1.0, None, reason,
                                    rule=2)])  # fmt: skip
    assert generated in ledger.fingerprints.many([generated])  # each seal holds once read back
    assert comp in ledger.regions.many([comp])
    assert generated in ledger.features.many([generated])
    assert comp in ledger.segments.many([comp])


@given(data=st.data())
def test_any_change_of_any_sealed_value_changes_the_digest(data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(sorted(TABLES)))
    columns = DIGESTS[table].columns
    values: list[object] = [data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=8)))
                            for _ in columns]  # fmt: skip
    changed = list(values)
    at = data.draw(st.integers(min_value=0, max_value=len(columns) - 1))
    changed[at] = data.draw(st.one_of(st.integers(), st.text(min_size=1, max_size=8)))
    plain = [c.type.python_type for c in columns]
    values = [v if v is None or isinstance(v, str) or plain[i] is not str else str(v)
              for i, v in enumerate(values)]  # fmt: skip
    changed = [v if v is None or isinstance(v, str) or plain[i] is not str else str(v)
               for i, v in enumerate(changed)]  # fmt: skip
    try:
        before, after = DIGESTS[table].of(values), DIGESTS[table].of(changed)
    except (TypeError, ValueError):
        return  # a value its column cannot hold (text in a number): never written
    assert (before == after) == (values == changed)


def test_init_seals_the_rows_of_a_ledger_from_before_seals(old_url: str) -> None:
    with migrated_to(old_url, "0014") as conn:
        insert_generated_image(conn, GENERATED, "/show/gen.png")
        insert_fingerprint(conn, GENERATED, -5, 9223372036854775807)
        conn.execute(text(
            "INSERT INTO features (asset_sha256, frame, status, computed_at, count, width,"
            " height, data) VALUES (:sha, 0, 'ok', :t, 3, 64, 32, :blob)"
        ), {"sha": GENERATED, "t": WHEN, "blob": b"\x00\x01" * 50})  # fmt: skip
    Ledger.init(old_url)
    with Ledger(old_url, host="testhost") as ledger:
        assert ledger.fingerprints.many([GENERATED])[GENERATED].hashes == (
            (-5, 9223372036854775807),
        )
        assert GENERATED in ledger.features.many([GENERATED])
        check = ledger.state.verify()
        assert [d for d in check.differences if d.table in {*TABLES, "seal"}] == []
        ledger.record_baseline()  # again: nothing left to seal
    engine = make_engine(old_url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT table_name FROM seals ORDER BY table_name")).scalars()
        assert list(tables) == ["features", "fingerprints"]
    engine.dispose()


def test_a_sealed_event_whose_details_are_not_an_object_is_named(
    ledger: Ledger, ledger_url: str
) -> None:
    """A forged ``sealed`` event (JSON, but a list) names its seal, never crashes verify."""
    generated = record(ledger, "generated")
    ledger.fingerprints.save([FingerprintIn(generated, "ok", 1, 2)])
    check = ledger.state.verify()
    assert [d for d in check.differences if d.table in {*TABLES, "seal"}] == []
    [seq] = [e.seq for e in ledger.events.list() if e.type == "sealed"]
    engine = make_engine(ledger_url)
    with engine.connect() as conn:
        found = seal_differences(conn, {seq: [1]})  # type: ignore[dict-item]
    engine.dispose()
    assert f"seal {seq}: its event {seq} cannot be read" in [d.text for d in found]
