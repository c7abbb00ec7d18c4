"""Mount identity: telling an unplugged share from a folder whose files were deleted.

When a share is unmounted, its mount point stays behind as an empty folder
on the file system below. Listing it works, and every file once seen there
looks deleted. So each watched root, and each mount point found below it,
has a *mount identity* (:class:`MountIdentity`): the device (``st_dev``) of
the folder and, where ``/proc/self/mountinfo`` can be read, the mount's id,
source, type and the folder of that file system mounted there. A root or
subtree whose identity is not the one expected (another share, or the file
system below showing through an empty mount point) is *unavailable*: nothing
under it is recorded removed until the same share is back, and only then,
files still missing are verifiably gone.

"The same share" is judged on what survives a remount: source, type and
mounted folder (a tmpfs or NFS export mounted again gets a new device number
and mount id, but it is the same share). Without a mount table (macOS,
Windows) the device number is all there is, and a mount point is recognised
by :func:`os.path.ismount`.

:class:`MountGuard` holds the identities each root is expected to have and
answers, from any thread, whether a path is under a root or subtree that is
unavailable right now. It re-reads the mount table at most every
:data:`FRESH_FOR` seconds, which is far shorter than the delay before a
deletion is recorded (``watch_delete_delay``), so a share unplugged just
before its files "disappear" is always noticed first.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from provenance.watchers.roots import MOUNTINFO, unescape_mount_field

FRESH_FOR = 0.1  # seconds a mount check is reused for (deletions come by the thousand)


@dataclass(frozen=True)
class MountEntry:
    """One line of ``/proc/self/mountinfo``, with what identifies the mount (proc(5))."""

    mount_id: int
    point: str
    fstype: str
    source: str
    fs_root: str  # the folder of the file system that is mounted at ``point`` (bind mounts)


@dataclass(frozen=True)
class MountIdentity:
    """Which file system, and which mount of it, holds a folder."""

    path: str
    device: int
    mount_point: str | None = None
    mount_id: int | None = None
    source: str | None = None
    fstype: str | None = None
    fs_root: str | None = None
    is_mount_point: bool = False

    def same_share(self, other: MountIdentity) -> bool:
        """True when ``other`` is the same share, though perhaps mounted again since."""
        if self.source is None or other.source is None:
            return self.device == other.device and self.is_mount_point == other.is_mount_point
        mine = (self.mount_point, self.source, self.fstype, self.fs_root)
        return mine == (other.mount_point, other.source, other.fstype, other.fs_root)

    def describe(self) -> str:
        """In words, for logs and ``status``: ``tmpfs share-a mounted at /mnt/a``."""
        if self.source is None:
            kind = "a mount point" if self.is_mount_point else "no mount point"
            return f"device {self.device} ({kind})"
        where = self.mount_point or "?"
        return f"{self.fstype} {self.source} mounted at {where}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (kept in the root's reconcile checkpoint)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MountIdentity | None:
        """The identity a checkpoint kept, or None if it is not one."""
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})  # type: ignore[arg-type]
        except TypeError:
            return None


def read_mount_entries(mountinfo: Path = MOUNTINFO) -> list[MountEntry]:
    """Every mount, from ``/proc/self/mountinfo`` (empty where there is none)."""
    try:
        lines = mountinfo.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return []
    return [entry for entry in map(_parse, lines) if entry is not None]


def _parse(line: str) -> MountEntry | None:
    # "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw" (proc(5))
    left, sep, right = line.partition(" - ")
    fields, tail = left.split(), right.split()
    if not sep or len(fields) < 5 or len(tail) < 2 or not fields[0].isdigit():
        return None
    point, fs_root = unescape_mount_field(fields[4]), unescape_mount_field(fields[3])
    return MountEntry(int(fields[0]), point, tail[0], unescape_mount_field(tail[1]), fs_root)


def identity_of(path: str, entries: Sequence[MountEntry]) -> MountIdentity:
    """The mount identity of the folder ``path``. Raises OSError when it cannot be stat'ed."""
    device = Path(path).stat().st_dev
    mount = _holding(path, entries)
    if mount is None:
        return MountIdentity(path, device, is_mount_point=os.path.ismount(path))
    return MountIdentity(
        path, device, mount.point, mount.mount_id, mount.source, mount.fstype, mount.fs_root,
        mount.point == path,
    )  # fmt: skip


def _holding(path: str, entries: Sequence[MountEntry]) -> MountEntry | None:
    # The last mount at the longest containing point: a later mount hides an earlier one.
    best: MountEntry | None = None
    for entry in entries:
        point = entry.point.rstrip("/") or "/"
        inside = path == point or path.startswith("/" if point == "/" else point + "/")
        if inside and (best is None or len(point) >= len(best.point.rstrip("/") or "/")):
            best = entry
    return best


