"""The hash chain: untouched histories verify; every kind of tampering is caught.

Property tests run the pure checker over generated histories; the database
tests tamper with real rows on SQLite and PostgreSQL through raw SQL, as an
attacker with database access would, and expect ``verify`` to name the event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from provenance.store import Ledger
from provenance.store.chain import GENESIS, check_chain, details_text, event_hash
from tests.support.factories import observation


@dataclass
class Row:
    """An in-memory event row (not frozen: ``ChainRow`` declares plain, settable attributes)."""

    seq: int
    at: str
    type: str
    asset_sha256: str | None
    actor: str
    host: str
    path: str | None
    details: str
    prev_hash: str
    hash: str


EVENT_TYPES = st.sampled_from(["detected", "seen", "modified", "moved", "removed"])
TEXT = st.text(max_size=12)
EVENT = st.tuples(
    EVENT_TYPES,
    st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
    TEXT,
    TEXT,
    st.none() | TEXT,
    st.dictionaries(TEXT, TEXT | st.integers(), max_size=3),
)


def build(
    events: list[tuple[str, str | None, str, str, str | None, dict[str, object]]],
) -> list[Row]:
    """Chain generated events the way the ledger does."""
    rows, prev = [], GENESIS
    for i, (etype, asset, actor, host, path, details) in enumerate(events, start=1):
        fields = {
            "seq": i,
            "at": f"2026-01-01T00:00:{i % 60:02d}.000000Z",
            "type": etype,
            "asset_sha256": asset,
            "actor": actor,
            "host": host,
            "path": path,
            "details": details_text(details),
            "prev_hash": prev,
        }
        prev = event_hash(**fields)  # type: ignore[arg-type]
        rows.append(Row(hash=prev, **fields))  # type: ignore[arg-type]
    return rows


def head_of(rows: list[Row]) -> tuple[int, str]:
    return (rows[-1].seq, rows[-1].hash) if rows else (0, GENESIS)


@given(st.lists(EVENT, max_size=30))
def test_untouched_history_verifies(events: list) -> None:  # type: ignore[type-arg]
    rows = build(events)
    report = check_chain(rows, head_of(rows))
    assert report.ok and report.events == len(rows)


TAMPERABLE = ["at", "type", "asset_sha256", "actor", "host", "path", "details", "prev_hash", "hash"]


@given(st.lists(EVENT, min_size=1, max_size=30), st.data())
def test_editing_any_field_is_caught(events: list, data: st.DataObject) -> None:  # type: ignore[type-arg]
    rows = build(events)
    head = head_of(rows)
    index = data.draw(st.integers(0, len(rows) - 1))
    name = data.draw(st.sampled_from(TAMPERABLE))
    original = getattr(rows[index], name)
    forged = data.draw(st.text(max_size=70).filter(lambda v: v != original))
    changes: dict[str, Any] = {name: forged}  # every TAMPERABLE field holds text
    rows[index] = replace(rows[index], **changes)
    report = check_chain(rows, head)
    assert not report.ok
    assert report.problem is not None and report.problem.seq <= index + 1


@given(st.lists(EVENT, min_size=1, max_size=30), st.data())
def test_deleting_a_row_is_caught(events: list, data: st.DataObject) -> None:  # type: ignore[type-arg]
    rows = build(events)
    head = head_of(rows)
    index = data.draw(st.integers(0, len(rows) - 1))
    del rows[index]
    report = check_chain(rows, head)
    assert not report.ok and report.problem is not None
    assert report.problem.seq == index + 1


@given(st.lists(EVENT, min_size=2, max_size=30), st.data())
def test_swapping_rows_is_caught(events: list, data: st.DataObject) -> None:  # type: ignore[type-arg]
    rows = build(events)
    head = head_of(rows)
    i = data.draw(st.integers(0, len(rows) - 2))
    j = data.draw(st.integers(i + 1, len(rows) - 1))
    # an attacker swaps the rows' contents but keeps the seq column in order
    a, b = rows[i], rows[j]
    rows[i], rows[j] = replace(b, seq=a.seq), replace(a, seq=b.seq)
    report = check_chain(rows, head)
    assert not report.ok and report.problem is not None
    assert report.problem.seq == i + 1


@given(st.lists(EVENT, max_size=30), EVENT, st.data())
def test_inserting_a_forged_row_is_caught(events: list, extra: tuple, data: st.DataObject) -> None:  # type: ignore[type-arg]
    rows = build(events)
    head = head_of(rows)
    index = data.draw(st.integers(0, len(rows)))
    # the forger chains correctly to its predecessor and renumbers what follows
    forged = build([extra])[0]
    prev = rows[index - 1].hash if index else GENESIS
    fields = {**forged.__dict__, "seq": index + 1, "prev_hash": prev}
    fields.pop("hash")
    forged = Row(hash=event_hash(**fields), **fields)
    tail = [replace(r, seq=r.seq + 1) for r in rows[index:]]
    tampered = [*rows[:index], forged, *tail]
    report = check_chain(tampered, head)
    assert not report.ok


# -- the same attacks on real databases ---------------------------------------------


def _filled(ledger: Ledger, count: int = 6) -> None:
    ledger.record([observation(f"f{i}", f"/show/f{i}.png") for i in range(count)])
    assert ledger.events.verify().ok


def _sql(ledger: Ledger, statement: str) -> None:
    with ledger._engine.begin() as conn:
        conn.execute(text(statement))


def test_db_edit_is_caught(ledger: Ledger) -> None:
    _filled(ledger)
    _sql(ledger, "UPDATE events SET actor = 'mallory' WHERE seq = 3")
    report = ledger.events.verify()
    assert not report.ok and report.problem is not None and report.problem.seq == 3
    assert "changed" in report.problem.problem


def test_db_delete_in_the_middle_is_caught(ledger: Ledger) -> None:
    _filled(ledger)
    _sql(ledger, "DELETE FROM events WHERE seq = 4")
    report = ledger.events.verify()
    assert report.problem is not None and report.problem.seq == 4
    assert "missing" in report.problem.problem


def test_db_delete_at_the_end_is_caught(ledger: Ledger) -> None:
    _filled(ledger)
    _sql(ledger, "DELETE FROM events WHERE seq = 6")
    report = ledger.events.verify()
    assert report.problem is not None and report.problem.seq == 6


def test_db_reorder_is_caught(ledger: Ledger) -> None:
    _filled(ledger)
    _sql(ledger, "UPDATE events SET seq = -1 WHERE seq = 2")
    _sql(ledger, "UPDATE events SET seq = 2 WHERE seq = 5")
    _sql(ledger, "UPDATE events SET seq = 5 WHERE seq = -1")
    report = ledger.events.verify()
    assert report.problem is not None and report.problem.seq == 2


def test_db_forged_append_is_caught(ledger: Ledger) -> None:
    _filled(ledger)
    _sql(
        ledger,
        "INSERT INTO events (seq, at, type, actor, host, details, prev_hash, hash) "
        "VALUES (7, '2026-01-01T00:00:00.000000Z', 'removed', 'x', 'y', '{}', 'a', 'b')",
    )
    report = ledger.events.verify()
    assert not report.ok


@pytest.mark.parametrize("count", [0, 1])
def test_small_ledgers_verify(ledger: Ledger, count: int) -> None:
    if count:
        _filled(ledger, count)
    assert ledger.events.verify().ok


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abcdef"), st.sampled_from(["/a", "/b", "/c"])), max_size=12)
)
def test_random_ledger_histories_verify(steps: list[tuple[str, str]]) -> None:
    with Ledger("sqlite://", actor="t", host="h") as ledger:
        for label, path in steps:
            ledger.record([observation(label, path)], exists=lambda _p: False)
        report = ledger.events.verify()
        assert report.ok and report.events == len(ledger.events.list())
