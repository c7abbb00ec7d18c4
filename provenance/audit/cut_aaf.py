"""Reading an AAF cut in a guarded worker process.

An AAF is a Microsoft compound file read by pyaaf2 (through the OTIO AAF
adapter). A damaged one fails in ways a ``try`` cannot bound: a corrupt
count in a property index makes pyaaf2 build a ``struct`` format of
billions of fields, which runs for minutes and takes gigabytes. So the
adapter runs in a :class:`~provenance.util.guard.GuardedPool` worker with a
time and memory budget, and hands back the timeline as OTIO JSON, which is
parsed here. What it raises on a damaged file (its own ``AAFError``, and
``struct.error``, ``assert`` and the like from its sector reader) is one
:class:`~provenance.errors.BadTimeline`, as is a worker killed over budget.
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


def aaf_as_json(path: Path, errors: tuple[type[BaseException], ...]) -> str:
    """The AAF at ``path`` as OTIO JSON; what ``errors`` names is a :class:`BadTimeline`."""
    pool = GuardedPool(1, Budget(AAF_SECONDS, AAF_MEMORY))
    try:
        document = pool.run(_as_json, str(path))
    except (Overrun, WorkerDied) as exc:
        raise BadTimeline(f"cannot read the timeline ({exc})", where=path, fix=FIX) from exc
    except (*errors, *BINARY_ERRORS, *_aaf_errors()) as exc:
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise BadTimeline(f"cannot read the timeline ({text})", where=path, fix=FIX) from exc
    finally:
        pool.close()
    return document


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
