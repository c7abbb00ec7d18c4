"""Guarded workers: a time budget per step, and a memory limit per process.

Parsers of hostile files fail in two ways a ``try`` cannot catch. Native
code (the C2PA SDK, image codecs) can run for minutes (the SDK is quadratic
on an MP4 of many C2PA boxes: 200,000 of them take 197 s), and no thread
can interrupt it; or it can allocate gigabytes. So that work runs in a
:class:`GuardedPool`: worker processes started from a clean process
(``forkserver``; forking a parent with threads is unsafe), each limited to
``Budget.memory`` bytes of address space (``RLIMIT_AS``, so an allocation
past it fails in that worker instead of exhausting the machine).

A call names its *steps* as it goes (:func:`step`, e.g. one per detector),
and, for a call over a list, the *item* it is on (:func:`item`), in memory
the parent can read. The thread waiting on a worker checks the
running step's age; past ``Budget.seconds`` it kills the worker and raises
:class:`Overrun` naming the step ("c2pa: gave up after 5 s"). A worker that
dies during a call (a native crash, an allocation failure that aborts)
raises :class:`WorkerDied`, naming the step it was in. Either way the worker
is replaced and the pool goes on; both say which item the call was on, so a
caller can redo the others. Work outside any step (``step(None)``) is not
timed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from provenance.errors import ProvenanceError
from provenance.util import starts

R = TypeVar("R")
Args = tuple[object, ...]

POLL = 0.05  # seconds between looks at a running step's age
START_SECONDS = 120.0  # a worker not ready by then (imports on a loaded machine) never will be
READY = "ready"
STEP_NAME = 64  # bytes of a step's name kept in shared memory
MiB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    """What one worker may spend: seconds per step (0: no limit), bytes of memory (0: no limit)."""

    seconds: float = 0.0
    memory: int = 0


class Overrun(Exception):
    """A step ran past its time budget; its worker was killed."""

    def __init__(self, step: str, seconds: float, item: int = 0) -> None:
        self.step, self.seconds, self.item = step, seconds, item
        super().__init__(f"{step}: gave up after {seconds:g} s")


class WorkerDied(Exception):
    """The worker died during a call: a native crash, or memory past its limit."""

    def __init__(self, step: str, memory: int, item: int = 0) -> None:
        self.step, self.item = step, item
        limit = f" or went past its {memory // MiB} MB" if memory else ""
        super().__init__(f"{step or 'worker'}: the worker process died (crashed{limit})")


@dataclass
class _Slot:
    """Shared memory: the name of the running step and when it started (monotonic seconds)."""

    name: Any  # ctypes char array
    since: Any  # ctypes double
    item: Any  # ctypes long: which of a call's items is being worked on

    def set(self, name: str | None) -> None:
        self.since.value = time.monotonic()
        self.name.value = (name or "").encode()[: STEP_NAME - 1]

    def get(self) -> tuple[str, float]:
        return self.name.value.decode(errors="replace"), self.since.value


_slot: _Slot | None = None  # set in a guarded worker only


def step(name: str | None) -> None:
    """Say what the current call does now (``None``: untimed work). Free outside a worker."""
    if _slot is not None:
        _slot.set(name)


def stepping() -> bool:
    """Whether :func:`step` tells anyone: only in a guarded worker (a loop of steps asks once)."""
    return _slot is not None


def item(index: int) -> None:
    """Say which item of its list a call works on now (its steps are that item's)."""
    if _slot is not None:
        _slot.item.value = index
        _slot.set(None)


def _serve(conn: Connection, slot: _Slot, memory: int, warm: Callable[[], object] | None) -> None:
    global _slot  # noqa: PLW0603 - the one slot of this worker process
    _slot = slot
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if warm is not None:
        warm()
    conn.send(READY)
    while (task := conn.recv()) is not None:
        function, args = task
        try:
            reply: tuple[bool, object] = (True, function(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which decides
            reply = (False, exc)
        step(None)
        conn.send(reply)


class WorkerStartFailed(ProvenanceError):
    """A worker process could not start: no file can be read safely, so none is."""


class _Worker:
    """One guarded process and the pipe to it."""

    def __init__(self, context: starts.Context, budget: Budget, warm: Callable[[], object] | None):
        self._budget = budget
        self._conn, child = context.Pipe()
        self._slot = _Slot(
            context.RawArray(ctypes.c_char, STEP_NAME),
            context.RawValue(ctypes.c_double, 0.0),
            context.RawValue(ctypes.c_long, 0),
        )
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, self._slot, budget.memory, warm), daemon=True
        )
        self.process.start()
        child.close()
        self._ready()

    def _ready(self) -> None:
        # A worker that dies before it is ready (its start-up failed: a
        # __main__ it cannot import, no memory for its imports) is no file's
        # fault; every file would otherwise be "unreadable" for it.
        try:
            ready = self._conn.poll(START_SECONDS) and self._conn.recv() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise WorkerStartFailed(
                "a worker process for reading files could not start",
                where=f"pid {self.process.pid}, exit code {self.process.exitcode}",
                fix="run provenance from its command, or from a script whose work is under"
                " if __name__ == '__main__' (as multiprocessing needs)",
            )

    def call(
        self, function: Callable[..., object], args: tuple[object, ...]
    ) -> tuple[bool, object]:
        """(True, result) or (False, the exception ``function`` raised)."""
        self._slot.set(None)
        self._slot.item.value = 0
        self._conn.send((function, args))
        while not self._conn.poll(POLL):
            self._check()
        try:
            ok, value = self._conn.recv()
        except (EOFError, OSError):
            raise WorkerDied(
                self._slot.get()[0], self._budget.memory, self._slot.item.value
            ) from None
        return ok, value

    def _check(self) -> None:
        name, since = self._slot.get()
        seconds = self._budget.seconds
        if name and seconds and time.monotonic() - since > seconds:
            self.kill()
            raise Overrun(name, seconds, self._slot.item.value)

    def kill(self) -> None:
        """Stop the process now (native code cannot be interrupted any other way)."""
        if self.process.pid is not None and self.process.is_alive():
            # It may end between the look and the kill (a worker that failed to start).
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
        self.process.join()
        self._conn.close()

    def stop(self) -> None:
        """Ask the process to finish, then make sure it did."""
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self.process.join(timeout=2.0)
        self.kill()


class GuardedPool:
    """``workers`` guarded processes, shared by any number of threads; started on first use.

    :meth:`run` blocks the calling thread until a worker is free and the call
    is done. ``warm`` runs once in each worker as it starts (loading what
    every call needs).
    """

    def __init__(
        self, workers: int, budget: Budget, warm: Callable[[], object] | None = None
    ) -> None:
        self.budget = budget
        self._warm = warm
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(max(1, workers)):
            self._idle.put(None)  # a place for a worker, started when first needed
        self._all: set[_Worker] = set()
        self._context = starts.clean_context()

    def run(self, function: Callable[..., R], *args: object) -> R:
        """``function(*args)`` in a worker; raises :class:`Overrun` or :class:`WorkerDied`.

        An exception ``function`` raises is raised here, and the worker lives on.
        """
        worker = self._idle.get() or self._start_in_place()
        try:
            ok, value = worker.call(function, args)
        except BaseException:
            # Overrun, WorkerDied, or the caller interrupted: the worker's
            # state is unknown (it may still be working), so it goes.
            self._all.discard(worker)
            worker.kill()
            self._idle.put(None)
            raise
        self._idle.put(worker)
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]

    def _start_in_place(self) -> _Worker:
        # The place was taken from the idle queue; a start that fails gives it
        # back, or a pool whose workers could not start once would wait forever.
        try:
            worker = _Worker(self._context, self.budget, self._warm)
        except BaseException:
            self._idle.put(None)
            raise
        self._all.add(worker)
        return worker

    def pids(self) -> list[int]:
        """The worker processes running now (for measuring them)."""
        return [w.process.pid for w in list(self._all) if w.process.pid is not None]

    def close(self) -> None:
        """Stop every worker (calls still running are the callers' to finish first)."""
        for worker in list(self._all):
            worker.stop()
        self._all.clear()
