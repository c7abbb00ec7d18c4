"""Backends: which of watchdog's observers watches a root, chosen in one place.

watchdog has one native observer per kernel API and a polling observer that
works anywhere:

=========  ==================  ================================================
backend    platform            kernel API
=========  ==================  ================================================
inotify    Linux               ``inotify(7)``
fsevents   macOS               FSEvents (kqueue when FSEvents cannot load)
windows    Windows             ``ReadDirectoryChangesW``
kqueue     the BSDs            ``kqueue(2)``
polling    any                 none: the tree is listed and compared
=========  ==================  ================================================

watchdog makes the same choice in ``watchdog/observers/__init__.py`` (its
``Observer``), and the table above follows it, with its platform names
(``watchdog.utils.platform``). The daemon chooses for itself because it must
know *which* backend it got: only inotify has a kernel-side event filter, an
overflow warning to listen to, and a watch budget (:mod:`.limits`); and
``Observer`` falls back to polling without saying so, where a root's reason
must say why it is polled.

Only the chosen backend's module is imported, and only when it is first
asked for: a backend written for another kernel fails to import (inotify
needs a libc that has it, FSEvents a compiled extension).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from watchdog.utils import UnsupportedLibcError, platform

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

BackendName = Literal["inotify", "fsevents", "windows", "kqueue", "polling"]
Loader = Callable[[str], ModuleType]


@dataclass(frozen=True)
class Backend:
    """One of watchdog's observers: where it lives, and whether it hears the kernel."""

    name: BackendName
    module: str
    class_name: str

    @property
    def native(self) -> bool:
        """True for kernel notifications; False for polling."""
        return self.name != "polling"

    @property
    def is_inotify(self) -> bool:
        """True for inotify, the one backend with an event filter, overflow log and budget."""
        return self.name == "inotify"

    def observer(self, interval: float, load: Loader = import_module) -> BaseObserver:
        """A new observer of this backend; polling lists the tree every ``interval`` seconds."""
        observer_class = getattr(load(self.module), self.class_name)
        if self.native:
            return observer_class()  # type: ignore[no-any-return]
        return observer_class(timeout=interval)  # type: ignore[no-any-return]


INOTIFY = Backend("inotify", "watchdog.observers.inotify", "InotifyObserver")
FSEVENTS = Backend("fsevents", "watchdog.observers.fsevents", "FSEventsObserver")
WINDOWS = Backend("windows", "watchdog.observers.read_directory_changes", "WindowsApiObserver")
KQUEUE = Backend("kqueue", "watchdog.observers.kqueue", "KqueueObserver")
POLLING = Backend("polling", "watchdog.observers.polling", "PollingObserver")

# Per platform, the native backends in the order watchdog tries them.
NATIVE: dict[str, tuple[Backend, ...]] = {
    platform.PLATFORM_LINUX: (INOTIFY,),
    platform.PLATFORM_DARWIN: (FSEVENTS, KQUEUE),
    platform.PLATFORM_WINDOWS: (WINDOWS,),
    platform.PLATFORM_BSD: (KQUEUE,),
}


def native_backend(system: str | None = None, load: Loader = import_module) -> Backend | None:
    """The first native backend of ``system`` (default: this one) that loads; None if none does.

    ``system`` is one of watchdog's platform names, read from ``sys.platform``
    at the call (not at import), so that tests can pretend to be elsewhere.
    """
    name = platform.get_platform_name() if system is None else system
    for backend in NATIVE.get(name, ()):
        if _loads(backend, load):
            return backend
    return None


def _loads(backend: Backend, load: Loader) -> bool:
    try:
        load(backend.module)
    # What a backend for another kernel raises on import: a missing extension or
    # Windows DLL (ImportError, OSError), a libc without inotify, a select without kqueue.
    except (ImportError, OSError, UnsupportedLibcError, AttributeError) as exc:
        log.debug("no %s backend here: %s", backend.name, exc)
        return False
    return True
