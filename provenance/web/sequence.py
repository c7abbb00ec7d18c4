"""A sequence's strip: every frame of the shot an asset belongs to, the generated ones marked.

The frames are the files present in the asset's folder (on the host where a
copy of it is present) that form one sequence with it, in fileseq's sense;
each is looked up in the ledger for its verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from provenance.files.sequences import FrameGroup, group_frames
from provenance.store import AssetRecord, Ledger


@dataclass(frozen=True)
class Strip:
    """One sequence: its fileseq label and each frame number with its asset."""

    label: str
    frames: list[tuple[int, AssetRecord]]

    @property
    def generated(self) -> list[int]:
        """The numbers of the generated frames."""
        return [number for number, asset in self.frames if asset.verdict == "genai"]


def strip_of(sha256: str, ledger: Ledger) -> Strip | None:
    """The sequence a present copy of the asset is a frame of, or None when it is in none."""
    for location in ledger.locations.of(sha256):
        if not location.present:
            continue
        folder = str(PurePosixPath(location.path).parent)
        members = ledger.locations.in_folder(location.host, folder)
        group = _group_holding(location.path, members)
        if group is not None:
            assets = ledger.assets.many(members[path] for path in group.paths)
            frames = zip(group.frames, group.paths, strict=True)
            return Strip(group.label, [(n, assets[members[path]]) for n, path in frames])
    return None


def _group_holding(path: str, members: dict[str, str]) -> FrameGroup | None:
    for group in group_frames(members):
        if group.is_sequence and path in group.paths:
            return group
    return None
