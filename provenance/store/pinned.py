"""A SQLite ledger engine stays with the file it first opened.

SQLite's locks are POSIX advisory locks, which a process never conflicts
with itself on. When the ledger file is deleted or replaced while a process
holds connections to it (a backup put back over a running daemon's ledger),
a connection opened after that reaches a different file with the same
``-shm`` index beside it; its lock on that index succeeds against the
process's own older connections, so it believes itself the index's only
user and resets it, shrinking the file under their memory maps. The next
write through an old connection then dies with SIGBUS: the whole process
goes, with no error and no chance to say why.

So every new connection of a file engine is checked against the file the
engine's first connection opened, before any statement reads the index, and
refused with :class:`~provenance.errors.LedgerUnavailable` where the path now
names another file or none. The same comparison, asked between connections
(:func:`file_problem`), is what stops the daemon
(:meth:`~provenance.store.ledger.Ledger.file_problem`) and what the web view says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine

from provenance.errors import LedgerUnavailable

REPLACED = "the ledger file was deleted or replaced while in use"


def file_identity(path: Path | None) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None where there is none."""
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


class PinnedFile:
    """A ``connect`` listener refusing any connection to a file other than the first one.

    The path is looked at after SQLite opened it: the file a connection
    holds was at the path then, so a path naming the first file still means
    the connection holds that file (a check before the open would leave a
    window for a swap between the two).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.first: tuple[int, int] | None = None

    def problem(self) -> str | None:
        """:data:`REPLACED` once the path no longer names the first file (None before any)."""
        if self.first is None or file_identity(self.path) == self.first:
            return None
        return REPLACED

    def __call__(self, dbapi_connection: Any, _record: Any) -> None:
        identity = file_identity(self.path)
        if self.first is None:
            self.first = identity
        if identity is not None and identity == self.first:
            return
        dbapi_connection.close()
        raise LedgerUnavailable(
            REPLACED,
            where=str(self.path),
            fix="put the ledger file back, or start the command or daemon again to open the one"
            " there now",
        )


_PINS: WeakKeyDictionary[Engine, PinnedFile] = WeakKeyDictionary()


def pin(engine: Engine, path: Path) -> None:
    """Keep ``engine``'s connections to the file at ``path`` as it is when first opened; call
    before any other ``connect`` listener, which might read the index."""
    pinned = PinnedFile(path)
    _PINS[engine] = pinned
    event.listen(engine, "connect", pinned)


def file_problem(engine: Engine) -> str | None:
    """Why ``engine``'s ledger file is no longer at its path, if so; None for an engine not
    pinned (PostgreSQL, an in-memory or URI-named SQLite database)."""
    pinned = _PINS.get(engine)
    return None if pinned is None else pinned.problem()
