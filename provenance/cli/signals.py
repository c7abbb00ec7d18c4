"""Signals during a command: the temporary area goes before the process does.

An audit unpacks archives into a temporary area
(:mod:`provenance.files.scratch`) that can hold gigabytes. Whatever ends the
command, the area goes first: SIGINT (Ctrl-C) still ends it as Python's
``KeyboardInterrupt`` does (``Error: interrupted``, exit 130); SIGTERM (a
service manager, ``kill``) and SIGHUP (a closed terminal) end it as they
would have, the process killed by that signal, once the area is removed.
SIGKILL cannot be caught by anyone.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from provenance.files.scratch import remove_live_areas

HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    remove_live_areas()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextmanager
def temp_areas_removed_on_signals() -> Iterator[None]:
    """While the block runs, a handled signal removes this process's temporary areas first."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals; the areas still go with the block
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in HANDLED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
