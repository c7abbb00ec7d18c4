"""Whether the comparison holds every generated asset, and filling in what it lacks.

The audit ties a delivered picture to generated material through each
generated asset's *references*: its fingerprints (the near-match index) and
its local features (the region index), one per picture of a clip. The
deferred stage computes them after an asset is recorded (at the end of
``scan``, in the background of ``watch``), so a generated asset may have none
yet: recorded by the daemon a minute ago, on another workstation where the
stage has not run, or its last attempt failed (``error``). A copy of it would
pass unseen, so the gate does not pass silently:

1. two queries find the generated images and videos with no fingerprint row
   or no features row, or an ``error`` one (a final answer such as
   ``undecodable`` or ``flat`` is complete: there is nothing to compare);
2. those present on this host are fingerprinted and described now, as the
   deferred stage would (:func:`~provenance.likeness.stage.fill_references`),
   at most :data:`FILL_LIMIT` of them an audit and for at most
   :data:`FILL_SECONDS` (a hundred generated clips could take an hour), and
   stored; what is left for later is ``postponed``;
3. what is still missing is the package's own result
   (:class:`~provenance.audit.report.PackageResult`): how many generated
   assets the comparison could not include, why, and what to do, judged by
   the policy's ``incomplete_references`` (a warning by default).

On a complete ledger this is the two queries, and no file is read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from provenance.audit.report import Omitted, PackageResult
from provenance.likeness.retry import ATTEMPTS, failures_in
from provenance.vocab import Action, Unreferenced

if TYPE_CHECKING:
    from provenance.store import Ledger, Unfinished

FILL_LIMIT = 100  # generated assets an audit fingerprints and describes itself, at most
FILL_SECONDS = 120.0  # and for how long, at most (what was not reached is postponed)
KINDS = ("image", "video")  # what has references: a picture, or a clip's sampled pictures
_WHAT_TO_DO: Mapping[Unreferenced, str] = {
    "elsewhere": "only on other hosts ({hosts}): run `provenance scan` on the host that holds them",
    "nowhere": "present on no host the ledger knows: find the files and `provenance scan` them",
    "failed": "failed to fingerprint or describe here (see `provenance history SHA`):"
    " `provenance scan` or the watch daemon tries again",
    "no_decoder": "videos, and PyAV is not installed here: install the `video` extra"
    " and run `provenance scan`",
    "postponed": f"more than one audit computes ({FILL_LIMIT}, or {FILL_SECONDS:.0f} s of"
    " work): run `provenance scan`",
    "pending": "not computed by this look, which writes nothing: `provenance audit` or"
    " `provenance scan` computes them",
}


def check_references(ledger: Ledger, action: Action, *, fill: bool = True) -> PackageResult:
    """The package's result for the generated assets the comparison lacks (none: a pass).

    With ``fill``, those present on this host are fingerprinted and described
    first, and the answers stored; without, nothing is written (a read-only
    look, such as ``history`` asks).
    """
    unfinished = _unfinished(ledger)
    if not unfinished:
        return PackageResult()
    postponed: set[str] = set()
    if fill:
        unfinished, postponed = _filled(ledger, unfinished)
    omitted = _omitted(ledger, unfinished, postponed, tried=fill)
    return PackageResult(action, _reasons(omitted), omitted) if omitted else PackageResult()


def _unfinished(ledger: Ledger, shas: Sequence[str] | None = None) -> dict[str, list[Unfinished]]:
    """The generated assets lacking fingerprints or features, each with its unfinished rows."""
    found: dict[str, list[Unfinished]] = {}
    rows = ledger.fingerprints.unfinished(KINDS, shas) + ledger.features.unfinished(KINDS, shas)
    for row in rows:
        found.setdefault(row.sha256, []).append(row)
    return found


def _given_up(rows: Sequence[Unfinished]) -> bool:
    # A stored error tried ATTEMPTS times (a file that kills its worker every time):
    # the audit does not decode it again either.
    return any(failures_in(row.reason) >= ATTEMPTS for row in rows)


def _filled(
    ledger: Ledger, unfinished: dict[str, list[Unfinished]]
) -> tuple[dict[str, list[Unfinished]], set[str]]:
    """What is still unfinished once the audit computed what it may; and what it left for later."""
    todo = sorted(sha for sha, rows in unfinished.items() if not _given_up(rows))
    now, later = todo[:FILL_LIMIT], set(todo[FILL_LIMIT:])
    if now:
        # Lazy: the decoders and numpy load only when there are pictures to decode.
        from provenance.likeness.stage import fill_references  # noqa: PLC0415

        deadline = time.monotonic() + FILL_SECONDS
        later |= fill_references(ledger, now, stop=lambda: time.monotonic() > deadline)
    return _unfinished(ledger, sorted(unfinished)), later


def _omitted(
    ledger: Ledger, unfinished: Mapping[str, list[Unfinished]], postponed: set[str], *,
    tried: bool,
) -> tuple[Omitted, ...]:  # fmt: skip
    """Each asset still unfinished, with why the audit could not finish it and where it is
    (``tried``: whether the audit computed what it could, or only looked)."""
    places = ledger.locations.present_places(unfinished)
    late = postponed if tried else set(unfinished)  # a look leaves them all for later
    found = []
    for sha, rows in sorted(unfinished.items()):
        where = tuple(sorted(places.get(sha, ())))
        found.append(Omitted(sha, _why(ledger.host, rows, where, sha in late, tried=tried), where))
    return tuple(found)


def _why(host: str, rows: Sequence[Unfinished], places: Sequence[tuple[str, str]],
         later: bool, *, tried: bool) -> Unreferenced:  # fmt: skip
    if not places:
        return "nowhere"
    if all(place_host != host for place_host, _ in places):
        return "elsewhere"
    if later:
        return "postponed" if tried else "pending"
    if any(row.kind == "video" for row in rows) and not _video_decoder():
        return "no_decoder"
    return "failed"


def _video_decoder() -> bool:
    # Lazy: the frame decoders' module loads only when a generated video is left unfinished.
    from provenance.likeness.video import available  # noqa: PLC0415

    return available()


def _reasons(omitted: Sequence[Omitted]) -> tuple[str, ...]:
    """The package's reasons: how many were left out of the comparison, then each cause's fix."""
    counts = Counter(o.why for o in omitted)
    many = len(omitted)
    head = (
        f"{many} generated asset{'s' if many > 1 else ''} could not be compared with this"
        " package (no fingerprints or local features yet): a copy of "
        f"{'one of them' if many > 1 else 'it'} would pass unseen"
    )
    hosts = sorted({h for o in omitted if o.why == "elsewhere" for h, _ in o.places})
    causes = [
        f"{counts[why]} {_WHAT_TO_DO[why].format(hosts=', '.join(hosts))}"
        for why in _WHAT_TO_DO
        if counts[why]
    ]
    return (head, *causes)
