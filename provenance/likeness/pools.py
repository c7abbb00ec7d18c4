"""One set of decoding workers for every step of a pass, instead of new ones for each step.

The deferred stage runs its steps one after the other, each over a process
pool of its own: fingerprints, the generated pictures' descriptions (stills,
then clips), the region checks and the master sweeps; the audit runs several
of them too. A worker costs about 0.15 s of CPU to start, most of it
importing OpenCV (:func:`~provenance.likeness.fingerprint.limit_growth`), and
300 MiB of mappings: a scan of three pictures, two of them generated,
started up to six workers for its three steps (the README's scan of
``sample_assets`` now costs 21 % less CPU, ``bench/RESULTS.md``).

Inside :func:`shared_pools`, :func:`~provenance.likeness.fingerprint.
process_pool` lends each step a :class:`Lease` on the pass's pool (one per
number of workers) instead of a pool of its own. A lease is what its step
sees as an executor: shutting it down cancels and waits for the step's own
work only, and the workers stay for the next step. A lease whose work broke
the pool (a worker killed by a hostile file, or the memory cap) gives the
broken pool up, so the step's restart, and every later step, get fresh
workers: a crash costs the pass what it cost a step before.

Workers live for the pass, not the step; each keeps the address-space cap it
took when it started, as it did across the many pictures of one step.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_for
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager
from contextvars import ContextVar
from functools import partial
from typing import ParamSpec, TypeVar

from provenance.util.scopes import outermost

P = ParamSpec("P")
T = TypeVar("T")

_KEEP_DONE = 64  # futures a lease holds before it forgets the ones that ended well


class SharedPools:
    """The process pools of one pass, by number of workers, made with ``new`` when first asked."""

    def __init__(self, new: Callable[[int], Executor]) -> None:
        self._new = new
        self._pools: dict[int, Executor] = {}

    def lease(self, workers: int) -> Lease:
        """A lease on the pool of ``workers`` processes (started now if there is none)."""
        pool = self._pools.get(workers)
        if pool is None:
            pool = self._pools[workers] = self._new(workers)
        return Lease(self, pool)

    def give_up(self, pool: Executor) -> None:
        """Shut a broken pool down; the next lease of its size starts a new one."""
        for workers, held in list(self._pools.items()):
            if held is pool:
                del self._pools[workers]
        pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Shut every pool down (the end of the pass)."""
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


class Lease(Executor):
    """One step's use of a shared pool: an executor whose shutdown ends only its own work."""

    def __init__(self, owner: SharedPools, pool: Executor) -> None:
        self._owner, self._pool = owner, pool
        self._futures: list[Future[object]] = []

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Hand ``fn(*args, **kwargs)`` to the shared pool's workers."""
        future = self._pool.submit(fn, *args, **kwargs)
        if len(self._futures) >= _KEEP_DONE:
            self._futures = [f for f in self._futures if not _ended_well(f)]
        self._futures.append(future)  # type: ignore[arg-type]
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """End this step's work (cancel what has not started, with ``cancel_futures``; wait for
        the rest, with ``wait``); the workers stay, unless this step's work broke them."""
        if cancel_futures:
            for future in self._futures:
                future.cancel()
        if wait:
            wait_for(self._futures)
        if any(_broke(f) for f in self._futures):
            self._owner.give_up(self._pool)
        self._futures = []


def _ended_well(future: Future[object]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _broke(future: Future[object]) -> bool:
    return (
        future.done()
        and not future.cancelled()
        and isinstance(future.exception(), BrokenProcessPool)
    )


_SHARED: ContextVar[SharedPools | None] = ContextVar("likeness_pools", default=None)


def current() -> SharedPools | None:
    """The pass's shared pools, inside :func:`shared_pools`; else None."""
    return _SHARED.get()


def shared_pools(new: Callable[[int], Executor]) -> AbstractContextManager[SharedPools]:
    """Share decoding workers between the steps run inside (``new`` makes a pool).

    Nested, the outer pass's pools serve: they are closed when it ends.
    """
    return outermost(_SHARED, partial(SharedPools, new), SharedPools.close)
