"""The event log's hash chain.

Each event stores ``prev_hash``, the hash of the event before it (64 zeros for
the first), and ``hash``, the SHA-256 of its own canonical content *including*
``seq`` and ``prev_hash``. So:

* editing any field of an event changes its recomputed hash;
* deleting an event leaves a gap in ``seq`` and a ``prev_hash`` that points
  at nothing;
* inserting or reordering events breaks ``prev_hash`` links;
* deleting events from the end is caught by comparing the log with the
  ``chain_head`` row, which every append updates in the same transaction.

The functions here are pure: they take rows and return findings, so the same
code serves ``verify`` and the property tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Protocol

from provenance.util.names import escape_surrogates

GENESIS = "0" * 64
# One encoder for every event: json.dumps with options builds a new one per call,
# which was most of the cost of checking a million events.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_encode_string: Callable[[str], str] = encode_basestring  # the encoder's own, in C


class ChainRow(Protocol):
    """The fields of an event that the chain covers."""

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


def canonical_json(value: object) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is.

    A file name that is not UTF-8 (lone surrogates, see
    :mod:`provenance.util.names`) is written as JSON escapes, which read back
    as the same name; any other text is unchanged, and so are the hashes.
    """
    text = _CANONICAL.encode(value)
    return text if text.isascii() else escape_surrogates(text)


def event_hash(
    *,
    seq: int,
    at: str,
    type: str,
    asset_sha256: str | None,
    actor: str,
    host: str,
    path: str | None,
    details: str,
    prev_hash: str,
) -> str:
    """The hash of one event's canonical content. ``details`` is its canonical JSON text.

    The content is :func:`canonical_json` of ``{"seq", "at", "type", "asset", "actor",
    "host", "path", "details", "prev"}``, written out here key by key in sorted order
    (what the encoder would do, a third of its cost: ``verify`` hashes every event).
    """
    text = _encode_string
    body = (
        f'{{"actor":{text(actor)},"asset":{_text(asset_sha256)},"at":{text(at)},'
        f'"details":{text(details)},"host":{text(host)},"path":{_text(path)},'
        f'"prev":{text(prev_hash)},"seq":{int(seq)!r},"type":{text(type)}}}'
    )
    if not body.isascii():
        body = escape_surrogates(body)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _text(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


def row_hash(row: ChainRow) -> str:
    """Recompute the hash a stored row should have."""
    return event_hash(
        seq=row.seq,
        at=row.at,
        type=row.type,
        asset_sha256=row.asset_sha256,
        actor=row.actor,
        host=row.host,
        path=row.path,
        details=row.details,
        prev_hash=row.prev_hash,
    )


@dataclass(frozen=True)
class ChainProblem:
    """The first place the chain fails, and how."""

    seq: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    """Result of checking the whole log."""

    events: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """True when the chain verifies end to end."""
        return self.problem is None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "events": self.events,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.problem.seq if self.problem else None,
            "problem": self.problem.problem if self.problem else None,
        }


def check_chain(rows: Iterable[ChainRow], head: tuple[int, str] | None) -> ChainReport:
    """Walk rows in ``seq`` order and report the first inconsistency."""
    expected_seq, prev = 1, GENESIS
    count = 0
    for row in rows:
        problem = _check_row(row, expected_seq, prev)
        if problem is not None:
            return ChainReport(count, expected_seq - 1, prev, problem)
        count += 1
        expected_seq, prev = row.seq + 1, row.hash
    return ChainReport(count, expected_seq - 1, prev, _check_head(head, expected_seq - 1, prev))


def _check_row(row: ChainRow, expected_seq: int, prev: str) -> ChainProblem | None:
    if row.seq < expected_seq:
        return ChainProblem(row.seq, f"event {row.seq} is out of order (expected {expected_seq})")
    if row.seq > expected_seq:
        return ChainProblem(expected_seq, f"event {expected_seq} is missing (removed)")
    if row_hash(row) != row.hash:
        return ChainProblem(
            row.seq, f"event {row.seq} was changed (its content no longer matches its hash)"
        )
    if row.prev_hash != prev:
        return ChainProblem(
            row.seq,
            f"event {row.seq} does not follow event {row.seq - 1}"
            " (inserted, replaced or reordered)",
        )
    return None


def _check_head(head: tuple[int, str] | None, last_seq: int, last_hash: str) -> ChainProblem | None:
    head_seq, head_hash = head if head is not None else (0, GENESIS)
    if head_seq > last_seq:
        return ChainProblem(
            last_seq + 1, f"events {last_seq + 1}..{head_seq} are missing (removed from the end)"
        )
    if head_seq < last_seq:
        return ChainProblem(
            head_seq + 1, f"event {head_seq + 1} onwards were added outside the ledger"
        )
    if head_hash != last_hash:
        return ChainProblem(last_seq, f"event {last_seq} does not match the chain head (replaced)")
    return None


def details_text(details: Mapping[str, object]) -> str:
    """The canonical JSON stored (and hashed) for an event's details."""
    return canonical_json(dict(details))
