"""Checks on what a person typed, made before any work starts.

A typo must never produce a clean-looking answer: a missing path, or an
``--output`` in a folder that does not exist, is refused with one ``Error:``
line and exit code 2 before a long scan or audit runs, never found out
afterwards as a traceback with exit code 1 (which CI reads as "blocked").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from provenance.errors import InvalidValue, OutputNotWritable, TargetNotFound
from provenance.files.walk import absolute
from provenance.tools import TOOLS, UNKNOWN_GENAI, canonical_tool
from provenance.util.names import SHOWN_ERRORS


def path_filter(path: str | Path | None) -> str | None:
    """A folder typed to filter by (``ls PATH``, ``--under``) as the ledger writes paths.

    Scans and audits record a path absolute and normalized, its links left
    as the user named them (:func:`~provenance.files.walk.absolute`); a
    filter made only absolute kept ``..`` (``--under ../sh020`` became
    ``/jobs/sh010/../sh020``) and matched nothing.
    """
    return None if path is None else str(absolute(Path(path)))


def require_existing(paths: Iterable[Path], what: str = "file or folder") -> None:
    """Refuse the first of ``paths`` that does not exist (a dangling link counts as existing)."""
    for path in paths:
        if not os.path.lexists(path):
            raise TargetNotFound(f"no such {what}", where=path, fix="check the path for a typo")


def writable_output(path: Path | None) -> None:
    """Refuse an ``--output`` that cannot be written, before the work that fills it."""
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        raise OutputNotWritable(
            "cannot write the output: its folder does not exist",
            where=path,
            fix="create the folder, or choose another --output",
        )
    if path.is_dir():
        raise OutputNotWritable(
            "cannot write the output: it is a folder", where=path, fix="name a file"
        )
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise OutputNotWritable(
            "cannot write the output: permission denied",
            where=path,
            fix="choose another --output",
        )


def write_output(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path``; a failure (full disk, vanished folder) is an Error line."""
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors=SHOWN_ERRORS)
    except OSError as exc:
        raise OutputNotWritable(
            f"cannot write the output ({exc.strerror or exc})",
            where=path,
            fix="free space or choose another --output, then run the command again",
        ) from exc


def tool_id(name: str | None) -> str | None:
    """The registry id for a tool as a person types it: by id or display name, any case."""
    if name is None:
        return None
    found = canonical_tool(name)
    if found is None and name.strip().lower() == UNKNOWN_GENAI:
        found = UNKNOWN_GENAI
    if found is None:
        raise InvalidValue(
            f"unknown tool {name!r}",
            where="--tool",
            fix=f"use a tool's id or name, e.g. {', '.join(sorted(TOOLS)[:6])} (all: README)",
        )
    return found
