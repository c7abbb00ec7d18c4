"""Opening a database: SQLite for one workstation, PostgreSQL for a studio.

SQLite runs in WAL mode (readers never block the writer), with a busy
timeout (writers wait for each other instead of failing), ``synchronous=FULL``
(a committed transaction survives a crash or power cut), and foreign keys on.
Write transactions start with ``BEGIN IMMEDIATE`` so that two processes never
both read the chain head and then race to append; reads use a plain deferred
``BEGIN``. On PostgreSQL the same serialization comes from locking the
``chain_head`` row (see :mod:`.writer`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from provenance.errors import ConfigError, DamagedRecord, LedgerUnavailable
from provenance.store.models import postgresql_options
from provenance.store.pinned import pin
from provenance.util.names import json_shown

BUSY_TIMEOUT_MS = 60_000
WRITE_OPTION = "provenance_write"


def parse_url(url: str) -> URL:
    """Parse a database URL, or raise :class:`LedgerUnavailable` saying why."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise LedgerUnavailable(
            "not a database URL",
            where=url,
            fix="use sqlite:///PATH or postgresql+psycopg://HOST/DB",
        ) from exc
    # `postgres://` is what Heroku, libpq tools and many studio wikis write;
    # SQLAlchemy knows the dialect only as `postgresql`.
    if parsed.drivername.split("+")[0] == "postgres":
        parsed = parsed.set(drivername=parsed.drivername.replace("postgres", "postgresql", 1))
    return parsed


def masked(url: str | URL) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist yet; None otherwise (and for PostgreSQL).

    Opening a SQLite URL creates its file (and here its folder): right for
    the first scan, wrong for a command that only reads what is recorded,
    where a mistyped ``--db`` would otherwise show an empty, valid ledger.
    """
    path = sqlite_file(url)
    return None if path is None or path.exists() else path


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL, an in-memory database and URI names."""
    parsed = parse_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):  # a URI filename: SQLite decides, and may refuse
        return None
    return Path(database).expanduser()


def make_engine(url: str, *, read_only: bool = False, role: str | None = None) -> Engine:
    """Create the engine for ``url`` with the ledger's connection settings.

    ``read_only`` has the database itself refuse every write on every
    connection (SQLite's ``query_only``, PostgreSQL's read-only transactions):
    what the web view opens, so no bug of its own can change the ledger.
    ``role`` (PostgreSQL only) is taken with ``SET ROLE`` on every connection,
    so the server checks that role's grants, not the login's: the web view
    takes the reader role (``provenance_reader``) when the settings name it.
    """
    engine = _engine(url, read_only=read_only)
    if role is not None:
        if engine.dialect.name != "postgresql":
            raise ConfigError(
                f"a database role ({role}) is for PostgreSQL ledgers only",
                where=masked(url),
                fix="SQLite has no roles: leave web_db_role unset",
            )
        event.listen(engine, "connect", functools.partial(_set_role, role))
    if read_only:
        event.listen(engine, "connect", _refuse_writes)
    return engine


def _engine(url: str, *, read_only: bool = False) -> Engine:
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, read_only=read_only)
    if backend == "postgresql":
        postgresql_options()
        _quiet_cleanup_warnings()
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
            json_serializer=json_shown,
            json_deserializer=functools.partial(json_read, masked(parsed)),
        )
    raise LedgerUnavailable(
        f"unsupported database '{backend}'", where=masked(parsed), fix="use SQLite or PostgreSQL"
    )


