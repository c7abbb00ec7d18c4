"""What an event carries of a row's value too large to chain whole: its canonical SHA-256.

An asset's ``evidence`` (which markers said what: the list of
:meth:`~provenance.evidence.Evidence.to_dict` items that reports,
``history``, the web view and the use log read) and its ``prompt`` (which
the audit and ``rescreen`` screen against today's watchlists) are part of
its row, so the ``detected`` event must cover them: else an insider could
erase a C2PA claim or a generator's parameters, or the talent's name from a
prompt, and ``verify`` would still pass. The event carries
``evidence_sha256`` and ``prompt_sha256``, not the values: a prompt alone may
be 32 KiB (``MAX_PROMPT``) and a generator's fields as large, where a
``detected`` event's details are some 50 to 120 bytes; the chain is kept
forever and hashed whole by every ``verify``, and a prompt in it could never
be taken out again. The digests cost some 160 bytes an event and say whether
the row changed, not what it held (the backup says that).

A digest is of :func:`~provenance.store.chain.canonical_json` of the value as
the row stores it (names as shown, see :mod:`provenance.util.names`), so a
row read back gives the same digest whatever order its JSON text gives each
item's keys, and on either backend. The evidence items' order is kept: it is
the detectors' order, and of equally ranked items the first is the one a
report names as the reason (``Classification.strongest``).
"""

from __future__ import annotations

import hashlib
import json

from provenance.store.chain import canonical_json
from provenance.util.names import shown_values


def digest_as_stored(value: object) -> str | None:
    """The digest an event carries of ``value`` as the writer holds it (None for None)."""
    return None if value is None else digest(shown_values(value))


def digest(stored: object) -> str | None:
    """The SHA-256 of the canonical JSON of a value read back from a row (None for NULL)."""
    if stored is None:
        return None
    return hashlib.sha256(canonical_json(stored).encode()).hexdigest()


def text_digest(text: str | None) -> str | None:
    """The digest of a JSON column's text as read (None for SQL NULL); text that is not
    JSON, as words that say so (a difference to name, never a crash)."""
    if text is None:
        return None
    try:
        return digest(json.loads(text))
    except json.JSONDecodeError:
        return f"not JSON: {text[:40]!r}"
