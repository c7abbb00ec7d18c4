"""The package an audit reads: its files, listed safely, and hashed.

A package is a folder, or an archive unpacked safely into a private temporary
folder (:mod:`provenance.files.archives`). Listing never follows a link out of the
package: such links, broken links and special files are results of their
own (blocked: the package is not what it claims). Each regular file becomes
an :class:`Item` that the audit's stages fill in, starting with its hash.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from provenance.audit.judge import Seen
from provenance.audit.report import FileResult
from provenance.errors import ProvenanceError, UnreadableFile
from provenance.files.archives import is_archive, unpack
from provenance.files.hashing import sha256_file
from provenance.files.walk import absolute

CRASHED = "hashing it crashed a worker process"


class NotAPackage(ProvenanceError):
    """The audit target is neither a folder nor a supported archive."""


@dataclass
class Item:
    """One file of the package on its way through the audit: where it is, and what was seen."""

    rel: str
    path: Path
    seen: Seen


@contextmanager
def open_package(target: Path) -> Iterator[tuple[Path, str, list[FileResult]]]:
    """The package's root folder, its label, and the archive members refused while unpacking."""
    if is_archive(target):
        with unpack(target) as unpacked:
            refused = [
                FileResult(member, "block", (f"{why}: not audited",))
                for member, why in unpacked.skipped
            ]
            yield unpacked.root, str(absolute(target)), refused
    elif target.is_dir():
        yield absolute(target), str(absolute(target)), []
    else:
        raise NotAPackage(
            "not a folder or an archive (.zip, .tar, .tar.gz)",
            where=target,
            fix="give the package's folder",
        )


def list_package(root: Path) -> tuple[list[tuple[str, Path]], list[FileResult]]:
    """Every regular file below ``root`` as (relative, absolute) paths, and what cannot be read."""
    files: list[tuple[str, Path]] = []
    problems: list[FileResult] = []
    real_root = root.resolve()
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs + names):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                problem = _link_problem(path, real_root)
                if problem is None and path.is_file():
                    files.append((rel, path))
                elif problem is not None:
                    problems.append(FileResult(rel, "block", (problem,)))
            elif name in names:
                if path.is_file():
                    files.append((rel, path))
                else:
                    problems.append(
                        FileResult(
                            rel, "block", ("special file (device, FIFO or socket): not content",)
                        )
                    )
    return sorted(files), problems


def _link_problem(path: Path, real_root: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link: the package is incomplete"
    if target != real_root and real_root not in target.parents:
        return f"symbolic link leaves the package (to {target}): not followed"
    return None


def hash_files(files: list[tuple[str, Path]]) -> list[Item]:
    """Hash package files (one task of the audit's hashing pool)."""
    return [_hash_one(rel, path) for rel, path in files]


def _hash_one(rel: str, path: Path) -> Item:
    try:
        hashed = sha256_file(path)
    except UnreadableFile as exc:
        return Item(rel, path, Seen(rel, None, 0, error=exc.what))
    return Item(rel, path, Seen(rel, hashed.sha256, hashed.stamp.size))


def hash_crashed(file: tuple[str, Path]) -> Item:
    """The item for a file whose hashing killed a worker process."""
    rel, path = file
    return Item(rel, path, Seen(rel, None, 0, error=CRASHED))
