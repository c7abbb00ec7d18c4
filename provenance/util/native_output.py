"""Keeping native libraries' chatter off standard output.

Native libraries print warnings on standard output: the OpenEXR binding
prints "Warning: Exception raised reading pixel data..." on a damaged file
(through pybind11, so through ``sys.stdout``), and C and C++ code writes to
file descriptor 1 directly, below Python. Standard output is reserved for
results: ``--json`` must stay valid JSON. Around such a call,
:func:`stdout_to_stderr` points both ``sys.stdout`` and descriptor 1 at
standard error, so the message is still seen, where messages belong.

The redirection is per process, so it is reference counted under a lock:
threads calling native code at once share one redirection, restored when the
last one leaves. C's stdio buffers are flushed on both edges, so nothing
written inside lands outside, nor the other way round.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

_lock = threading.Lock()
_state: dict[str, int] = {"depth": 0, "saved": -1}
_python: list[TextIO] = []  # sys.stdout while it is pointed at sys.stderr


def _flush_c_stdio() -> None:
    with contextlib.suppress(AttributeError, OSError, TypeError):
        ctypes.CDLL(None).fflush(None)


def _enter() -> None:
    with _lock:
        if _state["depth"] == 0:
            sys.stdout.flush()
            _flush_c_stdio()
            try:
                saved = os.dup(1)
                os.dup2(2, 1)
            except OSError:
                saved = -1  # no descriptor 1 or 2 to speak of: nothing to protect
            _state["saved"] = saved
            _python.append(sys.stdout)
            sys.stdout = sys.stderr
        _state["depth"] += 1


def _leave() -> None:
    with _lock:
        _state["depth"] -= 1
        if _state["depth"] > 0:
            return
        sys.stderr.flush()
        sys.stdout = _python.pop()
        if _state["saved"] >= 0:
            _flush_c_stdio()
            os.dup2(_state["saved"], 1)
            os.close(_state["saved"])
            _state["saved"] = -1


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Descriptor 1 goes to standard error for the duration (see the module docstring)."""
    _enter()
    try:
        yield
    finally:
        _leave()
