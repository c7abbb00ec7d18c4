"""The locations a batch works on, and what a run of batches remembers of copies.

Known content seen at a new path is a move when a place the ledger has it at
has vanished, and a copy otherwise (see :mod:`.writer`); so a batch loads
the locations at its paths and, for content seen at a new path, its other
present copies, and asks which of those are gone.

A show holds thousands of copies of one content: empty ``.keep`` files,
black frames, slates, the same placeholder EXR in every shot. Looking at
every copy again in every batch made a scan quadratic in them (50,000 empty
files: 88 s, against 14 s for 20,000), and a watch daemon, which records
whatever arrived in one batch, as quadratic over a render's burst of black
frames. So the batches of one run share a :class:`CopyMemory`: a copy the
run found at its place, or recorded itself, is not loaded nor looked at
again in that run; only the copies it found gone and has not yet taken as a
move's source, and those something may have changed since, are.

What may have changed a copy since is known three ways:

* the run's own listing, for a one-pass run (a scan): it listed its paths
  before it looked at any, so a content at a new path was there while a copy
  found at its place was too: a copy, not a move. A file moved while the run
  goes on, after the run found it at its old place, is a copy there and a
  removal at the run's end: what one pass can tell of a tree that changes
  under it;
* the owner's notices, for a run that lasts (a watch daemon's, its life
  long): it is told of every file that vanishes below its roots, deleted or
  moved away, before the new name of a move is recorded (:class:`Notices`);
  copies elsewhere are looked at again in every batch, and a daemon that may
  have lost events tells the memory to forget everything;
* the chain, for other writers (a second daemon on a shared PostgreSQL
  ledger, a scan, the daemon's own removals): every change of a location
  comes with an event at its path, so a batch that finds the chain head
  moved on since the run's last batch reads the events in between and looks
  again at the copies at their paths.

A memory is only a cache: the ledger holds every fact, each batch is one
transaction, and a batch that fails makes the memory forget everything
(:meth:`CopyMemory.forget`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Connection

from provenance.store.chunks import in_chunks
from provenance.store.models import Event, Location
from provenance.store.records import Observation

LocKey = tuple[str, str, str]  # (asset sha256, host, path): unique in `locations`
Copies = tuple[str, str]  # (asset sha256, host): the copies of one content on one host
Head = tuple[int, str]  # the chain head: (seq, hash)
PathTest = Callable[[str], bool]


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


NOTICES_AT_MOST = 10_000  # past this many files told of, forgetting costs less than each look
# Past this many events written by others since the last batch (a daemon idle while a studio's
# scans ran), reading them all costs more than looking at every copy again once.
EVENTS_AT_MOST = 50_000


class Notices:
    """What the owner of a long-lived memory tells it between batches, from any thread.

    Files and folders that may have gone (a watcher's deletions and the
    sources of its moves), and whether to forget everything (its events may
    have been lost). The next batch takes them before it decides anything.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: set[str] = set()
        self._folders: set[str] = set()
        self._forget = False

    def vanished(self, path: str) -> None:
        """The file at ``path`` (on the memory's host) may be gone."""
        with self._lock:
            if len(self._files) < NOTICES_AT_MOST:
                self._files.add(path)
            else:  # a folder of 100,000 frames deleted: nothing need be held for each
                self._forget = True

    def vanished_below(self, folder: str) -> None:
        """Every file below ``folder`` (on the memory's host) may be gone."""
        with self._lock:
            self._folders.add(folder.rstrip("/") + "/")

    def forget(self) -> None:
        """Trust nothing remembered: the next batch looks at every copy again."""
        with self._lock:
            self._forget = True

    def take(self) -> tuple[bool, set[str], set[str]]:
        """(forget, files, folders) told since the last take; cleared."""
        with self._lock:
            taken = (self._forget, self._files, self._folders)
            self._forget, self._files, self._folders = False, set(), set()
        return taken


