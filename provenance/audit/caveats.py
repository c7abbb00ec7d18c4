"""What the run could not see, or cannot trust, said on each file's result.

:func:`~provenance.audit.judge.judge` judges a file by what was found in it
and what the ledger says of it. The run then adds what it could not check,
and fails closed: a picture that does not decode blocks
(:func:`undecodable`: nothing says it is not a copy of generated
material), a picture whose decoder is not installed is at least a warning
(:func:`unchecked`), and what the audit could not look inside (an archive
not opened, a video not swept to its end) blocks (:func:`blocked`). A matched
row that is not what its events say was changed outside provenance: it
blocks (:func:`tampered`), and the approvals it names are not honoured
(:func:`trusted_approvals`). Other remarks (a video not compared for want of
PyAV, a near match kept unconfirmed) are only said (:func:`noted`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from provenance.audit.report import FileResult, worst
from provenance.rules.policy import honoured_approvals
from provenance.vocab import Action

if TYPE_CHECKING:
    from provenance.store import ApprovalRecord, Difference


def undecodable(result: FileResult, reason: str | None, action: Action) -> FileResult:
    """The result of a picture that does not decode (``reason``): at least ``action``."""
    # Fail closed: a picture that does not decode cannot be compared with the
    # generated assets, so nothing says it is not a copy of one.
    if reason is None:
        return result
    note = f"picture does not decode, so it cannot be compared with generated material ({reason})"
    return replace(result, verdict=worst([result.verdict, action]), reasons=(*result.reasons, note))


def unchecked(result: FileResult, reason: str | None) -> FileResult:
    """The result of a picture whose decoder is not installed: a pass becomes a warning."""
    # Fail towards a person's look: a picture whose decoder is not installed
    # is not silently passed.
    if reason is None:
        return result
    note = f"near-match check not possible ({reason})"
    verdict = "warn" if result.verdict == "pass" else result.verdict
    return replace(result, verdict=verdict, reasons=(*result.reasons, note))


def blocked(result: FileResult, reasons: Sequence[str]) -> FileResult:
    """The result blocked for each of ``reasons``, if any, which it then gives."""
    # What the audit could not see inside a file (an archive not opened, a video
    # not swept to its end) blocks it, whatever the file itself would have been judged.
    if not reasons:
        return result
    return replace(result, verdict="block", reasons=(*result.reasons, *reasons))


def trusted_approvals(
    approvals: Mapping[str, Sequence[ApprovalRecord]], differs: Mapping[str, Sequence[Difference]]
) -> dict[str, list[ApprovalRecord]]:
    """Each asset's honoured approvals, less those named by a row unlike its events."""
    distrusted = {d.approval for found in differs.values() for d in found if d.approval is not None}
    return {sha: honoured_approvals(records, distrusted) for sha, records in approvals.items()}


def tampered(differences: Sequence[Difference]) -> tuple[str, ...]:
    """The reasons to block a file whose matched row differs from its events (or none)."""
    # A matched row that is not what its events say was changed outside the
    # ledger's own writes: nothing it says can be relied on.
    if not differences:
        return ()
    return (
        "the ledger's row is not what its events say (changed outside provenance):",
        *(d.text for d in differences),
    )


def noted(result: FileResult, note: str | None) -> FileResult:
    """The result with ``note`` among its reasons, its verdict as it was."""
    return result if note is None else replace(result, reasons=(*result.reasons, note))
