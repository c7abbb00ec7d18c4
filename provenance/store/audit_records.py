"""Plain records of audit runs: the run to record, the run recorded, and each file it matched.

What :mod:`provenance.store.audits` takes and returns. Like every record
module, nothing here imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from provenance.store.records import plain_fields


@dataclass(frozen=True)
class AuditIn:
    """One audit run, to record."""

    root: str
    verdict: str
    files: int
    passed: int
    warned: int
    blocked: int
    policy: str
    report_sha256: str


@dataclass(frozen=True)
class AuditRecord:
    """A recorded audit run: when, by whom, which package, its verdict and counts.

    ``report_sha256`` is the hash of the report the run wrote (its JSON form),
    so a report forwarded by email can be matched to the run it came from.
    """

    id: int
    at: datetime
    actor: str
    host: str
    root: str
    verdict: str
    files: int
    passed: int
    warned: int
    blocked: int
    policy: str
    report_sha256: str

    def to_dict(self) -> dict[str, object]:
        """JSON form: every field, times in RFC 3339 UTC."""
        return plain_fields(self)


@dataclass(frozen=True)
class AuditedFile:
    """A package file that matched an asset: becomes that asset's ``audited`` event.

    ``on_screen`` lists, for a delivered video that shows the asset, each
    stretch where it is seen (``tc_in``, ``tc_out``, ``start``, ``end``): what
    the generative-AI use log reports as on-screen timecodes.
    """

    sha256: str
    path: str
    verdict: str
    match: str
    on_screen: tuple[Mapping[str, object], ...] = ()
