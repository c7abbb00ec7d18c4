"""Reference documents, found the way people name them.

An approval rests on a reference document (a signed PDF, an email) whose
bytes the ledger keeps. ``provenance document`` writes one back out, found by
the approval's number (``12`` or ``#12``, as ``ls --needs-approval`` and the
disclosure report print it) or by any unique prefix of the document's
SHA-256 (the audit prints 12 digits).
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.errors import AmbiguousTarget, TargetNotFound
from provenance.files.hashing import is_sha256_prefix
from provenance.lifecycle.context import Lifecycle
from provenance.store import CANDIDATES_SHOWN, MIN_PREFIX, require_prefix_length


@dataclass(frozen=True)
class StoredDocument:
    """A reference document as it was approved: its hash, file name and bytes."""

    sha256: str
    name: str
    content: bytes


def reference_document(lc: Lifecycle, text: str) -> StoredDocument:
    """The reference document ``text`` names: an approval number, or a SHA-256 prefix."""
    sha = _by_approval(lc, text) if _is_approval_number(text) else _by_prefix(lc, text)
    stored = lc.ledger.approvals.document(sha)
    if stored is None:
        raise TargetNotFound(
            "the ledger has no reference document with this hash",
            where=sha,
            fix="`provenance history FILE` lists an asset's approvals and their documents",
        )
    return StoredDocument(sha, stored[0], stored[1])


def _is_approval_number(text: str) -> bool:
    # "123456" could be either; six digits or more reads as a hash prefix.
    digits = text.removeprefix("#")
    return digits.isdigit() and (text.startswith("#") or len(digits) < MIN_PREFIX)


def _by_approval(lc: Lifecycle, text: str) -> str:
    record = lc.ledger.approvals.get(int(text.removeprefix("#")))
    if record is None:
        raise TargetNotFound(
            "no approval with this number", where=text, fix="see `provenance ls --needs-approval`"
        )
    return record.reference_sha256


def _by_prefix(lc: Lifecycle, text: str) -> str:
    if not is_sha256_prefix(text):
        raise TargetNotFound(
            "not an approval number or a document hash",
            where=text,
            fix="give an approval number (12 or #12) or the document's SHA-256 (a prefix will do)",
        )
    require_prefix_length(text)
    found = lc.ledger.approvals.document_shas(text, CANDIDATES_SHOWN + 1)
    if not found:
        raise TargetNotFound(
            "no reference document with this hash in the ledger",
            where=text,
            fix="give an approval number (12 or #12), or check the hash",
        )
    if len(found) > 1:
        listed = ", ".join(sha[:16] for sha in found[:CANDIDATES_SHOWN])
        raise AmbiguousTarget(
            f"this hash prefix matches several documents: {listed}",
            where=text,
            fix="give more digits",
        )
    return found[0]
