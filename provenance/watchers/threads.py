"""Supervised loops: the daemon's own threads.

Each of the daemon's threads (settler, workers, recorder, reconciler) is a
:class:`Loop` that repeats one step until told to stop. An exception in a
step is logged and counted, and the loop goes on (a handler error must never
kill delivery: watchdog #427, #793). Only an error that escapes the loop
itself, which would be a bug, ends the thread; the supervisor sees it dead
and the daemon exits non-zero so that its service manager restarts it.

A step that keeps failing the same way (no reader process can start, the
ledger is down) is logged once in full; its repeats are summed up once a
minute and when the step works again (:class:`ErrorLog`), so a log shows
what happened instead of one traceback a second per thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from provenance.errors import ProvenanceError

log = logging.getLogger(__name__)

# After a failed step, wait this long before the next, so a persistent error cannot spin.
ERROR_PAUSE = 1.0
# How often the repeats of one error are summed up in the log while they go on.
REPEAT_SECONDS = 60.0


class ErrorLog:
    """What one loop logs of its failures: each new error once, its repeats summed up.

    Two failures are the same error when their type and message are: a
    :class:`~provenance.errors.ProvenanceError` is logged as its one line
    (what, where, what to do), any other exception with its traceback, since
    it is a bug.
    """

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._name = name
        self._clock = clock
        self._last: tuple[type[BaseException], str] | None = None
        self._repeats = 0
        self._since = 0.0

    def failed(self, exc: Exception) -> None:
        """Log ``exc``, in full if it is new, else as one of a count of repeats."""
        key = (type(exc), str(exc))
        if key != self._last:
            self._flush()
            self._last, self._since = key, self._clock()
            self._first(exc)
            return
        self._repeats += 1
        if self._clock() - self._since >= REPEAT_SECONDS:
            self._flush()
            self._since = self._clock()

    def worked(self) -> None:
        """The step worked: say how often the last error repeated, and forget it."""
        if self._last is not None:
            self._flush()
            log.info("%s works again", self._name)
            self._last = None

    def _first(self, exc: Exception) -> None:
        if isinstance(exc, ProvenanceError):
            log.error("error in %s; continuing: %s", self._name, exc.message)
        else:
            log.error("error in %s; continuing", self._name, exc_info=exc)

    def _flush(self) -> None:
        if self._repeats and self._last is not None:
            kind, message = self._last
            log.error(
                "error in %s repeated %d more times: %s: %s",
                self._name, self._repeats, kind.__name__, message,
            )  # fmt: skip
        self._repeats = 0


class Loop(threading.Thread):
    """A named thread repeating ``step`` until :meth:`stop`; errors in a step are survived."""

    def __init__(
        self,
        name: str,
        step: Callable[[threading.Event], None],
        on_error: Callable[[], None],
        pause: float = ERROR_PAUSE,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.stopping = threading.Event()
        self._step = step
        self._on_error = on_error
        self._pause = pause
        self._errors = ErrorLog(name)

    def run(self) -> None:
        """Repeat the step; log and count its errors."""
        while not self.stopping.is_set():
            try:
                self._step(self.stopping)
            except Exception as exc:  # noqa: BLE001 - supervision: one bad item must not stop the loop
                self._errors.failed(exc)
                self._on_error()
                self.stopping.wait(self._pause)
            else:
                self._errors.worked()

    def stop(self) -> None:
        """Ask the loop to finish its current step and end."""
        self.stopping.set()
