"""The state the events say the ledger should be in: every table as a projection of the chain.

The chain (:mod:`.chain`) proves the events were not changed; the tables
(``assets``, ``approvals``, ``quarantine``, ``audits``, ``documents``,
``locations``) are
what commands read, and an insider can edit them without touching an event.
So every state change chains an event whose details carry what the row then
holds, and :class:`Projection` folds the events, in ``seq`` order, into the
rows they imply. :func:`compare` then names every row that differs from its
projection, every row no event accounts for, and every event whose row is
missing.

The fold, per event type. Who, where and when a row says come from the
event's details (``approved_at``, ``recorded_by``, ``revoked_at``...), which
the chain covers like the rest: on PostgreSQL the server may stamp the
event's own ``at`` and ``actor``, and the row keeps what the writer saw.
Events written before the details carried them fall back on the envelope
(``at``, ``actor``, ``host``).

* ``detected`` creates the asset's row: verdict, tool, status, flags, expiry,
  kind, the digests of its evidence and prompt (:mod:`.digests`), and its
  media identity (timecode, reel, UMID; absent from events written before
  migration 0011, whose rows hold none);
* ``identified`` fills an asset's media identity where the fold knows none
  (an asset recorded without it, seen again with it); identity already known
  is never replaced, so a row changed to a later event's identity differs;
* ``approved`` creates an approval row (recorded by the actor, on the host,
  at ``at``) and sets the asset's status; ``revoked`` revokes it (at ``at``,
  by the actor, for the reason) and sets the status;
* ``replaced``, ``expiry-set``, ``approval-lapsed``, ``expired``, ``flagged``
  change the asset's row as their details say;
* ``quarantined`` creates a quarantine row; ``restored`` and
  ``deleted-from-quarantine`` close it; each sets the asset's status;
* ``audit-recorded`` creates an audit row;
* ``sealed`` is kept by seq: it vouches for rows of the derived tables, which
  ``verify`` checks against it (:mod:`.seals`);
* ``state-baseline`` resets an asset (its row, approvals and quarantine
  entries) to the row captured when a ledger written before this fold was
  upgraded (:mod:`.baseline`); without an asset, it carries the audit rows.

Locations (:data:`Projection.locations`, compared by :mod:`.places`): which
(asset, host, path) rows exist and whether each is ``present``, the two
things every command that asks where a file is reads (``history``, ``purge``,
a cut's offline media). ``detected``, ``seen``, ``moved`` (to its path) and
``modified`` (the new content) open one at the event's host and path;
``moved`` closes the one it came from, ``modified`` the previous content's
at that path, ``removed`` its own, ``quarantined`` the one at its original
path; ``restored`` opens its quarantine entry's again. A close or a restore
changes a location the events know of and never creates one: the writer
updates the row it finds, so a row no event opened stays a row with no
event. The other columns are not projected, because no event carries them:
``size``, ``mtime_ns`` and ``inode`` change with no event when a file is
touched or rewritten with the same bytes (a rescan refreshes them), and
``first_seen`` and ``last_seen`` are the writer's clock, refreshed by every
rescan. Every version of the writer chained these events for every change
of a location's existence or presence, so a ledger written before the fold
needs no baseline for them (:mod:`.baseline`).

An asset whose ``detected`` event predates the fold (no ``status`` in its
details, or, before migration 0014, no ``evidence_sha256``) and has no
baseline that covers it cannot be projected: it is named as such
(``provenance init`` records the baseline). The evidence and the prompt are
compared by digest: the row's value, read back in canonical form, against
the event's.

Everything here is pure: rows are plain mappings, times ISO 8601 strings, so
the property tests and ``verify`` share it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from provenance.store.chain import ChainReport
from provenance.store.records import IDENTITY_FIELDS
from provenance.util.names import shown_values

ASSET_FIELDS = (
    "verdict", "tool", "status", "flags", "expires_at", "replaced_by", "kind", "evidence",
    "prompt", *IDENTITY_FIELDS,
)  # fmt: skip
APPROVAL_FIELDS = (
    "asset_sha256", "category", "scope", "approver", "recorded_by", "host", "reference_path",
    "reference_sha256", "approved_at", "expires_at", "note", "revoked_at", "revoked_by",
    "revoke_reason", "signature", "signed_message", "revoke_signature", "revoke_message",
)  # fmt: skip
QUARANTINE_FIELDS = (
    "asset_sha256", "host", "original_path", "quarantine_path", "quarantined_at", "restored_at",
    "deleted_at",
)  # fmt: skip
AUDIT_FIELDS = (
    "at", "actor", "host", "root", "verdict", "files", "passed", "warned", "blocked", "policy",
    "report_sha256",
)  # fmt: skip

DIGEST_FIELDS = frozenset({"evidence", "prompt"})
"""Fields a row holds in full and events by digest (:mod:`.digests`): both sides are digests."""
SHOWN_FIELDS = frozenset({"note", "revoke_reason", "flags"})
"""Free text the tables store as people are shown it (a name that is not UTF-8 as ``\\xNN``,
see :mod:`provenance.util.names`), while events keep it as it was."""

Row = dict[str, Any]
NO_DETAILS: Mapping[str, Any] = MappingProxyType({})


class EventRow(Protocol):
    """The fields of an event the fold reads (a stored row, or a plain tuple of one)."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def asset_sha256(self) -> str | None: ...
    @property
    def actor(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def details(self) -> str: ...


@dataclass
class Projected:
    """A row as the events say it should be, and which event last set each field."""

    values: Row
    set_by: dict[str, int] = field(default_factory=dict)

    def put(self, seq: int, **values: Any) -> None:
        """Set fields from event ``seq``."""
        self.values.update(values)
        self.set_by.update(dict.fromkeys(values, seq))


def place_key(sha: str, host: str, path: str) -> str:
    """The key of location (asset, host, path) in :attr:`Projection.locations`.

    One string, not a tuple: a fold keeps one entry a location, hundreds of
    thousands of them, and a dict of strings and integers holds nothing the
    garbage collector walks, where tuples made its passes cost ``verify`` a
    third more CPU (bench/RESULTS.md). No path holds a NUL, so no two
    locations share a key, and a row with a NUL in any of its fields
    (an insider's) matches none.
    """
    return f"{sha}\0{host}\0{path}"


@dataclass
class Projection:
    """The expected rows of every projected table, folded from the events in order."""

    assets: dict[str, Projected] = field(default_factory=dict)
    approvals: dict[int, Projected] = field(default_factory=dict)
    quarantine: dict[int, Projected] = field(default_factory=dict)
    audits: dict[int, Projected] = field(default_factory=dict)
    # place_key(asset, host, path) -> the event that last set it, negative once not present
    locations: dict[str, int] = field(default_factory=dict)
    legacy: dict[str, int] = field(default_factory=dict)  # asset -> event with no status
    malformed: dict[int, str] = field(default_factory=dict)  # event seq -> why it cannot fold
    sealed: dict[int, Mapping[str, Any]] = field(default_factory=dict)  # seq -> details (.seals)

    def fold(self, events: Iterable[EventRow]) -> Projection:
        """Fold events, in ``seq`` order, into the expected rows; returns self."""
        for event in events:
            self.add(event)
        return self

    def add(self, event: EventRow) -> None:
        """Fold one event (those that change no row are skipped, and empty details not parsed:
        ``seen`` and ``removed``, some half of a studio's events, say all in their envelope)."""
        step = self.STEPS.get(event.type)
        if step is None:
            return
        text = event.details
        try:
            step(self, event, NO_DETAILS if text == "{}" else json.loads(text))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            # A chained event no code path of ours writes (a forged one, or one
            # from a damaged ledger): named, never a crash of verify or the audit.
            why = f"{type(exc).__name__}: {exc}"
            self.malformed[event.seq] = f"event {event.seq} ({event.type}) cannot be read ({why})"

    def referenced_documents(self) -> set[str]:
        """The documents the approvals rest on."""
        return {str(p.values["reference_sha256"]) for p in self.approvals.values()}

    # -- steps --------------------------------------------------------------------

    def _detected(self, e: EventRow, d: Mapping[str, Any]) -> None:
        sha = str(e.asset_sha256)
        if "status" not in d or "evidence_sha256" not in d:
            self.legacy[sha] = e.seq
        values = {"verdict": d.get("verdict"), "tool": d.get("tool"), "status": d.get("status"),
                  "flags": list(d.get("flags") or []), "expires_at": d.get("expires_at"),
                  "replaced_by": None, "kind": d.get("kind"), "evidence": d.get("evidence_sha256"),
                  "prompt": d.get("prompt_sha256")}  # fmt: skip
        values |= {name: d.get(name) for name in IDENTITY_FIELDS}  # absent before 0011: None
        self.assets[sha] = Projected(values, dict.fromkeys(values, e.seq))
        self._open(e)

    def _identified(self, e: EventRow, d: Mapping[str, Any]) -> None:
        asset = self._asset(e)
        if asset is None or any(asset.values.get(n) is not None for n in IDENTITY_FIELDS):
            return  # identity is filled once (store.identify), never replaced
        asset.put(e.seq, **{name: d.get(name) for name in IDENTITY_FIELDS})

    def _status(self, e: EventRow, d: Mapping[str, Any], default: str | None = None) -> None:
        asset = self._asset(e)
        if asset is None:
            return
        if "status" in d or default is not None:
            asset.put(e.seq, status=d.get("status", default))
        else:
            self.legacy.setdefault(str(e.asset_sha256), e.seq)

    def _asset(self, e: EventRow) -> Projected | None:
        return self.assets.get(str(e.asset_sha256))

    def _approved(self, e: EventRow, d: Mapping[str, Any]) -> None:
        values = {"asset_sha256": e.asset_sha256, "category": d.get("category"),
                  "scope": d.get("scope"), "approver": d.get("approver"),
                  "recorded_by": d.get("recorded_by", e.actor), "host": d.get("host", e.host),
                  "reference_path": d.get("reference"),
                  "reference_sha256": d.get("reference_sha256"),
                  "approved_at": d.get("approved_at", e.at),
                  "expires_at": d.get("expires_at"), "note": d.get("note"), "revoked_at": None,
                  "revoked_by": None, "revoke_reason": None, "signature": d.get("signature"),
                  "signed_message": d.get("signed_message"), "revoke_signature": None,
                  "revoke_message": None}  # fmt: skip
        self.approvals[int(d["approval"])] = Projected({})
        self.approvals[int(d["approval"])].put(e.seq, **values)
        self._status(e, d)

    def _revoked(self, e: EventRow, d: Mapping[str, Any]) -> None:
        approval = self.approvals.get(int(d["approval"]))
        if approval is not None:
            when, who = d.get("revoked_at", e.at), d.get("revoked_by", e.actor)
            approval.put(e.seq, revoked_at=when, revoked_by=who, revoke_reason=d.get("reason"),
                         revoke_signature=d.get("signature"),
                         revoke_message=d.get("signed_message"))  # fmt: skip
        self._status(e, d)

    def _replaced(self, e: EventRow, d: Mapping[str, Any]) -> None:
        asset = self._asset(e)
        if asset is not None:
            asset.put(e.seq, replaced_by=d.get("by"))
        self._status(e, d, "replaced")

    def _expiry_set(self, e: EventRow, d: Mapping[str, Any]) -> None:
        asset = self._asset(e)
        if asset is not None:
            asset.put(e.seq, expires_at=d.get("expires_at"))
        self._status(e, d)

    def _flagged(self, e: EventRow, d: Mapping[str, Any]) -> None:
        asset = self._asset(e)
        if asset is not None:
            asset.put(e.seq, flags=[*asset.values["flags"], *d.get("flags", [])])
        self._status(e, d)

    def _quarantined(self, e: EventRow, d: Mapping[str, Any]) -> None:
        values = {"asset_sha256": e.asset_sha256, "host": d.get("host", e.host),
                  "original_path": e.path, "quarantine_path": d.get("quarantine_path"),
                  "quarantined_at": d.get("quarantined_at", e.at),
                  "restored_at": None, "deleted_at": None}  # fmt: skip
        self.quarantine[int(d["quarantine"])] = Projected({})
        self.quarantine[int(d["quarantine"])].put(e.seq, **values)
        if e.path is not None:
            self._place(str(e.asset_sha256), str(values["host"]), e.path, e.seq, False)
        self._status(e, d, "quarantined")

    def _restored(self, e: EventRow, d: Mapping[str, Any]) -> None:
        entry = self.quarantine.get(int(d["quarantine"]))
        if entry is not None:
            entry.put(e.seq, restored_at=d.get("restored_at", e.at))
            was = entry.values  # moved back where it was, on the entry's host
            self._place(was["asset_sha256"], was["host"], was["original_path"], e.seq, True)
        self._status(e, d)

    def _deleted(self, e: EventRow, d: Mapping[str, Any]) -> None:
        entry = self.quarantine.get(int(d["quarantine"]))
        if entry is not None:
            entry.put(e.seq, deleted_at=d.get("deleted_at", e.at))
        self._status(e, d)

    def _audit(self, e: EventRow, d: Mapping[str, Any]) -> None:
        values = {name: d.get(name) for name in AUDIT_FIELDS}
        values |= {key: d.get(key, getattr(e, key)) for key in ("at", "actor", "host")}
        self.audits[int(d["audit"])] = Projected({})
        self.audits[int(d["audit"])].put(e.seq, **values)

    def _baseline(self, e: EventRow, d: Mapping[str, Any]) -> None:
        if e.asset_sha256 is None:
            for row in d.get("audits", []):
                self.audits[int(row["id"])] = Projected({})
                self.audits[int(row["id"])].put(e.seq, **{k: row[k] for k in AUDIT_FIELDS})
            return
        sha = e.asset_sha256
        if "evidence" in d["asset"]:
            self.legacy.pop(sha, None)
        else:  # a baseline from before migration 0014 covers neither kind, evidence nor prompt
            self.legacy[sha] = e.seq
        self.assets[sha] = Projected({})
        self.assets[sha].put(e.seq, **{k: d["asset"].get(k) for k in ASSET_FIELDS})
        self._reset(self.approvals, sha, d.get("approvals", []), APPROVAL_FIELDS, e.seq)
        self._reset(self.quarantine, sha, d.get("quarantine", []), QUARANTINE_FIELDS, e.seq)

    # -- locations ----------------------------------------------------------------

    def _open(self, e: EventRow) -> None:
        """The event's asset is at its host and path (a new location, or one there again)."""
        if e.path is not None and e.asset_sha256 is not None:
            self.locations[f"{e.asset_sha256}\0{e.host}\0{e.path}"] = e.seq  # place_key, inline

    def _place(self, sha: str, host: str, path: str, seq: int, present: bool) -> None:
        """A location the events know of is, or is no longer, present (others: untouched)."""
        key = place_key(sha, host, path)
        if key in self.locations:
            self.locations[key] = seq if present else -seq

    def _seen(self, e: EventRow, d: Mapping[str, Any]) -> None:
        self._open(e)

    def _moved(self, e: EventRow, d: Mapping[str, Any]) -> None:
        self._place(str(e.asset_sha256), e.host, str(d["from"]), e.seq, False)
        self._open(e)

    def _modified(self, e: EventRow, d: Mapping[str, Any]) -> None:
        if e.path is not None:  # the previous content's location at this path is closed
            self._place(str(d["previous"]), e.host, e.path, e.seq, False)
        self._open(e)

    def _removed(self, e: EventRow, d: Mapping[str, Any]) -> None:
        if e.path is not None:
            self._place(str(e.asset_sha256), e.host, e.path, e.seq, False)

    @staticmethod
    def _reset(
        table: dict[int, Projected], sha: str, rows: list[Row], names: tuple[str, ...], seq: int
    ) -> None:
        for key in [k for k, p in table.items() if p.values["asset_sha256"] == sha]:
            del table[key]
        for row in rows:
            table[int(row["id"])] = Projected({})
            table[int(row["id"])].put(seq, **{k: row.get(k) for k in names})

    def _sealed(self, e: EventRow, d: Mapping[str, Any]) -> None:
        self.sealed[e.seq] = d  # what verify checks the seals against (provenance.store.seals)

    STEPS: ClassVar[Mapping[str, Callable[..., None]]] = {
        "detected": _detected,
        "identified": _identified,
        "approved": _approved,
        "revoked": _revoked,
        "replaced": _replaced,
        "expiry-set": _expiry_set,
        "approval-lapsed": _status,
        "expired": _status,
        "flagged": _flagged,
        "quarantined": _quarantined,
        "restored": _restored,
        "deleted-from-quarantine": _deleted,
        "audit-recorded": _audit,
        "state-baseline": _baseline,
        "sealed": _sealed,
        "seen": _seen,
        "moved": _moved,
        "modified": _modified,
        "removed": _removed,
    }
    """The event types that change a row, and how. The others (``replaces``,
    ``approval-refused``, ``audited``...) change nothing."""


@dataclass(frozen=True)
class Difference:
    """One row that does not match what the events say: which table, which row, and how."""

    table: str
    key: str
    text: str
    asset: str | None = None  # the asset the row belongs to, when it belongs to one
    approval: int | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form: the table, the row's key, its asset's ``sha256`` (if any), the difference."""
        return {"table": self.table, "key": self.key, "sha256": self.asset,
                "approval": self.approval, "difference": self.text}  # fmt: skip


def compare_table(
    table: str,
    label: Callable[[Any], str],
    expected: Mapping[Any, Projected],
    actual: Mapping[Any, Row],
    names: tuple[str, ...],
) -> list[Difference]:
    """Name every row of ``table`` that differs from its projection, or has none, or is missing."""
    found: list[Difference] = []
    plain = [name for name in names if name not in SHOWN_FIELDS]
    for key in sorted(actual.keys() | expected.keys(), key=str):
        row, projected = actual.get(key), expected.get(key)
        if row is not None and projected is not None and _same(row, projected.values, plain, names):
            continue  # most rows: no field differs, nothing to name
        where = label(key)
        owner = (row or (projected.values if projected else {})).get("asset_sha256")
        tag: dict[str, Any] = {"asset": owner if table != "asset" else str(key),
               "approval": int(key) if table == "approval" else None}  # fmt: skip
        if projected is None:
            found.append(Difference(table, str(key), f"{where}: row has no event", **tag))
        elif row is None:
            first = min(projected.set_by.values())
            text = f"{where}: events say it exists (event {first}), the ledger has no row"
            found.append(Difference(table, str(key), text, **tag))
        else:
            found += _fields(table, str(key), where, row, projected, names, tag)
    return found


def _same(row: Row, values: Row, plain: list[str], names: tuple[str, ...]) -> bool:
    """Whether no field of ``names`` differs (as :func:`_fields` compares them), in one look."""
    get, want = row.get, values.get
    if [get(name) for name in plain] != [want(name) for name in plain]:
        return False
    return len(plain) == len(names) or all(
        get(name) == shown_values(want(name)) for name in names if name in SHOWN_FIELDS
    )


def _fields(
    table: str, key: str, where: str, row: Row, projected: Projected, names: tuple[str, ...],
    tag: Mapping[str, Any],
) -> list[Difference]:  # fmt: skip
    found = []
    for name in names:
        have, want = row.get(name), projected.values.get(name)
        if name in SHOWN_FIELDS:
            want = shown_values(want)
        if have != want:
            said = _digests(have, want) if name in DIGEST_FIELDS else (
                f"ledger says {_shown(have)}, events say {_shown(want)}")  # fmt: skip
            text = f"{where} {name}: {said} (event {projected.set_by.get(name)})"
            found.append(Difference(table, key, text, **tag))
    return found


def _digests(have: object, want: object) -> str:
    """Two digests of a field (:data:`DIGEST_FIELDS`), as a person can compare them."""
    return f"the ledger's hashes to {_shown(have)}, events say {_shown(want)}"


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def compare(
    projection: Projection,
    assets: Mapping[str, Row],
    approvals: Mapping[int, Row],
    quarantine: Mapping[int, Row],
    audits: Mapping[int, Row] | None = None,
) -> list[Difference]:
    """Every difference between the tables' rows and the projection.

    ``audits`` None leaves the audit rows out (the audit's check of the
    assets it matched does not load them).
    """
    found = [
        Difference("event", str(seq), why) for seq, why in sorted(projection.malformed.items())
    ]
    found += [
        Difference("asset", sha, f"asset {sha[:12]}: its events predate the state projection"
                   f" (event {seq}); run `provenance init` to record a baseline", asset=sha)
        for sha, seq in sorted(projection.legacy.items()) if sha in assets
    ]  # fmt: skip
    expected = {k: v for k, v in projection.assets.items() if k not in projection.legacy}
    rows = {k: v for k, v in assets.items() if k not in projection.legacy}
    found += compare_table("asset", lambda k: f"asset {k[:12]}", expected, rows, ASSET_FIELDS)
    found += compare_table("approval", lambda k: f"approval {k}", projection.approvals,
                           approvals, APPROVAL_FIELDS)  # fmt: skip
    found += compare_table("quarantine", lambda k: f"quarantine entry {k}",
                           projection.quarantine, quarantine, QUARANTINE_FIELDS)  # fmt: skip
    if audits is not None:
        found += compare_table("audit", lambda k: f"audit {k}", projection.audits, audits,
                               AUDIT_FIELDS)  # fmt: skip
    return found


@dataclass(frozen=True)
class LedgerCheck:
    """What ``verify`` found: the chain's check, and every row that differs from the events."""

    chain: ChainReport
    differences: tuple[Difference, ...]

    @property
    def ok(self) -> bool:
        """The chain verifies and every row is what its events say."""
        return self.chain.ok and not self.differences

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the chain's report, then the differences."""
        return self.chain.to_dict() | {
            "ok": self.ok,
            "chain_ok": self.chain.ok,
            "differences": [d.to_dict() for d in self.differences],
        }
