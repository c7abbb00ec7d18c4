"""The cyclic garbage collector, kept from walking what a command loads once.

A command imports most of what it runs lazily, and the imports make objects
(modules, classes, SQLAlchemy's tables) that live as long as the process.
Each import of a large package allocates enough to set off the collector's
full pass, which walks every object not frozen: an audit paid two or three
of them (0.02-0.05 s of CPU each) in the middle of its imports, over objects
that can never be garbage. :func:`collector_paused` holds the collector off
while such imports run; the caller then freezes what they made
(``gc.freeze``), so no later pass walks it either.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off within (as it was, after): for loading modules."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
