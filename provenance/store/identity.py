"""Who and where: the OS user and host name stamped on every event.

Kept apart from :mod:`provenance.store.ledger` so that code which only needs
the host name (the ingest workers) does not load SQLAlchemy.

The user name comes from the environment first (``LOGNAME``, ``USER``, as
:func:`getpass.getuser` reads them), so it can be anything a shell can set:
bytes that are not UTF-8, a newline, a thousand characters. Once written, an
event's actor is in the chain for good, so a name the ledger cannot keep as
given is refused before the first write (:func:`check_identity`), never cut
or rewritten; reading the ledger does not need it.
"""

from __future__ import annotations

import getpass
import os
import socket

from provenance.errors import InvalidValue

IDENTITY_MAX = 255  # the width of the events' actor and host columns on PostgreSQL


def current_actor() -> str:
    """The OS user running this process."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid:{os.getuid()}"


def current_host() -> str:
    """This machine's host name."""
    return socket.gethostname()


def check_identity(actor: str, host: str) -> None:
    """Refuse a user or host name that the ledger cannot keep exactly as given.

    Too long for PostgreSQL's column (SQLite would keep it: the same name must
    be kept on every backend), not UTF-8 (the environment's odd bytes, which no
    database takes), or holding control characters (no login has them; a
    newline in an event's actor would forge a line of every log that shows it).
    """
    for what, value, source in (("user", actor, "$LOGNAME or $USER"), ("host", host, "hostname")):
        problem = _name_problem(value)
        if problem is not None:
            raise InvalidValue(
                f"the {what} name recorded with every event {problem}",
                where=source,
                fix=f"set {source} to this {what}'s real name, then run the command again",
            )


def _name_problem(name: str) -> str | None:
    if len(name) > IDENTITY_MAX:
        return f"is {len(name)} characters long; the ledger keeps {IDENTITY_MAX} at most"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not UTF-8 text"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "holds control characters"
    return None