def json_read(where: str, text: str) -> object:
    """A JSON column's value. SQLite stores any text there: text that is not JSON (a row
    edited by hand, a damaged page) is a damaged record said in words, not a crash."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        excerpt = text if len(text) <= 40 else text[:40] + "..."
        raise DamagedRecord(
            f"a row of the ledger holds a value that is not JSON ({exc.msg}: {excerpt!r})",
            where=where,
            fix="restore the ledger from its backup, then run `provenance verify`",
        ) from exc


class CleanupAfterError(logging.Filter):
    """Drops psycopg's warnings of a second failure met while it cleans up after an error.

    A connection lost in the middle of a batch of rows (psycopg's pipeline)
    makes psycopg log ``error ignored terminating <psycopg.Pipeline [BAD] at
    0x...>: the connection is lost`` as it raises the loss itself, which
    :func:`.transactions.translate` makes the command's one ``Error:`` line:
    the warning says it again, a Python repr on a line of its own.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False (dropped) for psycopg's "error ignored ..." records."""
        return not str(record.msg).startswith("error ignored ")


_CLEANUP_AFTER_ERROR = CleanupAfterError()


# psycopg's loggers that say "error ignored ...": a filter on a logger does not see its
# children's records, so each is named.
PSYCOPG_LOGGERS = ("psycopg", "psycopg.transaction")


def _quiet_cleanup_warnings() -> None:
    """Filter psycopg's own loggers once, whoever configures the handlers."""
    for name in PSYCOPG_LOGGERS:
        psycopg_log = logging.getLogger(name)
        if _CLEANUP_AFTER_ERROR not in psycopg_log.filters:
            psycopg_log.addFilter(_CLEANUP_AFTER_ERROR)


def _sqlite_engine(url: URL, *, read_only: bool = False) -> Engine:
    database = url.database or ""
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000},
        # JSON columns (evidence, daemon state) may quote a name that is not UTF-8.
        "json_serializer": json_shown,
        "json_deserializer": functools.partial(json_read, masked(url)),
    }
    if database in ("", ":memory:"):
        kwargs["poolclass"] = StaticPool  # one shared in-memory database
        kwargs["connect_args"]["check_same_thread"] = False
    elif read_only:
        url = never_created(read_only_place(url))
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        url = read_only_place(url)
    engine = create_engine(url, **kwargs)
    if database not in ("", ":memory:") and not database.startswith("file:"):
        pin(engine, Path(database).expanduser())  # first: before any listener reads the index
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def read_only_place(url: URL) -> URL:
    """``url``, or a read-only URI for it when its file lies in a folder no one here may write.

    A ledger on a read-only file system (a show's archive mounted read-only,
    a snapshot) or in a folder this user may not write is still a ledger to
    read: ``history``, ``ls``, ``verify``, ``audit --no-record``. But SQLite
    in WAL mode opens a database by creating its ``-shm`` file beside it, so
    a plain open fails there ("unable to open database file"). Opened
    ``mode=ro``, SQLite reads the write-ahead log through the ``-shm`` file
    where both are there (committed transactions not yet in the main file);
    where neither holds anything, the file is all there is and is opened
    ``immutable``, which needs no ``-shm``. A log that holds transactions
    without its ``-shm`` cannot be read in place, and is refused rather than
    read as an older ledger. Every write is then refused by SQLite itself.
    """
    database = url.database or ""
    path = Path(database).expanduser()
    if database.startswith("file:") or not path.is_file() or os.access(path.parent, os.W_OK):
        return url
    log, index = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    logged = _size(log) > 0
    if logged and not index.is_file():
        raise LedgerUnavailable(
            f"the ledger's folder cannot be written, and its write-ahead log ({log.name}) holds"
            " transactions that cannot be read without the -shm file SQLite would create there",
            where=str(path),
            fix=f"copy {path.name} and {log.name} together to a folder you may write, and open"
            " the copy",
        )
    options = {"mode": "ro"} if logged else {"mode": "ro", "immutable": "1"}
    return url.set(database=f"file:{quote(os.fsencode(path))}", query={**options, "uri": "true"})


def never_created(url: URL) -> URL:
    """``url`` opened ``mode=rw``: SQLite opens the file, and never makes one where there is none.

    A reader (the web view) may outlive its ledger file: deleted or moved
    away while it serves, a connection it opened after would otherwise create
    an empty database there, and read "no such table" from it. A URI name
    (``file:``, from :func:`read_only_place` or the user) is left as it is.
    """
    database = url.database or ""
    if database.startswith("file:"):
        return url
    path = os.fsencode(Path(database).expanduser())
    return url.set(database=f"file:{quote(path)}", query={**url.query, "mode": "rw", "uri": "true"})


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN is switched off: we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={BUSY_TIMEOUT_MS}",
        "synchronous=FULL",
        "foreign_keys=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _set_role(role: str, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SET ROLE to a name no role has fails as an "invalid parameter value", a database
    # error like any other; a mistyped setting says so in words instead.
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s::name", (role,))
    if cursor.fetchone() is None:
        cursor.close()
        raise ConfigError(
            f"database role '{role}' does not exist",
            where="web_db_role",
            fix="create it (`provenance db roles`, docs/POSTGRES_ROLES.md) or fix the setting",
        )
    cursor.execute('SET ROLE "' + role.replace('"', '""') + '"')  # for the whole session
    dbapi_connection.commit()
    cursor.close()


def _refuse_writes(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor.execute("PRAGMA query_only=ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
