"""Supervised loops: the daemon's own threads.

Each of the daemon's threads (settler, workers, recorder, reconciler) is a
:class:`Loop` that repeats one step until told to stop. An exception in a
step is logged and counted, and the loop goes on (a handler error must never
kill delivery: watchdog #427, #793). Only an error that escapes the loop
itself, which would be a bug, ends the thread; the supervisor sees it dead
and the daemon exits non-zero so that its service manager restarts it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

# After a failed step, wait this long before the next, so a persistent error cannot spin.
ERROR_PAUSE = 1.0


class Loop(threading.Thread):
    """A named thread repeating ``step`` until :meth:`stop`; errors in a step are survived."""

    def __init__(
        self, name: str, step: Callable[[threading.Event], None], on_error: Callable[[], None]
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.stopping = threading.Event()
        self._step = step
        self._on_error = on_error

    def run(self) -> None:
        """Repeat the step; log and count its errors."""
        while not self.stopping.is_set():
            try:
                self._step(self.stopping)
            except Exception:  # supervision: one bad item must not stop the loop
                log.exception("error in %s; continuing", self.name)
                self._on_error()
                self.stopping.wait(ERROR_PAUSE)

    def stop(self) -> None:
        """Ask the loop to finish its current step and end."""
        self.stopping.set()
