"""What ``provenance db roles`` checks of the three role names before it grants anything.

Applying the roles makes the daemon a member of the reader, and the approver
of the daemon, so every login in a role holds the rights of the roles below
it. Names that already stand for something else would turn that into a
leak or a failure half-way:

* a name that is the tables' owner or a superuser (or a member of one: the
  connected user, ``postgres``) would make every daemon and approver login a
  member of it, able to ``SET ROLE`` to it and switch the guards off, and the
  owner would lose its own grants to the ``REVOKE``;
* a role named twice, or one that is already a member of a role above it
  (the reader and approver named the other way round after a first run), asks
  for a circle of memberships, which the server refuses on the ``GRANT``.

:func:`problem_with` finds these by asking the server, in the transaction
that then applies the roles, before any statement changes a thing.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Whether the role can act as a superuser or as the owner of the schema's events
# table: a role is a member of itself, so the owner and superusers themselves count.
_POWERFUL = text(
    "SELECT EXISTS (SELECT 1 FROM pg_roles r, pg_roles s WHERE r.rolname = :name"
    " AND pg_has_role(r.oid, s.oid, 'MEMBER') AND (s.rolsuper OR s.oid = (SELECT relowner"
    " FROM pg_class WHERE oid = to_regclass(quote_ident(current_schema()) || '.events'))))"
)
_MEMBER = text(
    "SELECT EXISTS (SELECT 1 FROM pg_roles a, pg_roles b WHERE a.rolname = :a"
    " AND b.rolname = :b AND pg_has_role(a.oid, b.oid, 'MEMBER'))"
)
KINDS = ("reader", "daemon", "approver")


def problem_with(conn: Connection, names: tuple[str, str, str]) -> str | None:
    """Why these names (reader, daemon, approver) cannot be applied as the roles, in words;
    None when they can."""
    given = dict(zip(KINDS, names, strict=True))
    for kind, name in given.items():
        if not name.strip():
            return f"the {kind} role's name is empty"
    if len(set(given.values())) < len(given):
        return f"the reader, daemon and approver must be three different roles ({_listed(names)})"
    for kind, name in given.items():
        if conn.execute(_POWERFUL, {"name": name}).scalar_one():
            return (
                f"the {kind} role {name!r} is the ledger tables' owner or a superuser (or a"
                " member of one): every login in the roles would hold its rights"
            )
    return _circle(conn, given)


def _circle(conn: Connection, given: dict[str, str]) -> str | None:
    """A role that is already a member of one above it (its rights would flow downwards)."""
    for low, high in (("reader", "daemon"), ("reader", "approver"), ("daemon", "approver")):
        if conn.execute(_MEMBER, {"a": given[low], "b": given[high]}).scalar_one():
            return (
                f"the {low} role {given[low]!r} is already a member of the {high} role"
                f" {given[high]!r}: it would hold the {high}'s rights"
            )
    return None


def _listed(names: tuple[str, str, str]) -> str:
    return ", ".join(f"{kind} {name!r}" for kind, name in zip(KINDS, names, strict=True))
