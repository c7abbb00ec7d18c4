"""Log lines on stderr, in one format, from the process and every worker it starts.

The command line sets up logging once (:mod:`provenance.cli`): plain lines,
or one JSON object a line for ``watch --log-format json``
(:class:`JsonLogFormatter`). A worker started with ``fork`` inherits that; one
started with ``forkserver`` or ``spawn`` (the guarded detectors, the likeness
workers) starts with no logging set up, and Python then prints a library's
warning as its bare message: a line a log collector reading JSON cannot
parse. So each worker process takes the parent's :class:`LogSetup` with it
and applies it before its work (:mod:`provenance.util.starts`), the way the
command line gave (:func:`carry_into_workers`): setting up logging is the
command line's business alone, in its workers too.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from provenance.util.json_shapes import timestamp
from provenance.util.names import on_one_line, shown_in_json

# Loggers whose own level the command line sets (the daemon's INFO lines).
NAMED = ("provenance",)


class PlainLogFormatter(logging.Formatter):
    """Plain log lines, one a record, whatever the file names they quote hold.

    A name may hold a newline (which would start a forged line of its own
    in the daemon's log) or an ESC (a command to the terminal showing the
    log): each line is written as :func:`~provenance.util.names.on_one_line`
    writes it. A traceback below the line keeps its own lines.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        """The record's line, control characters and all written ``\\xNN``."""
        return on_one_line(super().formatMessage(record))


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log line, for log collectors (``--log-format json``)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as ``{"time", "level", "logger", "thread", "message"[, "error"]}``."""
        entry = {
            "time": timestamp(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "thread": record.threadName,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return shown_in_json(json.dumps(entry, ensure_ascii=False))


@dataclass(frozen=True)
class LogSetup:
    """How a process logs to stderr: the format of its lines, and the levels that filter them."""

    formatter: logging.Formatter | None
    root_level: int
    levels: tuple[tuple[str, int], ...]


def current() -> LogSetup | None:
    """This process's setup, or None when its root logger has no handler (nothing to copy)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, logging.StreamHandler)), None)
    if handler is None:
        return None
    levels = tuple((name, logging.getLogger(name).level) for name in NAMED)
    return LogSetup(handler.formatter, root.level, levels)


Applier = Callable[[LogSetup], None]
"""Sets a worker process's logging up as a :class:`LogSetup` says (a module-level function,
which a worker started with ``spawn`` or ``forkserver`` imports by its name)."""

_APPLIER: list[Applier] = []


def carry_into_workers(applier: Applier) -> None:
    """Have every worker process started from now on log as this one, set up by ``applier``."""
    _APPLIER[:] = [applier]


def for_workers() -> tuple[Applier, LogSetup] | None:
    """What a worker process starting now applies to itself first; None: nothing to carry."""
    setup = current()
    if not _APPLIER or setup is None:
        return None
    carried = (_APPLIER[0], setup)
    try:
        # It travels pickled: a formatter that cannot (a host program's own) must not
        # stop the worker from starting; it then logs as Python does by default.
        pickle.dumps(carried)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return carried
