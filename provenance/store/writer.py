"""The write path: one transaction records a batch of observations.

Every write transaction first takes the chain lock (``BEGIN IMMEDIATE`` on
SQLite, ``SELECT ... FOR UPDATE`` of the ``chain_head`` row on PostgreSQL),
then decides, under that lock, what each observation means:

* content never seen → new asset + ``detected`` event;
* content already at this (host, path) → nothing but ``last_seen`` (a re-scan
  adds no event);
* other content already at this path → the old location is closed and a
  ``modified`` event names the asset it replaced;
* known content at a new path, while a place it was at has vanished →
  ``moved`` (a rename, or a delete plus create of the same bytes);
* known content at a new path otherwise → ``seen`` (a copy);
* known content whose row has no media identity, seen now with one →
  ``identified`` too, and the row's identity filled in (:mod:`.identify`).

A batch is worked out in memory after two reads (the locations at the batch's
paths, and the present copies of its known assets seen at new paths, of which
a run of batches loads each once: :mod:`.copies`), then written with a
few bulk statements, because per-row statements would make the ledger, not
hashing, the bottleneck of a scan. Later items of a batch see the effect of
earlier ones. Events get consecutive ``seq`` numbers and chained hashes, and
the head row moves in the same transaction, so a crash leaves either the
whole batch or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.engine import Connection

from provenance.store.chain import details_text, event_hash
from provenance.store.chunks import in_chunks
from provenance.store.copies import Copies, CopyMemory, Loc, LocationState, load_locations
from provenance.store.digests import digest_as_stored
from provenance.store.identify import IDENTIFIED, Identities, identity_details, known_assets
from provenance.store.models import Asset, ChainHead, Event, Location
from provenance.store.records import IDENTITY_FIELDS, AssetFacts, Observation, RecordResult, iso
from provenance.vocab import Outcome

PathExists = Callable[[str], bool]
Identity = tuple[str, str | None, Mapping[str, object]]  # asset, where read, identity_details

_UPDATE_LOCATION = (
    update(Location)
    .where(Location.id == bindparam("loc_id"))
    .values(
        present=bindparam("present"),
        size=bindparam("size"),
        mtime_ns=bindparam("mtime_ns"),
        inode=bindparam("inode"),
        last_seen=bindparam("last_seen"),
    )
)


@dataclass
class PendingEvent:
    """An event waiting to be chained and appended."""

    type: str
    asset_sha256: str | None
    path: str | None
    details: Mapping[str, object] = field(default_factory=dict)
    host: str | None = None


# The connected user, the transaction's start as events stamp it (records.iso), and
# whether `provenance db roles` guards this ledger's events (then the server checks both).
_SERVER_STAMP = text(
    "SELECT current_user AS actor,"
    """ to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,"""
    " EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass('events')"
    " AND tgname = 'provenance_events_stamp') AS guarded"
)


def server_stamp(connection: Connection) -> tuple[str, str] | None:
    """(actor, at) for this transaction's events as the server sets them, where it does.

    On a PostgreSQL ledger guarded by ``provenance db roles`` an event's
    ``actor`` must be the connected user and its ``at`` the transaction's
    start (a trigger refuses anything else), so the appender takes both from
    the server; elsewhere (SQLite, an unguarded server) None: the client's.
    """
    if connection.dialect.name != "postgresql":
        return None
    row = connection.execute(_SERVER_STAMP).one()
    return (str(row.actor), str(row.at)) if row.guarded else None


class ChainAppender:
    """Appends events after the locked chain head, within one transaction."""

    def __init__(self, connection: Connection, actor: str, host: str) -> None:
        self._conn = connection
        self._host = host
        head = connection.execute(
            select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1).with_for_update()
        ).one()
        self.seq, self.hash = int(head.seq), str(head.hash)
        self._actor, self._at = actor, None  # the client's, unless the server decides
        stamp = server_stamp(connection)
        if stamp is not None:
            self._actor, self._at = stamp
        self._rows: list[dict[str, object]] = []

    @property
    def actor(self) -> str:
        """Who the events are recorded as (the OS user; the database user where it decides)."""
        return self._actor

    @property
    def host(self) -> str:
        """The host events are recorded on unless they name another."""
        return self._host

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the chain's last event, the ones added in this transaction included."""
        return self.seq, self.hash

    def add(self, pending: PendingEvent, at: datetime) -> None:
        """Chain one event after the previous one (at the server's time where it decides)."""
        seq, stamp, details = self.seq + 1, self._at or iso(at), details_text(pending.details)
        host = pending.host or self._host
        digest = event_hash(
            seq=seq, at=stamp, type=pending.type, asset_sha256=pending.asset_sha256,
            actor=self._actor, host=host, path=pending.path, details=details, prev_hash=self.hash,
        )  # fmt: skip
        self._rows.append({
            "seq": seq, "at": stamp, "type": pending.type, "asset_sha256": pending.asset_sha256,
            "actor": self._actor, "host": host, "path": pending.path, "details": details,
            "prev_hash": self.hash, "hash": digest,
        })  # fmt: skip
        self.seq, self.hash = seq, digest

    def flush(self) -> int:
        """Write the chained events and move the head; returns how many were written."""
        if self._rows:
            self._conn.execute(insert(Event), self._rows)
            self._conn.execute(
                update(ChainHead).where(ChainHead.id == 1).values(seq=self.seq, hash=self.hash)
            )
        written, self._rows = len(self._rows), []
        return written


