"""The daemon's slow chores: fingerprints for what it recorded, and the daily expiry.

Both run on threads of their own (see :mod:`.daemon`), away from the path a
new file takes into the ledger: a file's row never waits for its picture to
decode, and a ledger that does not answer makes a chore wait for its next
turn, not the daemon fail.

* **Fingerprints.** Images and videos the daemon recorded get their
  near-match fingerprints and region descriptors after their ledger rows:
  the audit can only match copies of generated pictures it has references
  for. Failures wait in the schedule's retry lists.
* **Expiry.** Studio guidance makes generated material temporary. Once a
  day the daemon marks what is past its expiry, as ``provenance expire``
  does; nothing is moved or deleted here.
"""

from __future__ import annotations

import logging
import threading

from provenance.errors import LedgerUnavailable
from provenance.lifecycle import Lifecycle, expire
from provenance.lifecycle.index_check import IndexCheck
from provenance.likeness.vouch import index_distrust
from provenance.settings import Settings
from provenance.store import Ledger
from provenance.watchers.fingerprints import FingerprintSchedule
from provenance.watchers.state import DaemonState

log = logging.getLogger(__name__)

# Pictures decode for fingerprints one at a time in the daemon: a picture just
# under the pixel guard takes about 700 MB to decode (RGBA), and the daemon, a
# background service, stays under 1 GB with one (bench/bench_daemon_hostile.py).
LIKENESS_WORKERS = 1

EXPIRE_EVERY = 24 * 3600.0  # seconds between the daemon's expiry passes


class Chores:
    """The fingerprint and expiry steps, each run in a loop by a daemon thread."""

    def __init__(
        self, ledger: Ledger, settings: Settings, state: DaemonState | None = None
    ) -> None:
        self.ledger, self.settings = ledger, settings
        self._state = state  # where `provenance status` reads why the chores wait
        self.fingerprints = FingerprintSchedule()
        self.expire_every = EXPIRE_EVERY

    def fingerprint_step(self, stop: threading.Event) -> None:
        """Fingerprint what was recorded since the last step, once a heartbeat at most."""
        if stop.wait(self.settings.watch_heartbeat) or not self.fingerprints.due():
            return
        # Lazy: the decoders load on first use
        from provenance.likeness.stage import fingerprint_assets  # noqa: PLC0415

        self.fingerprints.begin()
        vouch = IndexCheck(self.ledger, self.settings)  # audits reuse what the step keeps
        try:
            retry = self.fingerprints.retry
            report = fingerprint_assets(
                self.ledger,
                retry=retry,
                describe_retry=self.fingerprints.describe_retry,
                region_retry=self.fingerprints.region_retry,
                sweep_retry=self.fingerprints.sweep_retry,
                stop=stop.is_set,
                workers=LIKENESS_WORKERS,
                vouch=vouch,
            )
        except LedgerUnavailable as exc:
            self.fingerprints.want()
            log.debug("fingerprints wait for the ledger: %s", exc.message)
            return
        self._say_index(vouch)
        if report.assets:
            log.info("fingerprinted %d of %d assets (%d wait to be retried)", report.fingerprinted,
                     report.assets, retry.waiting())  # fmt: skip

    def _say_index(self, vouch: IndexCheck) -> None:
        """Tell ``status`` whether the region checks and sweeps wait for an index the chain
        does not vouch for (only when this step loaded one: otherwise nothing is known)."""
        if self._state is None or not vouch.checked:
            return
        why = index_distrust(vouch)
        self._state.degrade("index", why and f"region checks and master sweeps wait: {why}")

    def expiry_step(self, stop: threading.Event) -> None:
        """Mark what is past its expiry, every ``expire_every`` seconds."""
        if stop.wait(self.expire_every):
            return
        try:
            expired = expire(Lifecycle(self.ledger, self.settings))
        except LedgerUnavailable as exc:
            log.debug("expiry waits for the ledger: %s", exc.message)
            return
        if expired:
            log.warning("%d generated assets expired; see `provenance expire`", len(expired))
