"""The watch daemon: the only package that imports watchdog.

All it does with a settled file is ingest it (:func:`provenance.ingest.examine`
and :func:`provenance.ingest.record_examined`, the two halves of ``ingest``).
Start at :mod:`.daemon`, which lists the parts in the order they run.
"""

from provenance.watchers.daemon import Environment, WatchDaemon, install_signal_handlers
from provenance.watchers.roots import roots_for

__all__ = ["Environment", "WatchDaemon", "install_signal_handlers", "roots_for"]
