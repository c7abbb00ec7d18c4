"""The PostgreSQL roles and guards the project ships, applied by ``provenance db roles``.

On a studio ledger the database, not the ``provenance`` program, decides who
may do what, because anyone can run a modified program with their own login.
Three roles, each a member of the one before it:

* the **reader** (``provenance_reader``) reads every table: ``history``,
  ``ls``, ``verify``, reports, the web view;
* the **daemon** (``provenance_daemon``) also records what it sees: assets,
  locations, events, derived data of pictures, audits, heartbeats. It may
  mark assets expired, but cannot change a verdict, an approval, or any other
  status (a trigger refuses it), fills an asset's media identity only where
  it has none (the trigger refuses a change), and records only the events of its work
  (:data:`DAEMON_EVENTS`), never the lifecycle's (``approved``, ``revoked``,
  ``quarantined``...);
* the **approver** (``provenance_approver``) also records and revokes
  approvals (as itself: row-level security), replaces, sets expiry dates,
  purges and restores.

:data:`TABLE_GRANTS` says, one line per table, what the daemon and the
approver may write; every table of the models must be in it (a test checks),
so a table added without deciding who writes it fails the tests.

Whatever the role, the event log is append-only (triggers refuse UPDATE,
DELETE and TRUNCATE on ``events``, even to the tables' owner) and an event's
``actor`` and ``at`` must be the connected user and the transaction's start
as the server knows them (see :func:`.writer.server_stamp`). The guards are
the SQL in ``pg_roles.sql``. Applying is idempotent: the three roles' grants
on the ledger's tables are revoked and given again, and the guards replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from provenance.errors import ConfigError, DatabaseRefused, InvalidValue
from provenance.store.records import IDENTITY_FIELDS
from provenance.store.role_checks import problem_with
from provenance.store.transactions import Transactions

GUARDS = Path(__file__).with_name("pg_roles.sql")
_MAY = text("SELECT has_column_privilege(:t, :c, :p), current_user")

DERIVED = ("INSERT, DELETE", None)  # rows per picture: an asset's rows are replaced together
# The daemon fills an asset's empty media identity when it sees the file again (store.identify);
# a trigger (pg_roles.sql) refuses it any change to identity already recorded.
IDENTITY_COLUMNS = ", ".join(IDENTITY_FIELDS)

# Per table: what the daemon may write, and what the approver may write besides
# (None: nothing). Every role reads every table.
TABLE_GRANTS: dict[str, tuple[str | None, str | None]] = {
    "assets": ("INSERT, UPDATE (status, updated_at, " + IDENTITY_COLUMNS + ")",
               "UPDATE (status, updated_at, flags, expires_at, replaced_by)"),
    "locations": ("INSERT, UPDATE (present, size, mtime_ns, inode, last_seen)", None),
    "events": ("INSERT", None),
    "chain_head": ("UPDATE (seq, hash)", None),
    "watch_daemons": ("INSERT, UPDATE, DELETE", None),
    "watch_checkpoints": ("INSERT, UPDATE, DELETE", None),
    "documents": (None, "INSERT"),
    "approvals": (
        None,
        "INSERT, UPDATE (revoked_at, revoked_by, revoke_reason, revoke_signature, revoke_message)",
    ),
    "quarantine": (None, "INSERT, UPDATE (restored_at, deleted_at)"),
    "fingerprints": DERIVED,
    "features": DERIVED,
    "region_checks": DERIVED,
    "segments": DERIVED,
    "seals": ("INSERT", None),  # what each write of derived rows vouches for (store.seals)
    "audits": ("INSERT", None),
    "checkpoints": ("INSERT", None),  # every writer signs the head it leaves
    "alembic_version": (None, None),
}  # fmt: skip

# The events the daemon's role may add to the chain: what recording files, audits and
# expiry write. Every other kind (approved, revoked, quarantined...) is for the approver
# role and the tables' owner, so a kind added later is closed to the daemon until listed.
DAEMON_EVENTS = (
    "detected", "seen", "moved", "modified", "removed", "identified",
    "audited", "audit-recorded", "expired", "approval-lapsed", "approval-refused", "sealed",
)  # fmt: skip


@dataclass(frozen=True)
class RoleNames:
    """The names of the three roles (group roles: logins are made members of them)."""

    reader: str = "provenance_reader"
    daemon: str = "provenance_daemon"
    approver: str = "provenance_approver"

    def all(self) -> tuple[str, str, str]:
        """Reader, daemon, approver."""
        return (self.reader, self.daemon, self.approver)


@dataclass(frozen=True)
class RolesApplied:
    """What applying the roles did: in which schema, which roles it created, how many tables."""

    schema: str
    created: tuple[str, ...]
    tables: int


class RolesPart:
    """``ledger.roles``: apply the shipped roles and guards (PostgreSQL only)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def apply(self, *, reader: str, daemon: str, approver: str) -> RolesApplied:
        """Create the roles if missing, grant them, install the guards; one transaction."""
        if self._tx.engine.dialect.name != "postgresql":
            raise ConfigError(
                "database roles are for PostgreSQL ledgers only",
                where=self._tx.where,
                fix="SQLite has no users: protect its file with file permissions instead",
            )
        names = RoleNames(reader, daemon, approver)
        with self._tx.write_plain() as conn:
            problem = problem_with(conn, names.all())
            if problem is not None:
                raise InvalidValue(
                    problem,
                    where="--reader, --daemon, --approver",
                    fix="name a role of its own for each, that no login holds other rights"
                    " through (docs/POSTGRES_ROLES.md)",
                )
            return apply_roles(conn, names)

    def require(self, action: str, table: str, column: str, privilege: str) -> None:
        """Refuse ``action`` now if the connected user may not write ``column`` of ``table``.

        For commands that move files before they record the move (purge,
        restore, delete from quarantine): on a PostgreSQL ledger whose roles
        would refuse the record, they stop before the first file moves, so no
        file is ever where the ledger says it is not. Always allowed on SQLite.
        """
        with self._tx.read() as session:
            conn = session.connection()
            if conn.dialect.name != "postgresql":
                return
            args = {"t": table, "c": column, "p": privilege}
            allowed, user = conn.execute(_MAY, args).one()
        if not allowed:
            raise DatabaseRefused(
                f"database user '{user}' may not {action} ({privilege} on {table}): nothing moved",
                where=self._tx.where,
                fix="run it as a member of the approver role (`provenance db roles`,"
                " docs/POSTGRES_ROLES.md)",
            )


