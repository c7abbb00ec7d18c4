"""The locations a batch works on, and what a run of batches remembers of copies.

Known content seen at a new path is a move when a place the ledger has it at
has vanished, and a copy otherwise (see :mod:`.writer`); so a batch loads
the locations at its paths and, for content seen at a new path, its other
present copies, and asks which of those are gone.

A show holds thousands of copies of one content: empty ``.keep`` files,
black frames, slates, the same placeholder EXR in every shot. Looking at
every copy again in every batch made a scan quadratic in them (50,000 empty
files: 88 s, against 14 s for 20,000). So the batches of one run (a scan, a
watch daemon's reconcile) share a :class:`CopyMemory`: a copy the run found
at its place, or recorded itself, is not loaded nor looked at again in that
run; only the copies it found gone and has not yet taken as a move's source,
and those another writer recorded meanwhile, are.

The run listed its paths before it looked at any, so a content at a new path
was there while a copy found at its place was too: a copy, not a move. A
file moved while the run goes on, after the run found it at its old place,
is a copy there and a removal at the run's end: what one pass can tell of a
tree that changes under it. A memory is only a cache: the ledger holds every
fact, each batch is one transaction, and a batch that fails makes the memory
forget everything (:meth:`CopyMemory.forget`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from provenance.store.chunks import in_chunks
from provenance.store.models import Location
from provenance.store.records import Observation

LocKey = tuple[str, str, str]  # (asset sha256, host, path): unique in `locations`
Copies = tuple[str, str]  # (asset sha256, host): the copies of one content on one host


@dataclass
class Loc:
    """A location row as the batch sees it; ``id`` is None until inserted."""

    id: int | None
    key: LocKey
    present: bool
    size: int = 0
    mtime_ns: int = 0
    inode: int = 0
    dirty: bool = False


class LocationState:
    """The locations a batch touches, indexed three ways, with pending changes."""

    def __init__(self, rows: Iterable[Loc]) -> None:
        self.by_key: dict[LocKey, Loc] = {}
        self.present_at: dict[tuple[str, str], Loc] = {}
        self.present_of: defaultdict[Copies, dict[str, Loc]] = defaultdict(dict)
        for row in rows:
            self._index(row)

    def _index(self, loc: Loc) -> None:
        self.by_key[loc.key] = loc
        sha, host, path = loc.key
        if loc.present:
            self.present_at[(host, path)] = loc
            self.present_of[(sha, host)][path] = loc

    def close(self, loc: Loc) -> None:
        """Mark a location as no longer present."""
        sha, host, path = loc.key
        loc.present, loc.dirty = False, True
        self.present_at.pop((host, path), None)
        self.present_of[(sha, host)].pop(path, None)

    def open(self, obs: Observation) -> None:
        """Mark (asset, host, path) present with the observation's stamp, creating it if new."""
        key = (obs.asset.sha256, obs.host, obs.path)
        loc = self.by_key.get(key) or Loc(None, key, False)
        loc.present, loc.dirty = True, True
        loc.size, loc.mtime_ns, loc.inode = obs.size, obs.mtime_ns, obs.inode
        self._index(loc)


class CopyMemory:
    """What the batches of one run have learnt of the known copies of their contents.

    For each content (on a host) a batch of the run looked at the copies of,
    the ids of the copies that may be gone: those found gone and not yet a
    move's source, and those other writers recorded since. Every other present
    copy of it, up to ``seen_to`` (the highest location id the run accounted
    for), was found at its place or recorded by the run.
    """

    def __init__(self) -> None:
        self.maybe_gone: dict[Copies, set[int]] = {}
        self.seen_to: int | None = None

    def catch_up(self, conn: Connection) -> None:
        """Take the copies of remembered contents that other writers recorded since."""
        if self.seen_to is None or not self.maybe_gone:
            return
        query = select(Location.id, Location.asset_sha256, Location.host).where(
            Location.id > self.seen_to, Location.present
        )
        for loc_id, sha, host in conn.execute(query):
            ids = self.maybe_gone.get((str(sha), str(host)))
            if ids is not None:
                ids.add(int(loc_id))

    def remember(self, conn: Connection, gone: Mapping[Copies, Sequence[Loc]]) -> None:
        """After a batch's writes: its contents' copies still gone, and the last location id."""
        for copies, locs in gone.items():
            self.maybe_gone[copies] = {loc.id for loc in locs if loc.present and loc.id is not None}
        self.seen_to = conn.scalar(select(func.max(Location.id)))

    def forget(self) -> None:
        """Forget everything: the batch that taught it the latest was not written."""
        self.maybe_gone.clear()
        self.seen_to = None


_LOC_COLUMNS = (
    Location.id, Location.asset_sha256, Location.host, Location.path, Location.present,
    Location.size, Location.mtime_ns, Location.inode,
)  # fmt: skip


def load_locations(
    conn: Connection, batch: Sequence[Observation], known: set[str], memory: CopyMemory
) -> list[Loc]:
    """Every location at the batch's paths, and, of its known contents seen at a path where
    they were not, the present copies a move may have come from.

    Content still where the ledger has it needs no look at its other copies
    (loading them all made each rescan of many copies quadratic); of content
    the run has looked at before, only the copies ``memory`` says may be gone.
    """
    rows: dict[int, Loc] = {}
    for host, paths in _paths_by_host(batch).items():
        for chunk in in_chunks(sorted(paths)):
            _collect(conn, rows, Location.host == host, Location.path.in_(chunk))
    there = {loc.key for loc in rows.values() if loc.present}
    first_look: defaultdict[str, set[str]] = defaultdict(set)
    again: set[int] = set()
    for obs in batch:
        if obs.asset.sha256 in known and (obs.asset.sha256, obs.host, obs.path) not in there:
            remembered = memory.maybe_gone.get((obs.asset.sha256, obs.host))
            if remembered is None:
                first_look[obs.host].add(obs.asset.sha256)
            else:
                again |= remembered
    for host, shas in first_look.items():
        for chunk in in_chunks(sorted(shas)):
            where = (Location.host == host, Location.present, Location.asset_sha256.in_(chunk))
            _collect(conn, rows, *where)
    for ids in in_chunks(sorted(again)):
        _collect(conn, rows, Location.present, Location.id.in_(ids))
    return list(rows.values())


def _paths_by_host(batch: Sequence[Observation]) -> dict[str, set[str]]:
    found: defaultdict[str, set[str]] = defaultdict(set)
    for obs in batch:
        found[obs.host].add(obs.path)
    return found


def _collect(conn: Connection, into: dict[int, Loc], *where: object) -> None:
    for r in conn.execute(select(*_LOC_COLUMNS).where(*where)):  # type: ignore[arg-type]
        key = (str(r.asset_sha256), str(r.host), str(r.path))
        into[int(r.id)] = Loc(
            int(r.id), key, bool(r.present), int(r.size), int(r.mtime_ns), int(r.inode)
        )
