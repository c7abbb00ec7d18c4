"""Targets of lifecycle commands: a file, a hash, or a whole image sequence.

A target names assets the ledger knows:

* a **file** on disk is hashed, and its content is looked up (so a renamed
  copy still finds its asset);
* a **hash** (full, or an unambiguous prefix of at least 6 hex digits; an
  ambiguous one is refused with its candidates listed);
* an **image sequence** in fileseq notation: ``shot010.1001-1005#.exr``
  names exactly those frames (each must exist), ``shot010.#.exr`` whatever
  frames are on disk. Every frame is one asset.

A file the ledger knows but that is gone from disk is refused where a
present copy matters (approving "a removed asset's missing copy" makes no
sense), and so is content never scanned.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fileseq.exceptions import FileSeqException
from fileseq.filesequence import FileSequence

from provenance.errors import TargetNotFound, TransitionRefused
from provenance.files.hashing import is_sha256_prefix, sha256_file
from provenance.files.sequences import expand_target
from provenance.files.walk import absolute
from provenance.store import AssetRecord
from provenance.util.file_kinds import is_folder, is_regular, kind_of

if TYPE_CHECKING:
    from provenance.store import Ledger

SEQUENCE_MARKS = ("#", "@", "%0", "$F", "<UDIM>")
MISSING_FRAMES_SHOWN = 5


@dataclass(frozen=True)
class Target:
    """An asset a command acts on, and the file it was named by (if any)."""

    asset: AssetRecord
    path: str | None
    given: str


def resolve_targets(ledger: Ledger, texts: Sequence[str], *, present: bool) -> list[Target]:
    """Every asset ``texts`` name, each once, in order.

    With ``present``, an asset must have a copy on disk: a file that is gone,
    or a hash with no present copy anywhere, is refused.
    """
    found: dict[str, Target] = {}
    for text in texts:
        for target in _resolve(ledger, text, present):
            found.setdefault(target.asset.sha256, target)
    return list(found.values())


def _resolve(ledger: Ledger, text: str, present: bool) -> Iterator[Target]:
    path = Path(text).expanduser()
    if os.path.lexists(path):
        yield _by_file(ledger, absolute(path), text)
    elif any(mark in path.name for mark in SEQUENCE_MARKS):
        for frame in sequence_frames(text):
            yield _by_file(ledger, frame, text)
    elif is_sha256_prefix(text):
        yield _by_hash(ledger, text, present)
    else:
        yield _by_vanished_path(ledger, absolute(path), text, present)


def sequence_frames(text: str) -> list[Path]:
    """The frame files a sequence names; every frame of an explicit range must exist."""
    pattern = str(Path(text).expanduser())
    try:
        if FileSequence(pattern).frameSet() is None:  # no range: whatever frames are on disk
            names = [str(frame) for frame in FileSequence.findSequenceOnDisk(pattern)]
        else:
            names = list(expand_target(pattern))
    except FileSeqException as exc:
        raise TargetNotFound(f"no frames of this sequence on disk ({exc})", where=text) from exc
    frames = [absolute(Path(name)) for name in names]
    missing = [frame for frame in frames if not frame.is_file()]
    if missing:
        shown = ", ".join(f.name for f in missing[:MISSING_FRAMES_SHOWN])
        raise TargetNotFound(
            f"{len(missing)} of {len(frames)} frames are missing ({shown})",
            where=text,
            fix="name the frames that exist, or use '#' without a range for what is on disk",
        )
    return frames


def _by_file(ledger: Ledger, path: Path, given: str) -> Target:
    if not path.is_file():
        raise TargetNotFound("not a file", where=path, fix="name files, a sequence, or a hash")
    sha = sha256_file(path).sha256
    asset = ledger.assets.get(sha)
    if asset is None:
        raise TargetNotFound(
            f"this file is not in the ledger (sha256 {sha[:12]})",
            where=path,
            fix="run `provenance scan` on it first",
        )
    return Target(asset, str(path), given)


def _by_hash(ledger: Ledger, text: str, present: bool) -> Target:
    asset = ledger.assets.resolve(text)
    if present and not ledger.locations.present(asset.sha256):
        raise TransitionRefused(
            "no copy of this asset is present anywhere (it was removed)",
            where=asset.sha256,
            fix="scan the place it lives now, or act on a copy that exists",
        )
    return Target(asset, None, text)


def _by_vanished_path(ledger: Ledger, path: Path, given: str, present: bool) -> Target:
    asset = ledger.assets.at(str(path))
    if asset is None:
        raise TargetNotFound(
            "no such file, sequence or asset in the ledger",
            where=given,
            fix="give a file path, an image sequence (shot.1001-1010#.exr) or a SHA-256 prefix",
        )
    if present:
        raise TransitionRefused(
            f"this copy is gone (removed); the ledger last saw {asset.sha256[:12]} here",
            where=path,
            fix="act on a copy that exists, or on the hash if another copy is present",
        )
    return Target(asset, str(path), given)


def resolve_target(target: str, ledger: Ledger) -> tuple[AssetRecord, str | None, Path | None]:
    """The one asset a reading command's target names, a note on how it was found, and a file
    holding its bytes.

    Unlike :func:`resolve_targets`, a path the ledger knew is accepted when its file is gone
    (the content last recorded there is shown, with a note saying so). The file is the target
    itself when it is one whose content is the asset.
    """
    path = Path(target).expanduser()
    if is_regular(path):
        return _read_file(absolute(path), ledger)
    if is_sha256_prefix(target) and not os.path.lexists(path):
        return ledger.assets.resolve(target), None, None
    known = ledger.assets.at(str(absolute(path)))
    if known is not None:
        gone = "this file is no longer there; showing the content last recorded at this path"
        return known, gone, None
    if is_folder(path):
        raise TargetNotFound(
            "this is a folder, and one file is wanted",
            where=target,
            fix=f"give one of its files (`provenance ls {absolute(path)}` lists those the ledger"
            " saw there)",
        )
    if (kind := _not_a_file(path)) is not None:
        raise TargetNotFound(
            f"this is {kind}, not a file whose content could be looked up",
            where=target,
            fix="give a regular file, or the asset's SHA-256 prefix",
        )
    raise TargetNotFound(
        "no such file or asset in the ledger",
        where=target,
        fix="give a file path or a SHA-256 prefix",
    )


def _not_a_file(path: Path) -> str | None:
    """What ``path`` is when it exists and is neither a file nor a folder (None otherwise).

    A FIFO, a device or a socket is never read (a FIFO would wait for a
    writer); saying "no such file" of one that is right there misleads.
    """
    try:
        mode = path.lstat().st_mode
    except OSError:
        return None
    if stat.S_ISLNK(mode):
        return "a link to nothing (its target is gone)"
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else kind_of(mode)


def _read_file(path: Path, ledger: Ledger) -> tuple[AssetRecord, str | None, Path | None]:
    sha = sha256_file(path).sha256
    asset = ledger.assets.get(sha)
    if asset is not None:
        return asset, None, path
    known = ledger.assets.at(str(path))
    if known is not None:
        return (
            known,
            (
                f"this file's current content ({sha[:12]}) is not in the ledger; "
                "showing the content last recorded at this path. Run `provenance scan` on it"
            ),
            None,
        )
    raise TargetNotFound(
        f"this file is not in the ledger (sha256 {sha[:12]})",
        where=path,
        fix="run `provenance scan` on it first",
    )
