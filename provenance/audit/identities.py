"""Media identity read by an audit: the known files whose asset was recorded without one.

An asset recorded before migration 0011 (or while its identity could not be
read) has no timecode, reel or UMID, so a cut whose media goes offline cannot
find it by them. An audit that records its run reads, for every delivered
file that *is* such an asset, the identity the file says
(:func:`provenance.ingest.identity.read_identity`: a header for frames and
BWF audio, the container's metadata for a video), and the ledger fills it in
with an ``identified`` event (:mod:`provenance.store.identify`). Assets that
have an identity are not read again.

The event names the file as the report does: a member of an archive as the
archive's path and the member's (``/deliveries/reel1.zip/A001.mov``), never
the temporary folder the audit unpacked it into, which is gone once the
audit ends (``named``, given by the audit run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from provenance.ingest.identity import read_identity

if TYPE_CHECKING:
    from provenance.audit.package import Item
    from provenance.store.writer import Identity


def late_identities(
    items: Iterable[Item], named: Callable[[Item], str] = lambda item: str(item.path)
) -> list[Identity]:
    """(asset, path, identity) of known files whose asset has no identity but whose file has.

    ``named`` gives each file's path as the event is to name it (default: where it is read).
    """
    # Lazy: the records' module is the store's, which the audit loads only once hashing runs.
    from provenance.store.records import IDENTITY_FIELDS  # noqa: PLC0415

    found: list[Identity] = []
    for item in items:
        asset = item.seen.asset
        if asset is None or any(getattr(asset, name) is not None for name in IDENTITY_FIELDS):
            continue
        identity = read_identity(item.path, asset.format, asset.duration)
        if identity is not None:
            details = {k: v for k, v in identity.fields().items() if v is not None}
            found.append((asset.sha256, named(item), details))
    return found