def asset_row(facts: AssetFacts, now: datetime) -> dict[str, object]:
    """The ``assets`` row for newly seen content."""
    return {
        "sha256": facts.sha256,
        "size": facts.size,
        "kind": facts.kind,
        "mime": facts.mime,
        "format": facts.format,
        "width": facts.width,
        "height": facts.height,
        "duration": facts.duration,
        "verdict": facts.verdict,
        "tool": facts.tool,
        "confidence": facts.confidence,
        "evidence": [e.to_dict() for e in facts.evidence],
        "prompt": facts.prompt,
        "problem": facts.problem,
        "status": facts.status,
        "first_seen": now,
        "updated_at": now,
        "expires_at": facts.expires_at if facts.verdict == "genai" else None,
        "flags": [dict(f) for f in facts.flags] or None,
        "replaced_by": None,
    } | {name: getattr(facts, name) for name in IDENTITY_FIELDS}


class BatchRecorder:
    """Records a batch of observations inside one locked write transaction."""

    def __init__(
        self,
        connection: Connection,
        appender: ChainAppender,
        exists: PathExists,
        memory: CopyMemory,
    ) -> None:
        self._conn = connection
        self._chain = appender
        self._exists = exists
        self._memory = memory
        self._now = datetime.now(UTC)
        self._gone: dict[Copies, list[Loc]] = {}  # see _vanished

    def record(self, observations: Sequence[Observation]) -> list[RecordResult]:
        """Record every observation; later items see the effect of earlier ones."""
        shas = sorted({o.asset.sha256 for o in observations})
        known, blank = known_assets(self._conn, in_chunks(shas))
        self._memory.catch_up(self._conn, self._chain.host, self._chain.head)
        state = LocationState(load_locations(self._conn, observations, known, self._memory))
        identities = Identities(blank)
        new_assets: dict[str, AssetFacts] = {}
        results = []
        for obs in observations:
            is_new = obs.asset.sha256 not in known and obs.asset.sha256 not in new_assets
            if is_new:
                new_assets[obs.asset.sha256] = obs.asset
            outcome = self._decide(obs, state, is_new)
            identified = identities.take(obs.asset.sha256, identity_details(obs.asset), self._now)
            if identified is not None:
                self._event(IDENTIFIED, obs, identified)
            results.append(RecordResult(obs.asset.sha256, obs.path, outcome, bool(identified)))
        identities.write(self._conn)
        self._write(new_assets.values(), state)
        return results

    def _decide(self, obs: Observation, state: LocationState, is_new: bool) -> Outcome:
        current = state.present_at.get((obs.host, obs.path))
        if current is not None and current.key[0] == obs.asset.sha256:
            state.open(obs)  # refresh stamp and last_seen; no event
            return "unchanged"
        if current is not None:
            state.close(current)
        moved_from = None if is_new or current else self._vanished(obs, state)
        state.open(obs)
        return self._events(obs, is_new, current, moved_from)

    def _vanished(self, obs: Observation, state: LocationState) -> str | None:
        """A present location of the observed content that is gone, closed: where it moved from.

        The content's known copies are looked at once a batch, not once a new
        copy: a show holds thousands of copies of one content (empty files,
        black frames, placeholder slates), and looking at each of them for
        each new one made a scan of 100,000 empty files take hours. Of content
        the run looked at in an earlier batch, only the copies its memory says
        may be gone are looked at again (see :mod:`.copies`).
        """
        key = (obs.asset.sha256, obs.host)
        if key not in self._gone:
            maybe = self._memory.maybe_gone.get(key)
            copies = sorted(state.present_of[key].items(), reverse=True)
            self._gone[key] = [
                loc
                for path, loc in copies
                if (maybe is None or loc.id in maybe) and not self._exists(path)
            ]
        gone = self._gone[key]
        while gone:
            loc = gone.pop()
            if loc.present and loc.key[2] != obs.path:
                state.close(loc)
                return loc.key[2]
        return None

    def _events(
        self, obs: Observation, is_new: bool, current: Loc | None, moved_from: str | None
    ) -> Outcome:
        if is_new:
            self._event("detected", obs, _detected(obs.asset))
        if current is not None:
            self._event("modified", obs, {"previous": current.key[0]})
            return "new" if is_new else "modified"
        if moved_from is not None:
            self._event("moved", obs, {"from": moved_from})
            return "moved"
        if not is_new:
            self._event("seen", obs, {})
            return "seen"
        return "new"

    def _event(self, kind: str, obs: Observation, details: Mapping[str, object]) -> None:
        self._chain.add(
            PendingEvent(kind, obs.asset.sha256, obs.path, details, obs.host), self._now
        )

    def _write(self, new_assets: Iterable[AssetFacts], state: LocationState) -> None:
        rows = [asset_row(facts, self._now) for facts in new_assets]
        if rows:
            self._conn.execute(insert(Asset), rows)
        dirty = [loc for loc in state.by_key.values() if loc.dirty]
        fresh = [_insert_row(loc, self._now) for loc in dirty if loc.id is None]
        if fresh:
            self._conn.execute(insert(Location), fresh)
        changed = [_update_row(loc, self._now) for loc in dirty if loc.id is not None]
        if changed:
            self._conn.execute(_UPDATE_LOCATION, changed)
        self._memory.remember(self._gone, state, self._chain.head)
        self._chain.flush()


