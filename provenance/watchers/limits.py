"""inotify watch budgets: is there room for one watch per folder?

inotify is not recursive: watching a tree takes one watch per folder, and a
user may hold at most ``fs.inotify.max_user_watches`` of them (8,192 on older
kernels, up to 1,048,576 on newer ones; see WATCHING.md 1.1). When a tree
needs more, watchdog fails part-way or silently misses folders. So before a
root is watched by inotify its folders are counted (stopping as soon as the
budget is exceeded, so a huge tree is not walked twice), and a root that does
not fit is watched by polling instead, and the daemon says so.

Watches held by other processes of the same user are unknown cheaply, so a
quarter of the budget is left to them. Only inotify roots are counted:
FSEvents and ReadDirectoryChangesW watch a tree with one handle, and kqueue's
limit (one open file per file watched) is not estimated here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from provenance.watchers.roots import RootSpec

MAX_USER_WATCHES = Path("/proc/sys/fs/inotify/max_user_watches")
SHARE_FOR_US = 0.75


@dataclass(frozen=True)
class Budget:
    """How many inotify watches this daemon may use."""

    limit: int | None  # the kernel's limit; None where unknown (not Linux)

    @property
    def ours(self) -> int | None:
        """The part of the limit this daemon allows itself."""
        return None if self.limit is None else int(self.limit * SHARE_FOR_US)


def read_budget(path: Path = MAX_USER_WATCHES) -> Budget:
    """The inotify watch limit of this machine, where it has one."""
    try:
        return Budget(int(path.read_text().strip()))
    except (OSError, ValueError):
        return Budget(None)


def count_folders(root: Path, stop_after: int) -> int:
    """Folders in the tree at ``root`` (itself included), counting up to ``stop_after`` + 1."""
    count, stack = 0, [str(root)]
    while stack and count <= stop_after:
        folder = stack.pop()
        count += 1
        try:
            with os.scandir(folder) as entries:
                stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
    return count


def fit_to_budget(roots: Iterable[RootSpec], budget: Budget) -> list[RootSpec]:
    """inotify roots that fit in the budget stay so; the rest fall back to polling."""
    left = budget.ours
    fitted = []
    for root in roots:
        if not root.backend.is_inotify or left is None:
            fitted.append(root)
            continue
        folders = count_folders(root.path, left)
        if folders <= left:
            left -= folders
            fitted.append(root)
            continue
        fitted.append(root.polled(_fallback_reason(left, budget)))
    return fitted


def _fallback_reason(left: int, budget: Budget) -> str:
    return (
        f"polling (fallback: the tree has more than {left} folders, the inotify watches left "
        f"of this machine's {budget.limit}; raise fs.inotify.max_user_watches to watch natively)"
    )
