"""Hints: what the file-system events of a watched root suggest may have changed.

Events are hints, not facts (WATCHING.md 1.5): they can be lost, arrive
late, or name a path that has changed again since. So a hint only says
*where to look*; the daemon then looks (``stat``, hash) before it records
anything, and reconciles the whole root whenever hints may have been lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HintKind = Literal[
    "changed",  # a file was created or written to: wait for it to settle, then ingest
    "written",  # inotify: written through a descriptor still open: wait for its close
    "closed",  # a file open for writing was closed: complete, unless it changes again
    "deleted",  # a file is gone: record it removed after a delay (it may reappear as a move)
    "folder_new",  # a folder appeared (created or moved in): look at every file in it
    "folder_gone",  # a folder vanished: everything the ledger had below it may be gone
    "root_gone",  # the root itself vanished or stopped answering: unavailable, not deleted
]


@dataclass(frozen=True)
class Hint:
    """One hint about one path below one watched root."""

    kind: HintKind
    root: str
    path: str