def apply_roles(conn: Connection, names: RoleNames) -> RolesApplied:
    """Everything ``provenance db roles`` does, on one connection (run by the tables' owner)."""
    schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    created = tuple(name for name in names.all() if _create_role(conn, name))
    for statement in [*grant_statements(names, schema), *guard_statements(names, schema)]:
        conn.exec_driver_sql(statement.replace("%", "%%"))  # the driver's placeholders
    return RolesApplied(schema, created, len(TABLE_GRANTS))


def _create_role(conn: Connection, name: str) -> bool:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if exists is None:
        conn.exec_driver_sql(f"CREATE ROLE {_quoted(name)} NOLOGIN")
    return exists is None


def grant_statements(names: RoleNames, schema: str) -> list[str]:
    """The REVOKE and GRANT statements of the three roles on the tables of ``schema``."""
    reader, daemon, approver = (_quoted(n) for n in names.all())
    schema = _quoted(schema)
    roles = f"{reader}, {daemon}, {approver}"
    statements = [
        f"GRANT {reader} TO {daemon}",
        f"GRANT {daemon} TO {approver}",
        f"GRANT USAGE ON SCHEMA {schema} TO {reader}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {roles}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {daemon}",
    ]
    for table, (by_daemon, by_approver) in TABLE_GRANTS.items():
        statements += [
            f"REVOKE ALL ON {table} FROM {roles}",
            f"GRANT SELECT ON {table} TO {reader}",
        ]
        statements += [f"GRANT {by_daemon} ON {table} TO {daemon}"] if by_daemon else []
        statements += [f"GRANT {by_approver} ON {table} TO {approver}"] if by_approver else []
    return statements


def guard_statements(names: RoleNames, schema: str) -> list[str]:
    """The statements of ``pg_roles.sql`` with this ledger's schema and approver role."""
    events = ", ".join(_literal(name) for name in DAEMON_EVENTS)
    filled = GUARDS.read_text(encoding="utf-8").format(
        schema=_quoted(schema),
        approver_name=_literal(names.approver),
        daemon_events=f"ARRAY[{events}]::text[]",
    )
    body = "\n".join(line for line in filled.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";\n\n") if s.strip()]


def _quoted(name: str) -> str:
    """A name as a SQL identifier, always double-quoted (so kept exactly, case and all)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
