"""Who and where: the OS user and host name stamped on every event.

Kept apart from :mod:`provenance.store.ledger` so that code which only needs
the host name (the ingest workers) does not load SQLAlchemy.
"""

from __future__ import annotations

import getpass
import os
import socket


def current_actor() -> str:
    """The OS user running this process."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid:{os.getuid()}"


def current_host() -> str:
    """This machine's host name."""
    return socket.gethostname()
