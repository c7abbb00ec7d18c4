"""Reading an AAF cut in a guarded worker process.

An AAF is a Microsoft compound file read by pyaaf2 (through the OTIO AAF
adapter). A damaged one fails in ways a ``try`` cannot bound: a corrupt
count in a property index makes pyaaf2 build a ``struct`` format of
billions of fields, which runs for minutes and takes gigabytes. So the
adapter runs in a :class:`~provenance.util.guard.GuardedPool` worker with a
time and memory budget, and hands back the timeline as OTIO JSON, which is
parsed here. A worker killed over budget is a
:class:`~provenance.errors.BadTimeline`; what the reader raises on a damaged
file comes back raised, and :func:`read_errors` names what it may be besides
the adapters' usual errors (its own ``AAFError``, and ``struct.error``,
``assert`` and the like from its sector reader), for the caller to turn into
one ``BadTimeline`` as it does theirs.
"""

from __future__ import annotations

import struct
from pathlib import Path

import opentimelineio as otio

from provenance.errors import BadTimeline
from provenance.util.guard import Budget, GuardedPool, MiB, Overrun, WorkerDied, step

AAF_SECONDS = 180.0  # a real cut of thousands of clips reads in seconds
AAF_MEMORY = 2048 * MiB
# What pyaaf2 lets out on a damaged compound file besides its own AAFError: it
# unpacks sectors with struct and checks their layout with assert; a corrupt
# count asks for more memory than the worker's limit allows.
BINARY_ERRORS: tuple[type[BaseException], ...] = (
    struct.error,
    AssertionError,
    NotImplementedError,
    EOFError,
    MemoryError,
)
FIX = "an AAF needs `pip install otio-aaf-adapter`; else export the cut again"


def aaf_as_json(path: Path) -> str:
    """The AAF at ``path`` as OTIO JSON; raises what the reader raised (see the module)."""
    pool = GuardedPool(1, Budget(AAF_SECONDS, AAF_MEMORY))
    try:
        return pool.run(_as_json, str(path))
    except (Overrun, WorkerDied) as exc:
        raise BadTimeline(f"cannot read the timeline ({exc})", where=path, fix=FIX) from exc
    finally:
        pool.close()


def read_errors() -> tuple[type[BaseException], ...]:
    """What the AAF reader raises on a damaged file besides the adapters' usual errors."""
    return (*BINARY_ERRORS, *_aaf_errors())


def _as_json(path: str) -> str:
    # Runs in the worker: the adapter's objects cross back as OTIO JSON.
    step("the AAF reader")
    read = otio.adapters.read_from_file(path, "AAF")
    return str(otio.adapters.write_to_string(read, "otio_json", indent=-1))


def _aaf_errors() -> tuple[type[BaseException], ...]:
    try:
        from aaf2.exceptions import AAFError  # noqa: PLC0415  (the optional AAF adapter's)
    except ImportError:
        return ()
    return (AAFError,)
