"""The watch daemon: the only package that imports watchdog.

All it does with a settled file is ingest it (:func:`provenance.ingest.record.examine`
and :func:`provenance.ingest.record.record_examined`, the two halves of ``ingest``).
Start at :mod:`.daemon`, which lists the parts in the order they run.

Names load on first use (PEP 562), so that the CLI can read the service
kinds in :mod:`.service` without loading the daemon and the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.util.lazy import lazy_exports

if TYPE_CHECKING:
    from provenance.watchers.daemon import Environment, WatchDaemon
    from provenance.watchers.roots import roots_for
    from provenance.watchers.signals import install_signal_handlers

_HOMES = {
    "Environment": "provenance.watchers.daemon",
    "WatchDaemon": "provenance.watchers.daemon",
    "install_signal_handlers": "provenance.watchers.signals",
    "roots_for": "provenance.watchers.roots",
}

__all__ = ["Environment", "WatchDaemon", "install_signal_handlers", "roots_for"]


__getattr__ = lazy_exports(__name__, _HOMES)
