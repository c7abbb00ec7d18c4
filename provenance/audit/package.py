"""The package an audit reads: its files, listed safely, and hashed.

A package is a folder, or an archive unpacked safely into a private temporary
area (:mod:`provenance.files.archives`, :mod:`provenance.files.scratch`).
Listing it (:mod:`provenance.audit.listing`) never follows a link out of the
package and opens the archives inside it; everything it cannot see is a
blocked result. Each regular file becomes an :class:`Item` that the audit's
stages fill in, starting with its hash.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from provenance.audit.judge import Seen
from provenance.audit.listing import Lister, Listing
from provenance.audit.report import FileResult
from provenance.errors import ProvenanceError, UnreadableFile
from provenance.files.archives import Budget, is_archive, unpack_into, unpack_limit
from provenance.files.hashing import changed_since, sha256_file
from provenance.files.scratch import TempArea
from provenance.files.walk import absolute, list_folder

CRASHED = "hashing it crashed a worker process"


class NotAPackage(ProvenanceError):
    """The audit target is neither a folder nor a supported archive."""


@dataclass
class Item:
    """One file of the package on its way through the audit: where it is, and what was seen."""

    rel: str
    path: Path
    seen: Seen


@dataclass
class Package:
    """An opened package: its root folder, its label, and the temporary area it may unpack into.

    ``refused`` are the delivered archive's members that were not unpacked.
    One ``budget`` serves the delivered archive and every archive inside it.
    """

    root: Path
    label: str
    area: TempArea
    budget: Budget
    refused: list[FileResult]
    only: str | None = None  # a package of one delivered file: its name in ``root``

    def listing(self) -> Listing:
        """The package's files, and a blocked result for everything that could not be seen."""
        if self.only is not None:
            return Listing(files=[(self.only, self.root / self.only)])
        listing = Lister(self.area, self.budget).list(self.root)
        listing.problems += self.refused
        return listing


@contextmanager
def open_package(target: Path) -> Iterator[Package]:
    """The package named ``target``, with its temporary area (removed afterwards)."""
    label = str(absolute(target))
    with TempArea() as area:
        budget = Budget(unpack_limit(area.path))
        if is_archive(target):
            root = area.folder("package")
            skipped = unpack_into(target, root, budget)
            refused = [
                FileResult(member, "block", (f"{why}: not audited",)) for member, why in skipped
            ]
            yield Package(root, label, area, budget, refused)
        elif target.is_dir():
            yield Package(_listable(absolute(target)), label, area, budget, [])
        elif target.is_file():
            # One delivered file (a master, a still) is a package of one.
            whole = absolute(target)
            yield Package(whole.parent, label, area, budget, [], only=whole.name)
        else:
            raise NotAPackage(
                "not a file, a folder or an archive (.zip, .tar, .tar.gz)",
                where=target,
                fix="give the package's folder, archive or file",
            )


def _listable(folder: Path) -> Path:
    # Below the package, a folder that cannot be listed is a blocked result;
    # the package's own folder is the whole audit: it cannot be done.
    why = list_folder(folder)
    if isinstance(why, str):
        raise UnreadableFile(why, where=folder, fix="audit it as a user who can read it all")
    return folder


def hash_files(files: list[tuple[str, Path]]) -> list[Item]:
    """Hash package files (one task of the audit's hashing pool)."""
    return [_hash_one(rel, path) for rel, path in files]


def _hash_one(rel: str, path: Path) -> Item:
    try:
        hashed = sha256_file(path)
    except UnreadableFile as exc:
        return Item(rel, path, Seen(rel, None, 0, error=exc.what))
    return Item(rel, path, Seen(rel, hashed.sha256, hashed.stamp.size, stamp=hashed.stamp))


def changed_since_hashed(items: Sequence[Item]) -> dict[str, str]:
    """Why each file that is not what was hashed any more blocks: changed, replaced or gone.

    Every later stage (markers, fingerprints, regions, a video's sweep) read
    the file again after its hash was taken; a file written to, or swapped,
    in between was judged on content that may not be what is delivered.
    """
    changed = {}
    for item in items:
        how = None if item.seen.stamp is None else changed_since(item.path, item.seen.stamp)
        if how is not None:
            changed[item.rel] = (
                f"file {how} during the audit, after it was hashed: what was judged may not be"
                " what is delivered; audit the package again once it is complete"
            )
    return changed


def hash_crashed(file: tuple[str, Path]) -> Item:
    """The item for a file whose hashing killed a worker process."""
    rel, path = file
    return Item(rel, path, Seen(rel, None, 0, error=CRASHED))