class CopyMemory:
    """What the batches of one run have learnt of the known copies of their contents.

    For each content (on a host) a batch of the run looked at the copies of,
    the ids of the copies that may be gone: those found gone and not yet a
    move's source, those outside what ``watched`` vouches for, and those
    other writers (or the run's own removals) touched since. Every other
    present copy of it was found at its place or recorded by the run.

    ``head`` is the chain head (seq, hash) the memory is current with: the
    head its last batch left. Every change of a location comes with an event
    at its path, so the events after ``head`` name every copy another writer
    may have added, put back or closed meanwhile; a chain that does not
    continue from ``head`` (a ledger restored from a backup) makes it forget
    everything. A memory never decides anything: it only says which copies
    need no second look, so what it cannot vouch for is looked at again.

    ``watched`` says which paths of the memory's host the owner is told of
    when they vanish (:class:`Notices`): a watch daemon's roots. None for a
    one-pass run (a scan), whose listing vouches for every copy it found.
    """

    def __init__(self, watched: PathTest | None = None) -> None:
        self.maybe_gone: dict[Copies, set[int]] = {}
        self.head: Head | None = None
        self.notices = Notices()
        self._watched = watched
        self._told: tuple[set[str], tuple[str, ...]] = (set(), ())  # this batch's notices

    def catch_up(self, conn: Connection, host: str, head: Head) -> None:
        """Before a batch's decisions, under the chain lock: mark what may be gone since."""
        forget, files, folders = self.notices.take()
        self._told = (files, tuple(folders))
        if forget or self._lost_track(conn, head):
            self.forget()
        if not self.maybe_gone or self.head is None:
            return
        shas = {sha for sha, _ in self.maybe_gone}
        touched = _paths_written_since(conn, self.head[0], shas) if self.head != head else set()
        for loc_id, sha, loc_host in _present_at(conn, host, touched | files, folders):
            ids = self.maybe_gone.get((sha, loc_host))
            if ids is not None:
                ids.add(loc_id)

    def _lost_track(self, conn: Connection, head: Head) -> bool:
        """Whether the chain since the remembered head cannot be read, or is not worth it."""
        if self.head is None:
            return False
        return head[0] - self.head[0] > EVENTS_AT_MOST or not _continues(conn, self.head, head)

    def remember(
        self, gone: Mapping[Copies, Sequence[Loc]], state: LocationState, head: Head
    ) -> None:
        """After a batch's decisions: its contents' copies that may be gone, and the new head."""
        for copies, locs in gone.items():
            maybe = {loc.id for loc in locs if loc.present and loc.id is not None}
            if self._watched is not None:
                doubtful = [loc for path, loc in state.present_of[copies].items()
                            if self._doubtful(path)]  # fmt: skip
                if any(loc.id is None for loc in doubtful):  # recorded now: its id is unknown
                    self.maybe_gone.pop(copies, None)
                    continue
                maybe |= {loc.id for loc in doubtful if loc.id is not None}
            self.maybe_gone[copies] = maybe
        self.head = head

    def _doubtful(self, path: str) -> bool:
        """A copy no notice will vouch for: outside ``watched``, or told vanished already (a
        file deleted after it was examined, before its batch: its notice came first)."""
        files, folders = self._told
        watched = self._watched is None or self._watched(path)
        return not watched or path in files or path.startswith(folders)

    def forget(self) -> None:
        """Forget everything: the batch that taught it the latest was not written."""
        self.maybe_gone.clear()
        self.head = None


def _continues(conn: Connection, mine: Head, now: Head) -> bool:
    """Whether the chain whose head is ``now`` grew from the head ``mine`` (or is it)."""
    if now == mine:
        return True
    if now[0] < mine[0]:
        return False
    return conn.scalar(select(Event.hash).where(Event.seq == mine[0])) == mine[1]


def _paths_written_since(conn: Connection, seq: int, shas: set[str]) -> set[str]:
    """Paths of the events after ``seq`` about these contents (any host)."""
    query = select(Event.asset_sha256, Event.path).where(Event.seq > seq, Event.path.is_not(None))
    return {str(path) for sha, path in conn.execute(query) if sha in shas}


def _present_at(
    conn: Connection, host: str, paths: set[str], folders: set[str]
) -> Iterable[tuple[int, str, str]]:
    """(id, content, host) of the present locations at ``paths`` (any host) or below
    ``folders`` (on ``host``)."""
    query = select(Location.id, Location.asset_sha256, Location.host).where(Location.present)
    wheres: list[ColumnElement[bool]] = [
        Location.path.in_(chunk) for chunk in in_chunks(sorted(paths))
    ]
    wheres += [
        (Location.host == host) & Location.path.startswith(folder, autoescape=True)
        for folder in sorted(folders)
    ]
    for where in wheres:
        for loc_id, sha, loc_host in conn.execute(query.where(where)):
            yield int(loc_id), str(sha), str(loc_host)


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
