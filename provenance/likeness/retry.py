"""When to try again a step of the deferred stage whose last attempt failed for a passing reason.

Written for fingerprints, and used as well by the generated pictures'
descriptions, the region checks and the master sweeps (each with a backoff
of its own, see
:class:`~provenance.watchers.fingerprints.FingerprintSchedule`): what follows
says "fingerprint", and holds for them alike.

Fingerprinting ends in a status the content decides (``ok``, ``flat``,
``undecodable``: bytes that do not decode never will...), which the ledger
stores so it is never redone, or in one that may pass: ``error`` (a read
that failed on a share that went away, a file locked, a worker killed or
out of memory) or ``unavailable`` (no EXR decoder or PyAV installed yet).

The watch daemon looks for work at every heartbeat. Without a backoff it
would retry each such asset every ten seconds for ever: a show's worth of
EXR frames on a workstation without an EXR decoder would keep a core busy
decoding nothing. :class:`RetryBackoff` doubles the wait after each failure
of an asset, from a minute up to six hours, and forgets the asset once it
gets a final status.

**An ``error`` is kept in the ledger**, at every attempt, so a restart
loses neither the file nor its count: the daemon stores the ``error`` row
with its reason and how many times in a row it failed (:func:`noted`; the
row's ``computed_at`` is the attempt's time), and a daemon that starts
again, here or on another host with the file, takes each stored count and
time up where they were (:func:`due_failures`). The count lives in the
reason's text, written and read here only (:func:`failures_in`), so that
it needs no column of its own. An ``error`` is tried :data:`ATTEMPTS` times
in all (about a day of doubling waits), then its row says it is not tried
again, so a file that kills its worker every time is not decoded for ever.
The audit does not take a stored ``error`` as an answer: it tries the
picture itself, and blocks it if that fails too.

``unavailable`` is never stored and waits in memory only: it says
something about this host's installed decoders, so a restart (perhaps after
installing one) tries afresh, and it ends when the decoder is installed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.store.likeness_records import StoredFailure

FIRST_WAIT = 60.0
LONGEST_WAIT = 6 * 3600.0
ATTEMPTS = 12  # waits of 1, 2, 4 ... 256 minutes, then 6 hours: about 20 hours in all
_COUNT = re.compile(
    r" \(failed (once|(\d+) times in a row); (?:tried again later|not tried again)\)\Z"
)


@dataclass
class _Failing:
    failures: int
    due: float


class RetryBackoff:
    """Per-asset waits after failed fingerprinting, doubling from ``first`` up to ``longest``.

    ``attempts`` is how many failures in a row a caller should allow
    before it gives up on an asset (:meth:`failed` counts them). Safe to
    share between threads. ``clock`` is monotonic seconds (tests pass
    their own).
    """

    def __init__(
        self,
        first: float = FIRST_WAIT,
        longest: float = LONGEST_WAIT,
        clock: Callable[[], float] = time.monotonic,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._first, self._longest, self._clock = first, longest, clock
        self.attempts = attempts
        self._failing: dict[str, _Failing] = {}
        self._lock = threading.Lock()
        self.resumed = False  # whether the ledger's stored failures were taken up yet

    def due(self, sha256: str) -> bool:
        """True unless the asset failed and its wait has not run out."""
        with self._lock:
            failing = self._failing.get(sha256)
            return failing is None or failing.due <= self._clock()

    def failed(self, sha256: str) -> int:
        """The asset failed again: wait twice as long as last time (``first`` the first time).

        Returns how many times in a row it has failed.
        """
        with self._lock:
            failures = self._failing[sha256].failures + 1 if sha256 in self._failing else 1
            self._failing[sha256] = _Failing(failures, self._clock() + self._wait(failures))
            return failures

    def resume(self, sha256: str, failures: int, elapsed: float) -> None:
        """Take up an asset that had failed ``failures`` times in a row, the last ``elapsed`` s ago.

        Its wait runs on from where it was (it may have run out already).
        An asset this backoff already follows keeps what it knows.
        """
        with self._lock:
            due = self._clock() + self._wait(failures) - max(elapsed, 0.0)
            self._failing.setdefault(sha256, _Failing(failures, due))

    def due_now(self) -> list[str]:
        """The assets that failed and whose wait has run out, in sha256 order."""
        with self._lock:
            now = self._clock()
            return sorted(sha for sha, f in self._failing.items() if f.due <= now)

    def _wait(self, failures: int) -> float:
        if failures < 1:  # a failure whose count was never written: due at once
            return 0.0
        return min(self._longest, self._first * 2.0 ** min(failures - 1, 32))

    def forget(self, sha256: str) -> None:
        """The asset has a final status: no wait any more."""
        with self._lock:
            self._failing.pop(sha256, None)

    def waiting(self) -> int:
        """How many assets wait to be retried."""
        with self._lock:
            return len(self._failing)

    def next_due(self) -> float | None:
        """When (on ``clock``) the earliest wait runs out; None when nothing waits."""
        with self._lock:
            return min((f.due for f in self._failing.values()), default=None)


def noted(reason: str | None, failures: int, attempts: int = ATTEMPTS) -> str:
    """The reason an ``error`` row is stored with: ``reason``, and how often it failed in a row.

    :func:`failures_in` reads the count back; after ``attempts`` the text
    says the asset is not tried again.
    """
    times = "once" if failures == 1 else f"{failures} times in a row"
    then = "not tried again" if failures >= attempts else "tried again later"
    return f"{reason or 'failed'} (failed {times}; {then})"


def failures_in(reason: str | None) -> int:
    """How many times in a row a stored ``error`` had failed, as :func:`noted` wrote it (else 0)."""
    found = _COUNT.search(reason or "")
    if found is None:
        return 0
    return 1 if found[1] == "once" else int(found[2])


def due_failures(
    failed: Callable[[Sequence[str] | None], Sequence[StoredFailure]],
    retry: RetryBackoff,
    wanted: Sequence[str] | None = None,
    *,
    stored_only: bool = False,
) -> Iterator[tuple[str, str]]:
    """(sha256, path) of this host's assets whose stored ``error`` is due to be tried again.

    ``failed`` reads the stored ``error`` rows of one step (all of them, or
    those of the assets named), such as ``ledger.regions.failed``. The first
    call with ``retry`` takes up every one (a daemon that starts again goes
    on where the last one stopped); later calls read again only the rows of
    the assets ``retry`` says are due. An asset that failed
    ``retry.attempts`` times is left alone. ``wanted`` limits what is tried
    to those assets.

    ``stored_only`` says every failure ``retry`` follows is stored (the
    region checks' and the sweeps'; not the fingerprints', whose
    ``unavailable`` waits in memory only): a due asset whose row is gone
    here (its file removed, its check redone by another process) is then
    forgotten, or its run-out wait would make a pass due at every heartbeat.
    """
    if not retry.resumed:
        now = datetime.now(UTC)
        for failure in failed(None):
            count = failures_in(failure.reason)
            if count < retry.attempts:
                retry.resume(failure.sha256, count, (now - failure.at).total_seconds())
        retry.resumed = True
    due = retry.due_now()
    if wanted is not None:
        due = sorted(set(due) & set(wanted))
    if due:
        rows = failed(due)
        if stored_only:
            for sha in set(due) - {f.sha256 for f in rows}:
                retry.forget(sha)
        for failure in rows:
            if failures_in(failure.reason) < retry.attempts:
                yield failure.sha256, failure.path


def failing_again(retry: RetryBackoff, sha256: str, reason: str | None) -> str:
    """The asset failed again for a reason that may pass: the reason to store with its ``error``.

    Its wait doubles; once it has failed ``retry.attempts`` times in a row
    it is forgotten, and the reason says it is not tried again.
    """
    failures = retry.failed(sha256)
    if failures >= retry.attempts:
        retry.forget(sha256)
    return noted(reason, failures, retry.attempts)
