"""Presence: is a file the recorder could not find really gone?

A file missing from a watched root is recorded ``removed`` only when the
daemon can vouch that it is gone: its root is available, the root answers a
listing (probed at most once a second, since deletions come by the
thousand), no unplugged share covers the path, and the file's own look says
"no such file". An I/O error or a denied look is no deletion, and an
unavailable root's files are not known to be gone. The recorder asks these
questions through :class:`~provenance.watchers.worker.RecorderHooks`.
"""

from __future__ import annotations

import time
from pathlib import Path

from provenance.util.file_kinds import may_exist
from provenance.watchers.reconcile import probe_root
from provenance.watchers.supervisor import Supervisor

PROBE_EVERY = 1.0  # seconds between probes of one root for deletions


class Presence:
    """Answers the recorder's questions about files it could not find."""

    def __init__(self, supervisor: Supervisor) -> None:
        self._supervisor = supervisor
        self._probes: dict[str, tuple[float, bool]] = {}  # root → (when, listable)

    def gone(self, path: str) -> bool:
        """Truly gone: the file is missing, and its root and share are there to say so."""
        root = self._supervisor.root_of(path)
        if root is not None and (not self._supervisor.available(root) or not self._probed(root)):
            self._supervisor.root_gone(root)
            return False
        if self._supervisor.blocked(path) is not None:
            return False  # an unplugged share's files are not known to be gone
        return not may_exist(path)  # an I/O error or a denied look is no deletion

    def exists(self, path: str) -> bool:
        """Possibly there: present, or under a root or share that cannot say otherwise."""
        root = self._supervisor.root_of(path)
        if root is not None and not self._supervisor.available(root):
            return True  # an unavailable root's files are not known to be gone
        return may_exist(path) or self._supervisor.blocked(path) is not None

    def watched(self, path: str) -> bool:
        """Whether the daemon would hear of this file vanishing: its root is being watched.

        What the daemon's events do not cover (another folder, a root that is
        unavailable) the recorder looks at again in every batch; a watch that
        may have lost events makes the daemon reconcile, and forget what it trusted.
        """
        root = self._supervisor.root_of(path)
        return root is not None and self._supervisor.available(root)

    def _probed(self, root: str) -> bool:
        now = time.monotonic()
        at, ok = self._probes.get(root, (0.0, False))
        if now - at > PROBE_EVERY:
            ok = probe_root(Path(root)) is None
            self._probes[root] = (now, ok)
        return ok
