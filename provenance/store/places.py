"""The ``locations`` table compared with what the events say of it.

The fold (:class:`~.projection.Projection`, its ``locations``) knows, for
every (asset, host, path) an event put a file at, whether the file is there
now; the rows say the same or :func:`compare_places` names them: a copy
marked gone (or back) by hand, a location no event opened (one invented, or
a path edited: the edited row and the missing one are both named), and a
location the events have that the ledger lost. Only ``present`` and the
row's existence are compared; the stamps and times are not chained (see
:mod:`.projection`).

Rows are streamed, not loaded: a ledger holds a few locations an asset, and
``verify`` keeps only the fold's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from provenance.store.projection import Difference
from provenance.util.names import shown

PlaceRow = tuple[str, str, str, object]  # asset sha256, host, path, present (as read)


def compare_places(expected: Mapping[str, int], rows: Iterable[PlaceRow]) -> list[Difference]:
    """Every location row that differs from the events, has no event, or is missing, in
    (asset, host, path) order.

    ``expected`` is :attr:`~.projection.Projection.locations`: by
    :func:`~.projection.place_key`, the event that last set the location,
    negative once the file is no longer there.
    """
    left = dict(expected)
    found: list[tuple[str, str, str, str]] = []  # asset, host, path, what differs
    for sha, host, path, present in rows:
        seq = left.pop(f"{sha}\0{host}\0{path}", None)  # place_key, inline: a row each
        if seq is None:
            found.append((sha, host, path, ": row has no event"))
        elif present != (seq > 0):
            said = f"ledger says {_said(present)}, events say {_said(seq > 0)}"
            found.append((sha, host, path, f" present: {said} (event {abs(seq)})"))
    for key, seq in left.items():
        said = f": events say it exists (event {abs(seq)}), the ledger has no row"
        sha, host, path = key.split("\0", 2)
        found.append((sha, host, path, said))
    return [_difference(*row) for row in sorted(found)]


def _difference(sha: str, host: str, path: str, text: str) -> Difference:
    where = f"{host}:{shown(path)}"
    return Difference("location", where, f"location {sha[:12]} {where}{text}", sha)


def _said(value: object) -> str:
    return "nothing" if value is None else json.dumps(value)
