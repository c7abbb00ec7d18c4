"""An insider's tools: rewrite the event chain consistently, with database write access only.

Each function edits the ``events`` table as an attacker would who has the
database's credentials but none of the private keys: the edited log is
rechained (every ``prev_hash`` and ``hash`` recomputed, the head moved), so
the chain alone verifies. ``drop_checkpoints_after`` removes the signed
checkpoints that would give the rewrite away.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text

from provenance.store.chain import GENESIS, details_text, event_hash

Row = dict[str, Any]
_COLUMNS = ("seq", "at", "type", "asset_sha256", "actor", "host", "path", "details")


def rewrite(url: str, edit: Callable[[list[Row]], list[Row]]) -> None:
    """Load every event, let ``edit`` change the list, and store it rechained."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            rows = [
                dict(r._mapping) for r in conn.execute(text("SELECT * FROM events ORDER BY seq"))
            ]
            for row in rows:
                row["details"] = json.loads(row["details"])
            events = _rechain(edit(rows))
            conn.execute(text("DELETE FROM events"))
            if events:
                names = ", ".join(events[0])
                values = ", ".join(f":{k}" for k in events[0])
                conn.execute(text(f"INSERT INTO events ({names}) VALUES ({values})"), events)
            seq, digest = (events[-1]["seq"], events[-1]["hash"]) if events else (0, GENESIS)
            conn.execute(text("UPDATE chain_head SET seq = :s, hash = :h"), {"s": seq, "h": digest})
    finally:
        engine.dispose()


def _rechain(rows: list[Row]) -> list[Row]:
    out, prev = [], GENESIS
    for seq, row in enumerate(rows, start=1):
        event: Row = {k: row.get(k) for k in _COLUMNS}
        event["seq"], event["details"] = seq, details_text(row["details"])
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(**{k: event[k] for k in _COLUMNS}, prev_hash=prev)
        out.append(event)
    return out


def drop_checkpoints_after(url: str, seq: int) -> None:
    """Remove the signed checkpoints of heads after ``seq`` (they would not match)."""
    execute(url, "DELETE FROM checkpoints WHERE seq > :s", s=seq)


def execute(url: str, sql: str, **params: object) -> None:
    """Run one statement with write access, as the insider does."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()