def points_below(root: str, entries: Sequence[MountEntry]) -> list[str]:
    """Mount points strictly below ``root``, each once, in the mount table's order."""
    prefix = root.rstrip("/") + "/"
    return list(dict.fromkeys(e.point for e in entries if e.point.startswith(prefix)))


@dataclass(frozen=True)
class MountCheck:
    """A root's mounts now, against what they are expected to be."""

    root_problem: str | None = None  # the root itself is not its share
    below: Mapping[str, str] = field(default_factory=dict)  # mount point -> what is wrong there

    def blocks(self, path: str) -> str | None:
        """Why ``path`` must not be called gone, if it must not."""
        if self.root_problem is not None:
            return self.root_problem
        for point, problem in self.below.items():
            if path == point or path.startswith(point.rstrip("/") + "/"):
                return problem
        return None

    def spared(self) -> tuple[str, ...]:
        """Folder prefixes (ending in ``/``) of the unavailable subtrees."""
        return tuple(point.rstrip("/") + "/" for point in self.below)


class MountGuard:
    """The mount identities each root should have, and checks against them (thread-safe)."""

    def __init__(self, entries: Callable[[], Sequence[MountEntry]] = read_mount_entries) -> None:
        self._entries = entries
        self._lock = threading.Lock()
        self._expected: dict[str, dict[str, MountIdentity]] = {}  # root -> path -> identity
        self._checked: dict[str, tuple[float, MountCheck]] = {}

    def expected(self, root: str) -> list[MountIdentity]:
        """What ``root`` and the mount points below it are expected to be."""
        with self._lock:
            return list(self._expected.get(root, {}).values())

    def expect(self, root: str, identities: Sequence[MountIdentity]) -> None:
        """Expect these identities (from a checkpoint) until told otherwise."""
        with self._lock:
            self._expected[root] = {i.path: i for i in identities}
            self._checked.pop(root, None)

    def check(self, root: str) -> MountCheck:
        """Compare ``root`` and its mounts with what is expected; learn what is new.

        The first check of a root learns its identities. A mount point that
        appears below it later is learnt too (a share plugged in); one that
        is gone, or holds another share, is reported. Raises OSError when the
        root cannot be stat'ed (the caller's probe says why).
        """
        Path(root).stat()  # first: an automounter mounts the share when it is touched
        entries = self._entries()
        now = {i.path: i for i in self._survey(root, entries)}
        with self._lock:
            expected = self._expected.setdefault(root, dict(now))
            for path, identity in now.items():
                if _plugged_in(expected.get(path), identity):
                    expected[path] = identity
            result = _compare(root, expected, now, entries)
            self._checked[root] = (time.monotonic(), result)
        return result

    def recent(self, root: str) -> MountCheck:
        """:meth:`check`, reusing one at most :data:`FRESH_FOR` seconds old."""
        with self._lock:
            at, result = self._checked.get(root, (0.0, None))
        if result is not None and time.monotonic() - at <= FRESH_FOR:
            return result
        try:
            return self.check(root)
        except OSError as exc:
            return MountCheck(root_problem=exc.strerror or str(exc))

    def _survey(self, root: str, entries: Sequence[MountEntry]) -> list[MountIdentity]:
        found = [identity_of(root, entries)]
        for point in points_below(root, entries):
            try:
                found.append(identity_of(point, entries))
            except OSError:
                continue  # a point that cannot be stat'ed is compared as missing
        return found


def _compare(
    root: str,
    expected: Mapping[str, MountIdentity],
    now: Mapping[str, MountIdentity],
    entries: Sequence[MountEntry],
) -> MountCheck:
    problem = _differs(expected[root], now[root]) if root in expected else None
    below: dict[str, str] = {}
    for path, wanted in expected.items():
        if path == root:
            continue
        found = now.get(path) or _unmounted(path, entries)
        why = _differs(wanted, found) if found is not None else f"{path} cannot be reached"
        if why is not None:
            below[path] = why
    return MountCheck(problem, below)


def _plugged_in(wanted: MountIdentity | None, found: MountIdentity) -> bool:
    # A share mounted where there was none (a mount point below the root, or the
    # root itself mounted after the daemon started): from now on, it is expected.
    return wanted is None or (
        found.is_mount_point and not wanted.is_mount_point and not wanted.same_share(found)
    )


def _unmounted(path: str, entries: Sequence[MountEntry]) -> MountIdentity | None:
    # A mount point that is no longer one: the folder now belongs to the file system below.
    try:
        return identity_of(path, entries)
    except OSError:
        return None


def _differs(wanted: MountIdentity, found: MountIdentity) -> str | None:
    if wanted.same_share(found):
        return None
    if wanted.is_mount_point and not found.is_mount_point:
        return f"{wanted.path}: nothing is mounted there (was {wanted.describe()})"
    return f"{wanted.path}: {found.describe()} is not the share watched ({wanted.describe()})"
