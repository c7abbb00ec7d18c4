"""The three kinds of transaction every part of the ledger uses, over one engine.

:class:`~provenance.store.Ledger` owns one :class:`Transactions` and hands it
to each of its parts (:mod:`.assets`, :mod:`.approvals`, ...), so every part
reaches the database the same way:

* :meth:`Transactions.write` takes the chain lock and yields a
  :class:`~.writer.ChainAppender`: for changes that add events to the chain;
* :meth:`Transactions.write_plain` is the same locked transaction on SQLite
  (``BEGIN IMMEDIATE``) without the chain lock: for derived data and the
  watch daemon's bookkeeping, which are not history;
* :meth:`Transactions.read` is a plain read in a session.

Each also turns a database that cannot be reached into
:class:`~provenance.errors.LedgerUnavailable`, and a write the database
refuses to the connected user (PostgreSQL's roles, ``provenance db roles``)
into :class:`~provenance.errors.DatabaseRefused`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from provenance.errors import DatabaseRefused, InvalidValue, LedgerUnavailable
from provenance.store.engine import WRITE_OPTION
from provenance.store.identity import check_identity
from provenance.store.notary import Notary, checkpoint_head
from provenance.store.writer import ChainAppender

INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied"
# PostgreSQL's SQLSTATE for a write in a read-only transaction: a hot standby's, or
# a login whose role has default_transaction_read_only set.
READ_ONLY_TRANSACTION = "25006"
# PostgreSQL's SQLSTATE class for a value a column or cast cannot take (too long,
# not a number, bad encoding): the values are checked before they are written, so
# one that gets this far is a gap in those checks, said as an error and not a traceback.
DATA_EXCEPTION = "22"
# SQLite refuses a LIKE pattern over 50,000 bytes (SQLITE_MAX_LIKE_PATTERN_LENGTH) as it
# meets the first row: a search text no path is that long, not a ledger that is down.
TOO_LONG_TO_MATCH = "LIKE or GLOB pattern too complex"


class Transactions:
    """Who writes (``actor`` on ``host``), and the transactions on one engine."""

    def __init__(self, engine: Engine, where: str, actor: str, host: str) -> None:
        self.engine = engine
        self.where = where
        self.actor = actor
        self.host = host
        self.notary: Notary | None = None
        self._identity_checked = False
        # (table, asset) of the stored derived rows a read found not what their seal says
        # (store.seals): what the audit reports as changed outside provenance.
        self.unsealed: set[tuple[str, str]] = set()

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Database outages inside become :class:`~provenance.errors.LedgerUnavailable`."""
        with translate(self.where):
            yield

    @contextmanager
    def write(self) -> Iterator[tuple[Connection, ChainAppender]]:
        """A write transaction holding the chain lock, and the appender of its events.

        With a notary, a transaction that added events ends by signing the new
        head in the same transaction (:mod:`.notary`).
        """
        signed = None
        with self.write_plain() as conn:
            chain = ChainAppender(conn, self.actor, self.host)
            start = chain.seq
            yield conn, chain
            signed = checkpoint_head(conn, chain, start, self.notary)
        if signed is not None and self.notary is not None:
            self.notary.committed()

    @contextmanager
    def write_plain(self) -> Iterator[Connection]:
        """A write transaction that adds no event (no chain lock on PostgreSQL)."""
        if not self._identity_checked:  # every write stamps who made it
            check_identity(self.actor, self.host)
            self._identity_checked = True
        with self.translated(), self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session, committed (so released) at the end."""
        with (
            self.translated(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session


@contextmanager
def translate(where: str) -> Iterator[None]:
    """Turn an unreachable or lost database at ``where`` into ``LedgerUnavailable``.

    And a refusal by the database's permissions into ``DatabaseRefused``.
    """
    try:
        yield
    except OperationalError as exc:
        if TOO_LONG_TO_MATCH in str(exc.orig):
            raise InvalidValue(
                "the text to find is longer than the ledger can search for",
                where=where,
                fix="search for a shorter part of the name or path",
            ) from exc
        raise LedgerUnavailable(
            f"cannot use the ledger ({_first_line(exc)})", where=where, fix=_fix_for(exc)
        ) from exc
    except DBAPIError as exc:
        if is_damaged_sqlite(exc):
            raise LedgerUnavailable(
                f"the ledger file is damaged or is not a ledger ({_first_line(exc)})",
                where=where,
                fix="check --db names the ledger; restore a damaged one from its backup, then"
                " run `provenance verify`",
            ) from exc
        if exc.connection_invalidated:
            raise LedgerUnavailable(
                f"lost the ledger connection ({_first_line(exc)})",
                where=where,
                fix="check the database server and network",
            ) from exc
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate == INSUFFICIENT_PRIVILEGE:
            raise refused(exc, where) from exc
        if sqlstate == READ_ONLY_TRANSACTION:
            raise read_only(exc, where) from exc
        if isinstance(sqlstate, str) and sqlstate.startswith(DATA_EXCEPTION):
            raise DatabaseRefused(
                f"the database refused a value it was given ({_first_line(exc)})",
                where=where,
                fix="provenance should have refused it first: please report this, with the"
                " command that was run",
            ) from exc
        raise


# What to do, by what the database said: a read-only file or a full disk is
# not a server that is down, and the advice must not send anyone looking for one.
_FIXES = (
    (
        ("readonly database", "read-only file system"),
        "the ledger is read-only for this user: run as a user who may write it, or audit with"
        " --no-record to record nothing",
    ),
    (
        ("database or disk is full", "no space left on device", "could not extend file"),
        "the disk holding the ledger is full: free space on it, then run the command again",
    ),
    (
        ("database is locked",),
        "another program has held the ledger's write lock longer than a minute (a long"
        " transaction, or a tool left open in one): find it with `fuser` on the ledger file and"
        " let it finish or close it; the watch daemon retries by itself",
    ),
    (
        ("unable to open database file",),
        "check the ledger file's folder exists and this user may write there",
    ),
)


# SQLite's primary result codes for a file that is not a database at all
# (garbage, or a header from another program) and for one whose pages do not
# hold together (truncated, overwritten): no retry or permission fixes either.
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def is_damaged_sqlite(exc: DBAPIError) -> bool:
    """Whether SQLite refused the ledger file itself as damaged or as no database.

    sqlite3 raises these as ``DatabaseError``, not ``OperationalError``, and
    on the first statement of a connection (the engine's pragmas), so no
    command gets as far as its own checks. Extended codes (``SQLITE_CORRUPT_*``)
    keep the primary code in their low byte.
    """
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)


def _fix_for(exc: DBAPIError) -> str:
    text = str(exc.orig or exc).lower()
    for needles, fix in _FIXES:
        if any(needle in text for needle in needles):
            return fix
    return "check the database server is running and the URL, user and permissions are right"


def refused(exc: DBAPIError, where: str) -> DatabaseRefused:
    """The error for a statement the database refused to the connected user."""
    return DatabaseRefused(
        f"the database refused this to its user ({_first_line(exc)})",
        where=where,
        fix="connect as a user whose role may do it (`provenance db roles`,"
        " docs/POSTGRES_ROLES.md)",
    )


def read_only(exc: DBAPIError, where: str) -> DatabaseRefused:
    """The error for a write the server takes no writes for on this connection.

    A hot standby (a read replica) takes none at all, and a login whose role
    has ``default_transaction_read_only`` set starts every transaction
    read-only: the write is refused whatever the user's grants, as a refusal.
    """
    return DatabaseRefused(
        f"the database takes no writes on this connection ({_first_line(exc)})",
        where=where,
        fix="connect to the primary server, as a user whose transactions are not read-only"
        " (default_transaction_read_only)",
    )


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