def _detected(facts: AssetFacts) -> dict[str, object]:
    # Everything the row's state holds, so the row is a projection of its events.
    details: dict[str, object] = {"verdict": facts.verdict, "tool": facts.tool,
                                  "status": facts.status}  # fmt: skip
    # What else the gate reads of the row: the kind (the likeness check looks at pictures
    # only), and which markers said what and the prompt screened, by digest (see .digests).
    details["kind"] = facts.kind
    details["evidence_sha256"] = digest_as_stored([e.to_dict() for e in facts.evidence])
    if facts.prompt is not None:
        details["prompt_sha256"] = digest_as_stored(facts.prompt)
    if facts.verdict == "genai" and facts.expires_at is not None:
        details["expires_at"] = iso(facts.expires_at)
    if facts.flags:  # chained, so what an asset was flagged for cannot be quietly dropped
        details["flags"] = [dict(f) for f in facts.flags]
    # Chained too: a reel or MobID edited in the table would send a cut to other media.
    return details | identity_details(facts)


def _insert_row(loc: Loc, now: datetime) -> dict[str, object]:
    sha, host, path = loc.key
    return {
        "asset_sha256": sha, "host": host, "path": path, "size": loc.size, "mtime_ns": loc.mtime_ns,
        "inode": loc.inode, "first_seen": now, "last_seen": now, "present": loc.present,
    }  # fmt: skip


def _update_row(loc: Loc, now: datetime) -> dict[str, object]:
    return {
        "loc_id": loc.id, "present": loc.present, "size": loc.size, "mtime_ns": loc.mtime_ns,
        "inode": loc.inode, "last_seen": now,
    }  # fmt: skip


def record_identified(
    connection: Connection, appender: ChainAppender, found: Sequence[Identity]
) -> int:
    """Fill the empty identity of these assets, an ``identified`` event each; returns how many.

    ``found`` are (asset, path the file was read at, its identity as
    :func:`~.identify.identity_details` gives it): what an audit read of
    the known files it was given.
    """
    now = datetime.now(UTC)
    _, blank = known_assets(connection, in_chunks(sorted({sha for sha, _, _ in found})))
    identities = Identities(blank)
    filled = 0
    for sha, path, details in found:
        taken = identities.take(sha, details, now)
        if taken is not None:
            appender.add(PendingEvent(IDENTIFIED, sha, path, taken), now)
            filled += 1
    identities.write(connection)
    appender.flush()
    return filled


def record_removed(
    connection: Connection, appender: ChainAppender, host: str, paths: Iterable[str]
) -> int:
    """Close present locations at these paths with ``removed`` events; returns how many."""
    now = datetime.now(UTC)
    closed: list[Any] = []
    for chunk in in_chunks(sorted(set(paths))):
        rows = connection.execute(
            select(Location.id, Location.asset_sha256, Location.path).where(
                Location.host == host, Location.present, Location.path.in_(chunk)
            )
        ).all()
        closed += rows
    for row in closed:
        appender.add(PendingEvent("removed", row.asset_sha256, row.path, {}, host), now)
    if closed:
        connection.execute(
            update(Location).where(Location.id == bindparam("loc_id")).values(present=False),
            [{"loc_id": row.id} for row in closed],
        )
    appender.flush()
    return len(closed)
