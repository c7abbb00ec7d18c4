"""Starting worker processes while other threads import: one lock for both.

A worker process takes the parent's ``sys.path`` with it: ``spawn`` and
``forkserver`` send it to the child, which imports everything from it, and
``fork`` copies it. Some packages change that path while they import.
OpenCV's loader (``cv2/__init__.py``) puts its own folder at the front of it
while its native module loads, and takes it away afterwards (opencv#18502).
That folder holds packages named like the standard library's (``cv2/typing``),
so a worker started by another thread in that window imports OpenCV's
``typing`` instead of Python's, and dies before it is ready.

The daemon met this: its likeness thread imports OpenCV the first time it
fingerprints, which is when a burst of files arrives and the examining
threads start their guarded workers. Both workers died
(:class:`~provenance.util.guard.WorkerStartFailed`), and about 4 % of the
processes started in that window did the same when it was reproduced.

So every worker process the package starts is started holding
:data:`STARTING` (the contexts of :func:`context` do it), and OpenCV is
imported holding it too (:mod:`provenance.likeness.opencv`). Nothing else
the package imports was seen changing ``sys.path``.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing import context as contexts
from multiprocessing.process import BaseProcess
from typing import TypeAlias

from provenance.util import logs

STARTING = threading.RLock()


class _Locked(BaseProcess):
    """A process whose start waits for imports that change ``sys.path`` (and they for it),
    and that logs as its parent does (:mod:`provenance.util.logs`)."""

    _logging: tuple[logs.Applier, logs.LogSetup] | None = None

    def start(self) -> None:
        """Start the process, holding :data:`STARTING`."""
        if self._start_method != "fork":  # type: ignore[attr-defined]
            # Pickled with the process for spawn and forkserver; a fork inherits the setup.
            self._logging = logs.for_workers()
        with STARTING:
            super().start()

    def run(self) -> None:
        """The process's work, logging as its parent does."""
        if self._logging is not None:
            apply, setup = self._logging
            apply(setup)
        super().run()


class _ForkProcess(_Locked, contexts.ForkProcess):
    pass


class _ForkServerProcess(_Locked, contexts.ForkServerProcess):
    pass


class _SpawnProcess(_Locked, contexts.SpawnProcess):
    pass


class _Fork(contexts.ForkContext):
    Process = _ForkProcess


class _ForkServer(contexts.ForkServerContext):
    Process = _ForkServerProcess


class _Spawn(contexts.SpawnContext):
    Process = _SpawnProcess


Context: TypeAlias = _Fork | _ForkServer | _Spawn  # what context() gives: each has Process
_CONTEXTS: dict[str, type[Context]] = {
    "fork": _Fork,
    "forkserver": _ForkServer,
    "spawn": _Spawn,
}


def context(method: str) -> Context:
    """A multiprocessing context for ``method`` whose processes start holding :data:`STARTING`.

    Use it wherever ``multiprocessing``'s own ``get_context`` would be used
    (``Process``, or ``ProcessPoolExecutor(mp_context=...)``). Raises
    ``ValueError`` for a method this platform does not have, as
    ``get_context`` does.
    """
    if method not in multiprocessing.get_all_start_methods():
        raise ValueError(f"cannot find context for {method!r}")
    return _CONTEXTS[method]()


def clean_context() -> Context:
    """``forkserver`` where there is one (workers start from a clean process, never a copy of
    a parent that holds threads), else ``spawn``; processes start holding :data:`STARTING`."""
    methods = multiprocessing.get_all_start_methods()
    return context("forkserver" if "forkserver" in methods else "spawn")
