"""Listing a package: every file the audit judges, and a blocked result for all it cannot see.

The gate fails closed, so nothing below the package is left out silently:

* a folder that cannot be listed ("cannot list folder: Permission denied"),
  a path longer than the system lets a program open (PATH_MAX), and an entry
  that cannot be examined are each a blocked result of their own: the files
  they hide were not seen (the words are those of ``scan`` and ``classify``,
  from :func:`provenance.files.walk.tree`);
* a symbolic link is never followed out of the package: a link leaving it,
  or a broken one, is a blocked result; special files (devices, FIFOs,
  sockets) too, since they are not content;
* an archive inside the package (``.zip``, ``.tar``, ``.tar.gz``) is judged as
  a file *and* opened, into the audit's temporary area, with the same rules
  as a delivered archive and the same :class:`~provenance.files.archives.Budget`
  (so nesting never multiplies the limits). Its files are listed as
  ``<archive's path>/<member's path>``, and archives inside it are opened in
  turn, down to :data:`NESTED_DEPTH` levels. An archive that is refused, or
  that lies deeper, is not opened, and its own result blocks, with the reason.
"""

from __future__ import annotations

import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from provenance.audit.report import FileResult
from provenance.files.archives import Budget, UnsafeArchive, is_archive, unpack_into
from provenance.files.scratch import TempArea
from provenance.files.walk import Skipped, tree

NESTED_DEPTH = 3  # levels of archives opened inside a package (a delivered archive is level 0)
SPECIAL = "special file (device, FIFO or socket): not content"


@dataclass
class Listing:
    """What an audit will judge: the files, the blocked entries that are not, and extra blocks.

    ``blocks`` gives files that are judged like any other, and block for
    these reasons as well (an archive inside the package that was not opened).
    """

    files: list[tuple[str, Path]] = field(default_factory=list)  # (package path, where it is)
    problems: list[FileResult] = field(default_factory=list)
    blocks: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, rel: str, reason: str) -> None:
        """An entry that is not audited as a file, and blocks."""
        self.problems.append(FileResult(rel, "block", (reason,)))

    def block(self, rel: str, reason: str) -> None:
        """A reason for a file that is audited to block as well."""
        self.blocks.setdefault(rel, []).append(reason)


class Lister:
    """Lists a package's folder, opening the archives inside it into ``area``."""

    def __init__(self, area: TempArea, budget: Budget) -> None:
        self.area, self.budget = area, budget
        self.listing = Listing()

    def list(self, root: Path) -> Listing:
        """Every file below ``root`` and what blocks; the files sorted by package path."""
        self._folder(root, "", 0)
        self.listing.files.sort()
        return self.listing

    def _folder(self, root: Path, prefix: str, depth: int) -> None:
        real_root = root.resolve()
        for found in tree(root):
            if isinstance(found, Skipped):
                self.listing.problem(_rel(found.path, root, prefix), f"{found.reason}: not audited")
                continue
            path, info = found
            rel = _rel(path, root, prefix)
            if stat.S_ISLNK(info.st_mode):
                self._link(path, rel, real_root)
            elif stat.S_ISREG(info.st_mode):
                self.listing.files.append((rel, path))
                if is_archive(path):
                    self._nested(path, rel, depth + 1)
            else:
                self.listing.problem(rel, SPECIAL)

    def _link(self, path: Path, rel: str, real_root: Path) -> None:
        problem = link_problem(path, real_root)
        if problem is not None:
            self.listing.problem(rel, problem)
        elif path.is_file():
            self.listing.files.append((rel, path))
        # A link to a folder inside the package: that folder is listed itself.

    def _nested(self, archive: Path, rel: str, depth: int) -> None:
        if depth > NESTED_DEPTH:
            self.listing.block(rel, f"nested archive beyond depth {NESTED_DEPTH}, not opened")
            return
        into = self.area.folder(archive.name)
        try:
            skipped = unpack_into(archive, into, self.budget)
        except UnsafeArchive as exc:
            shutil.rmtree(into, ignore_errors=True)  # what it had unpacked is not audited
            self.listing.block(rel, f"archive not opened: {exc.what}")
            return
        for member, why in skipped:
            self.listing.problem(f"{rel}/{member}", f"{why}: not audited")
        self._folder(into, f"{rel}/", depth)


def link_problem(path: Path, real_root: Path) -> str | None:
    """Why a symbolic link blocks (broken, or leaving the package), or None when it stays inside."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link: the package is incomplete"
    if target != real_root and real_root not in target.parents:
        return f"symbolic link leaves the package (to {target}): not followed"
    return None


def _rel(path: Path, root: Path, prefix: str) -> str:
    if path == root:
        return prefix.rstrip("/") or "."
    return prefix + path.relative_to(root).as_posix()
