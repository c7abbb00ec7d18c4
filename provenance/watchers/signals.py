"""The signals a service manager sends the daemon: stop (drain first) and reload."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Protocol

log = logging.getLogger(__name__)


class Signalled(Protocol):
    """What the handlers ask of the daemon; both requests are safe from a handler."""

    def request_stop(self) -> None: ...

    def request_reload(self) -> None: ...


def install_signal_handlers(daemon: Signalled) -> Callable[[], None]:
    """SIGTERM/SIGINT drain and stop, SIGHUP reloads; returns a function restoring the old ones."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.warning("%s: draining and stopping", signal.Signals(signum).name)
        daemon.request_stop()

    def reload(_signum: int, _frame: FrameType | None) -> None:
        daemon.request_reload()

    handled = {signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: reload}
    previous = {sig: signal.signal(sig, handler) for sig, handler in handled.items()}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
