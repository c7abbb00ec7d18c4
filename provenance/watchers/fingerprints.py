"""When the watch daemon runs a fingerprint pass.

Assets the daemon records get their near-match fingerprints in a pass of
their own, after their ledger rows (see :mod:`provenance.likeness.stage`).
A pass asks the ledger which of this host's present images and videos have
none, so running one every heartbeat would query a studio-wide ledger
every ten seconds from every workstation, mostly to learn there is nothing
to do. A pass runs instead when there may be work:

* the daemon recorded something other than an unchanged file since the
  last pass (new content, or known content at a new path of this host);
* a failed asset's backoff has run out (see :mod:`provenance.likeness.retry`):
  its fingerprints, its description, its region check or its sweep;
* a sweep is due (every fifteen minutes, and at start): the assets some
  other process recorded on this host, such as a scan stopped before its
  own fingerprint stage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from provenance.likeness.retry import RetryBackoff

SWEEP_EVERY = 15 * 60.0


class FingerprintSchedule:
    """Says when a fingerprint pass is due, and holds the retry backoff passes share."""

    def __init__(
        self, sweep_every: float = SWEEP_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.retry = RetryBackoff(clock=clock)
        self.describe_retry = RetryBackoff(clock=clock)  # the generated pictures' descriptions
        self.region_retry = RetryBackoff(clock=clock)  # the other pictures' region checks
        self.sweep_retry = RetryBackoff(clock=clock)  # the master sweeps of the other videos
        self._sweep_every, self._clock = sweep_every, clock
        self._wanted = threading.Event()
        self._last_pass: float | None = None

    def want(self) -> None:
        """Something was recorded that may need fingerprints."""
        self._wanted.set()

    def due(self) -> bool:
        """True when a pass may find work."""
        now = self._clock()
        if self._wanted.is_set() or self._last_pass is None:
            return True
        if now - self._last_pass >= self._sweep_every:
            return True
        return any(at is not None and at <= now for at in self._retries_due())

    def _retries_due(self) -> list[float | None]:
        """When each backoff's earliest wait runs out (None: nothing waits in it)."""
        backoffs = (self.retry, self.describe_retry, self.region_retry, self.sweep_retry)
        return [backoff.next_due() for backoff in backoffs]

    def begin(self) -> None:
        """A pass starts now: what was wanted until now, it will see."""
        self._wanted.clear()
        self._last_pass = self._clock()
