"""Identity read late: filling an asset's empty media identity from a later sighting.

An asset's media identity (timecode, rate, reel, UMID: see
:mod:`provenance.ingest.identity`) is chained in the ``detected`` event that
creates its row. Assets recorded before migration 0011, or while the file's
identity could not be read (PyAV missing), have none, and the creating
event cannot be changed. So when the writer sees such an asset again (a
scan, a watch daemon's reconcile) and the file now yields an identity, it
appends an ``identified`` event whose details carry it, and fills the
row's columns as the event says; the state projection folds it the same way
(:mod:`.projection`), so ``verify`` stays clean.

Identity is filled once, never replaced: only an asset whose six identity
columns are all empty is identified, and the projection ignores an
``identified`` event for an asset it already knows an identity of. An asset
whose file says something else than the identity recorded keeps its
recorded one; a row edited to differ is named by ``verify``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from provenance.store.models import Asset
from provenance.store.records import IDENTITY_FIELDS, AssetFacts

IDENTIFIED = "identified"

_FILL = (
    update(Asset)
    .where(Asset.sha256 == bindparam("asset_sha"))
    .values({name: bindparam(name) for name in (*IDENTITY_FIELDS, "updated_at")})
)
_COLUMNS = (Asset.sha256, *(Asset.__table__.c[name] for name in IDENTITY_FIELDS))


def identity_details(facts: AssetFacts) -> dict[str, object]:
    """The identity fields the facts know (none: empty), as events carry them."""
    return {n: getattr(facts, n) for n in IDENTITY_FIELDS if getattr(facts, n) is not None}


def known_assets(conn: Connection, chunks: Iterable[Sequence[str]]) -> tuple[set[str], set[str]]:
    """Which of these assets the ledger has, and which of those have no identity at all."""
    known: set[str] = set()
    blank: set[str] = set()
    for chunk in chunks:
        for sha, *identity in conn.execute(select(*_COLUMNS).where(Asset.sha256.in_(chunk))):
            known.add(str(sha))
            if all(value is None for value in identity):
                blank.add(str(sha))
    return known, blank


class Identities:
    """The identities a batch fills in: asked once per sighting, written together."""

    def __init__(self, blank: set[str]) -> None:
        self._blank = blank
        self._rows: list[dict[str, object]] = []

    def take(
        self, sha256: str, details: Mapping[str, object], now: datetime
    ) -> Mapping[str, object] | None:
        """The ``identified`` event's details for this sighting, or None (nothing to fill).

        ``details`` are what the file says (:func:`identity_details`).
        """
        if sha256 not in self._blank or not details:
            return None
        self._blank.discard(sha256)  # once: a second copy in the batch adds nothing
        row = {name: details.get(name) for name in IDENTITY_FIELDS}
        self._rows.append(row | {"asset_sha": sha256, "updated_at": now})
        return details

    def write(self, conn: Connection) -> None:
        """Fill the taken identities into their rows (the events are the caller's)."""
        if self._rows:
            conn.execute(_FILL, self._rows)
        self._rows = []
