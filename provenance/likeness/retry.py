"""When to try again to fingerprint an asset whose last attempt failed for a passing reason.

Fingerprinting ends in a status the content decides (``ok``, ``flat``,
``undecodable``: bytes that do not decode never will...), which the ledger
stores so it is never redone, or in one that may pass: ``error`` (a read
that failed on a share that went away, a worker killed or out of memory)
or ``unavailable`` (no EXR decoder or PyAV installed yet). Those are not
stored at once, so they are tried again.

An ``error`` is tried :data:`ATTEMPTS` times in all (about two hours of
doubling waits), then stored with its reason, so a file that kills its
worker every time is not decoded for ever. The audit does not take a
stored ``error`` as an answer: it tries the picture itself, and blocks it
if that fails too. ``unavailable`` is never stored: it ends when the
decoder is installed.

The watch daemon looks for work at every heartbeat. Without a backoff it
would retry each such asset every ten seconds for ever: a show's worth of
EXR frames on a workstation without an EXR decoder would keep a core busy
decoding nothing. :class:`RetryBackoff` doubles the wait after each failure
of an asset, from a minute up to six hours, and forgets the asset once it
gets a final status.

The backoff lives in the daemon's memory, not in the ledger, on purpose:
a failure says something about this host now (its mounts, its installed
decoders), not about the content, so another host, or this one after a
restart or an upgrade, tries afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FIRST_WAIT = 60.0
LONGEST_WAIT = 6 * 3600.0
ATTEMPTS = 8  # waits of 1, 2, 4 ... 64 minutes between them


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
            wait = min(self._longest, self._first * 2 ** min(failures - 1, 32))
            self._failing[sha256] = _Failing(failures, self._clock() + wait)
            return failures

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
