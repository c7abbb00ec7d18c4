"""Watched roots: what to watch, and how.

Each root is watched in exactly one mode:

* ``native``: the kernel's change notifications (inotify on Linux, FSEvents
  on macOS, ReadDirectoryChangesW on Windows: see :mod:`.backends`). Cheap
  and immediate, but blind to changes made by other machines on a network
  share (inotify(7): "it does not catch remote events that occur on network
  filesystems").
* ``polling``: the tree is listed every ``interval`` seconds and compared
  with the previous listing. Slower and costlier, but it sees every change
  that ``stat`` can see, from any machine.

``auto`` picks from the mount table: a root on NFS, SMB/CIFS, SSHFS or any
FUSE file system is polled; everything else gets native events, where the
platform has a native backend (elsewhere every root is polled). The mount
table is read on Linux only; a root whose mount is unknown is assumed local.
Network
mounts also get the longer ``watch_network_settle`` window, because their
attribute caches can report a stale size or mtime for up to a minute.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

from provenance.files.walk import absolute
from provenance.settings import Settings, WatchMode, WatchRootConfig
from provenance.watchers.backends import POLLING, Backend

Mode = Literal["native", "polling"]
NO_NATIVE = "this platform has no native backend"

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK_FS = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "sshfs", "9p", "afs", "ceph", "glusterfs",
     "lustre", "gpfs", "davfs", "ncpfs", "beegfs"}
)  # fmt: skip


@dataclass(frozen=True)
class Mount:
    """One line of the mount table: where a file system is mounted, and its type."""

    point: str
    fstype: str

    @property
    def is_network(self) -> bool:
        """True for network and FUSE file systems (no kernel events for remote changes)."""
        return self.fstype in NETWORK_FS or self.fstype.startswith("fuse.") or self.fstype == "fuse"


@dataclass(frozen=True)
class RootSpec:
    """A root as the daemon watches it: the configuration with every choice made."""

    path: Path
    backend: Backend
    reason: str
    interval: float
    settle: float
    ignore: tuple[str, ...]
    network: bool

    @property
    def mode(self) -> Mode:
        """``native`` when the backend hears the kernel, else ``polling``."""
        return "native" if self.backend.native else "polling"

    def polled(self, reason: str) -> RootSpec:
        """The same root watched by polling instead (a fallback), saying why."""
        return replace(self, backend=POLLING, reason=reason)

    @cached_property
    def _ignored_name(self) -> re.Pattern[str]:
        # One regex for all patterns: the handler asks for every event of a burst.
        return re.compile("|".join(fnmatch.translate(p) for p in self.ignore) or "(?!)")

    def ignores(self, path: str) -> bool:
        """True when any name between the root and ``path`` matches an ignore pattern."""
        relative = os.path.relpath(path, self.path)
        return any(self._ignored_name.match(part) for part in Path(relative).parts)

    def contains(self, path: str) -> bool:
        """True when ``path`` is this root or below it."""
        root = str(self.path)
        return path == root or path.startswith(root.rstrip("/") + "/")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (for heartbeats)."""
        return {
            "path": str(self.path),
            "mode": self.mode,
            "reason": self.reason,
            "interval": self.interval,
            "settle": self.settle,
            "network": self.network,
        }


def read_mounts(mountinfo: Path = MOUNTINFO) -> list[Mount]:
    """The mount table, from ``/proc/self/mountinfo`` (empty where there is none)."""
    try:
        lines = mountinfo.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return []
    return [m for m in (_parse_mountinfo_line(line) for line in lines) if m is not None]


def _parse_mountinfo_line(line: str) -> Mount | None:
    # "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw" (proc(5))
    left, sep, right = line.partition(" - ")
    fields, tail = left.split(), right.split()
    if not sep or len(fields) < 5 or not tail:
        return None
    return Mount(unescape_mount_field(fields[4]), tail[0])


def unescape_mount_field(text: str) -> str:
    # The kernel writes space, tab, newline and backslash as octal escapes.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        text = text.replace(code, char)
    return text


def mount_of(path: Path, mounts: Sequence[Mount]) -> Mount | None:
    """The mount holding ``path``: the longest mount point that contains it."""
    real = os.path.realpath(path)
    best: Mount | None = None
    for mount in mounts:
        point = mount.point.rstrip("/") or "/"
        inside = real == point or real.startswith(point if point == "/" else point + "/")
        if inside and (best is None or len(point) >= len(best.point.rstrip("/") or "/")):
            best = mount
    return best


def resolve_root(
    config: WatchRootConfig, settings: Settings, mounts: Sequence[Mount], native: Backend | None
) -> RootSpec:
    """Turn a ``[[watch]]`` table into a :class:`RootSpec`, choosing the mode from the mounts.

    ``native`` is the platform's native backend (:func:`.backends.native_backend`),
    None where it has none.
    """
    path = absolute(Path(config.path).expanduser())
    mount = mount_of(path, mounts)
    network = mount is not None and mount.is_network
    backend, reason = _choose_backend(config.mode, mount, native)
    settle = config.settle
    if settle is None:
        settle = settings.watch_network_settle if network else settings.watch_settle
    interval = config.interval if config.interval is not None else settings.watch_poll_interval
    ignore = tuple(settings.ignore) + tuple(config.ignore)
    return RootSpec(path, backend, reason, max(interval, 0.1), settle, ignore, network)


def _choose_backend(
    wanted: WatchMode, mount: Mount | None, native: Backend | None
) -> tuple[Backend, str]:
    if wanted != "auto":
        return _configured(wanted, native)
    if mount is not None and mount.is_network:
        return POLLING, f"polling ({mount.fstype} mount at {mount.point}: no remote events)"
    where = "mount unknown" if mount is None else f"{mount.fstype} mount at {mount.point}"
    if native is None:
        return POLLING, f"polling ({where}; {NO_NATIVE})"
    if mount is None:
        return native, "native (mount unknown; assumed local)"
    return native, f"native ({where})"


def _configured(wanted: Mode, native: Backend | None) -> tuple[Backend, str]:
    if wanted == "polling":
        return POLLING, "polling (set in the configuration)"
    if native is None:
        return POLLING, f"polling (native set in the configuration, but {NO_NATIVE})"
    return native, "native (set in the configuration)"


def roots_for(
    paths: Sequence[Path], settings: Settings, mode: WatchMode = "auto"
) -> list[WatchRootConfig]:
    """The root configs to watch: ``paths`` when given (reusing a matching [[watch]]), else all."""
    if not paths:
        return list(settings.watch)
    configured = {absolute(Path(c.path).expanduser()): c for c in settings.watch}
    chosen = []
    for path in paths:
        config = configured.get(absolute(path)) or WatchRootConfig(path=str(absolute(path)))
        chosen.append(config if mode == "auto" else replace(config, mode=mode))
    return chosen
